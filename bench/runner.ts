import { performance } from 'node:perf_hooks';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
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
import type { BenchFigure, BenchScenario } from './scenario';

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
        const clientRequestId = ulid();
        const accepted = await acceptRequest(counting, {
          workflow,
          tenantId: 'bench',
          userId: 'u',
          clientRequestId,
          input: { ticks },
          now: Date.now(),
        });
        const start = performance.now();
        const outcome = await runRequest({
          store: counting,
          registry,
          requestId: accepted.requestId,
          clock: Date.now,
          remainingTimeMs: () => 900_000,
          deadLetterSink: { send: async () => {} },
        });
        times.push((performance.now() - start) / ticks);
        if (outcome.kind !== 'completed') throw new Error(`bench request ended ${outcome.kind}`);
      }
      times.sort((a, b) => a - b);
      return {
        median: times[Math.floor(times.length / 2)] ?? 0,
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
    const puts = quick ? 60 : 300;
    const requestId = `bench#${ulid()}`;
    const start = performance.now();
    for (let seq = 1; seq <= puts; seq++) {
      const Item = marshall({
        requestId,
        seq,
        type: 'step.completed',
        at: Date.now(),
        tenantId: 'bench',
        userId: 'u',
        data: '{"stepId":"tick","output":1}',
        schemaVersion: 1,
      });
      await client.send(new PutItemCommand({ TableName: tables.requests, Item }));
    }
    const rawPut = (performance.now() - start) / puts;
    log(`DynamoDB Local: ${dynamo.median.toFixed(2)} ms/step, raw PutItem ${rawPut.toFixed(2)} ms`);

    const figures: BenchFigure[] = [
      {
        name: 'runner per step, in-memory store',
        value: memory.median,
        unit: 'ms/step',
        baseline: { name: 'bare XState transition per step', value: bareStep },
        details: {
          writesPerStep: round(memory.writesPerStep),
          engineOverMs: round(memory.median - bareStep),
        },
      },
      {
        name: 'runner per step, DynamoDB Local',
        value: dynamo.median,
        unit: 'ms/step',
        baseline: { name: 'raw sequential PutItem', value: rawPut },
        details: { writesPerStep: round(dynamo.writesPerStep) },
      },
    ];
    return figures;
  },
};

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
