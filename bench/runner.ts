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
  async run({ quick, dynamoDbEndpoint, log, profile }) {
    const workflow = createLoopWorkflow();
    const registry = createWorkflowRegistry([workflow]);
    const perStep = async (store: EventStore, ticks: number, requests: number) => {
      const times: number[] = [];
      const storeTimes: number[] = [];
      let writes = 0;
      let storeMs = 0;
      const timed = async <T>(work: () => Promise<T>): Promise<T> => {
        const began = performance.now();
        try {
          return await work();
        } finally {
          storeMs += performance.now() - began;
        }
      };
      const counting: EventStore = {
        append: (...args) => {
          writes += 1;
          return timed(() => store.append(...args));
        },
        read: (...args) => timed(() => store.read(...args)),
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
        storeMs = 0;
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
        storeTimes.push(storeMs / ticks);
        if (outcome.kind !== 'completed') throw new Error(`bench request ended ${outcome.kind}`);
      }
      return {
        median: median(times),
        /** Of which awaiting the store (its appends and reads), per step. */
        storeMedian: median(storeTimes),
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
    const dynamoStore = new DynamoDbEventStore({ client, tableName: tables.requests });
    await perStep(dynamoStore, 10, 1); // warm up the client, the connection and DynamoDB Local's JIT
    // Alternate raw puts and runs, keeping each one's best, so a burst of load from
    // elsewhere on the machine does not land on one side only.
    let rawPut = Number.POSITIVE_INFINITY;
    let dynamo: Awaited<ReturnType<typeof perStep>> | undefined;
    for (let round = 0; round < 2; round++) {
      const rate = await rawPutItemRate(client, tables.requests, 1, quick ? 60 : 300);
      rawPut = Math.min(rawPut, 1000 / rate);
      const measured = await profile(`runner-dynamodb-${round}`, () =>
        perStep(dynamoStore, quick ? 30 : 100, quick ? 2 : 5),
      );
      if (!dynamo || measured.median < dynamo.median) dynamo = measured;
    }
    if (!dynamo) throw new Error('no runner measurement');
    log(
      `DynamoDB Local: ${dynamo.median.toFixed(2)} ms/step (awaiting the store ${dynamo.storeMedian.toFixed(2)} ms), raw PutItem ${rawPut.toFixed(2)} ms`,
    );

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
        details: {
          writesPerStep: round2(dynamo.writesPerStep),
          storeMsPerStep: round2(dynamo.storeMedian),
          engineMsPerStep: round2(dynamo.median - dynamo.storeMedian),
        },
      },
    ];
    return figures;
  },
};
