import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { initialTransition, transition } from 'xstate';
import { acceptRequest, createWorkflowRegistry, runRequest } from '../src/engine';
import { DynamoDbEventStore } from '../src/events/dynamodb';
import type { EventStore } from '../src/events/eventStore';
import { InMemoryEventStore } from '../src/events/memory/inMemoryEventStore';
import { LOCAL_AWS } from '../src/local/localAws';
import { createTables } from '../src/tables/createTables';
import { tableNames } from '../src/tables/definitions';
import { createLoopWorkflow } from './loopWorkflow';
import { rawPutItemRate } from './rawPutItem';
import type { BenchFigure, BenchScenario } from './scenario';
import { median, round2 } from './stats';

/**
 * Runner overhead per step: a request of N trivial steps run to the end by
 * `runRequest`, per step, on the in-memory store (pure engine cost; target
 * ≤ 0.2 ms) and on DynamoDB Local against one raw `PutItem` on the same
 * table (a step costs one append: its outcome and the next start together;
 * target ≤ 1.2 raw writes).
 */
export const runnerScenario: BenchScenario = {
  name: 'engine runner cost per step',
  async run({ quick, dynamoDbEndpoint, log }) {
    const workflow = createLoopWorkflow();
    const registry = createWorkflowRegistry([workflow]);
    const perStep = async (store: EventStore, ticks: number, requests: number) => {
      const times: number[] = [];
      let writes = 0;
      const counting: EventStore = {
        append: (...args) => {
          writes += 1;
          return store.append(...args);
        },
        read: (...args) => store.read(...args),
      };
      for (let r = 0; r < requests; r++) {
        const requestId = ulid();
        const accepted = await acceptRequest(counting, {
          workflow,
          tenantId: 'bench',
          userId: 'u',
          requestId,
          input: { ticks },
          now: Date.now(),
        });
        const start = performance.now();
        const outcome = await runRequest({
          store: counting,
          registry,
          requestKey: accepted.requestKey,
          clock: Date.now,
          remainingTimeMs: () => 900_000,
          deadLetterSink: { send: async () => {} },
        });
        times.push((performance.now() - start) / ticks);
        if (outcome.kind !== 'completed') throw new Error(`bench request ended ${outcome.kind}`);
      }
      return {
        median: median(times),
        writesPerStep: (writes - requests) / (requests * ticks),
      };
    };

    const memoryTicks = quick ? 200 : 1_000;
    const memory = await perStep(new InMemoryEventStore(), memoryTicks, quick ? 3 : 10);
    // The same machine's transitions alone (one per step), measured right after: what XState costs.
    const bareStart = performance.now();
    let [snapshot] = initialTransition(workflow.machine, { ticks: memoryTicks });
    for (let n = 1; n <= memoryTicks; n++) {
      [snapshot] = transition(workflow.machine, snapshot, {
        type: 'xstate.done.actor.tick',
        output: n,
        actorId: 'tick',
      });
    }
    const bareStep = (performance.now() - bareStart) / memoryTicks;
    log(
      `in-memory: ${memory.median.toFixed(3)} ms/step, bare XState transition ${bareStep.toFixed(3)} ms`,
    );

    const client = new DynamoDBClient({ endpoint: dynamoDbEndpoint, ...LOCAL_AWS });
    const tables = tableNames(`bench-${ulid().toLowerCase()}`);
    await createTables(client, tables);
    const dynamo = await perStep(
      new DynamoDbEventStore({ client, tableName: tables.requests }),
      quick ? 30 : 100,
      quick ? 2 : 5,
    );
    const rawPut = 1000 / (await rawPutItemRate(client, tables.requests, 1, quick ? 60 : 300));
    log(`DynamoDB Local: ${dynamo.median.toFixed(2)} ms/step, raw PutItem ${rawPut.toFixed(2)} ms`);

    const figures: BenchFigure[] = [
      {
        name: 'runner per step, in-memory store',
        value: memory.median,
        unit: 'ms/step',
        baseline: { name: 'bare XState transition per step', value: bareStep },
        details: {
          writesPerStep: round2(memory.writesPerStep),
          engineOverMs: round2(memory.median - bareStep),
        },
      },
      {
        name: 'runner per step, DynamoDB Local',
        value: dynamo.median,
        unit: 'ms/step',
        baseline: { name: 'raw sequential PutItem', value: rawPut },
        details: { writesPerStep: round2(dynamo.writesPerStep) },
      },
    ];
    return figures;
  },
};
