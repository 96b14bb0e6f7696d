import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { createClient, type StreamerClient } from '../src/client';
import { DynamoDbEventStore } from '../src/events/dynamodb';
import { toRequestKey } from '../src/events/requestKey';
import { LONG_ACTION, NOOP_ACTION, WAIT_ACTION } from './benchWorkflows';
import type { BenchStack } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';
import { round2, summarize } from './stats';

/** How many one-step requests each phase submits at once, and how many long steps run beside them. */
const QUICK_ONES = 20;
const LONG_ONES = 5;

/** What one phase measured, in ms. */
interface PhaseFigures {
  /** `start` → `result`, per one-step request. */
  readonly submitToComplete: number[];
  /** `request.accepted.at` → first `step.started.at`, from the log (the dispatch hop and the run's start). */
  readonly acceptedToStarted: number[];
  /** `signal` sent → the waiting request's `result`. */
  readonly signalToComplete: number;
  /** Long steps still running when the last one-step request completed. */
  readonly longStillRunning: number;
}

/**
 * Dispatch: the processor only turns wake-up records into run messages; runs
 * execute in runner invocations of their own. Measured on the local stack, in
 * two phases: 20 one-step (`bench_noop`) requests submitted at once, and a
 * `go` signal to a waiting request — first alone, then while 5 requests each
 * hold an 8 s step. Side by side: submit → `complete` and signal →
 * `complete`, alone vs next to the long steps (they should match: a long step
 * holds one runner, not the stream), and the hop from `request.accepted` to
 * the first `step.started` (stream → processor → run message → runner) next
 * to a raw SQS send → long-poll receive on the same emulator.
 */
export const dispatchScenario: BenchScenario = {
  name: 'dispatch',
  async run({ quick, resources, log }) {
    const bench = await resources.stack();
    const client = createClient({
      url: bench.stack.url,
      token: () => bench.token('bench-dispatch'),
    });
    try {
      const longMs = quick ? 4_000 : 8_000;
      // Warm the path (JIT, connections, the runner's first invocations) before measuring it.
      for (let i = 0; i < 5; i++)
        await client.start(NOOP_ACTION, {}, { id: `warm-${ulid()}` }).result;
      const alone = await phase(bench, client, undefined);
      log(describe('alone', alone));
      const beside = await phase(bench, client, longMs);
      log(describe(`next to ${LONG_ONES} steps of ${longMs / 1000} s`, beside));
      const raw = await rawSqsHop(bench.stack.sqs, quick ? 20 : 50);
      log(`raw SQS send → receive (long poll): p50 ${round2(summarize(raw).p50)} ms`);
      return figuresOf(alone, beside, raw, longMs);
    } finally {
      client.close();
    }
  },
};

/** One phase: with `longMs`, first starts the long steps and waits until they run. */
async function phase(
  bench: BenchStack,
  client: StreamerClient,
  longMs: number | undefined,
): Promise<PhaseFigures> {
  const tag = ulid().toLowerCase();
  const waiting = client.start(WAIT_ACTION, {}, { id: `wait-${tag}` });
  const longs = longMs
    ? Array.from({ length: LONG_ONES }, (_, i) =>
        client.start(LONG_ACTION, { ms: longMs }, { id: `long-${tag}-${i}` }),
      )
    : [];
  await untilStepsStarted(
    bench,
    longs.map((run) => run.id),
  );
  let longDone = 0;
  for (const run of longs) void run.result.then(() => longDone++);
  const quickIds = Array.from({ length: QUICK_ONES }, (_, i) => `noop-${tag}-${i}`);
  const submitToComplete = await Promise.all(
    quickIds.map(async (id) => {
      const sent = performance.now();
      await client.start(NOOP_ACTION, {}, { id }).result;
      return performance.now() - sent;
    }),
  );
  const longStillRunning = longs.length - longDone;
  const signalled = performance.now();
  await waiting.signal({ type: 'go' });
  await waiting.result;
  const signalToComplete = performance.now() - signalled;
  await Promise.all(longs.map((run) => run.result));
  const acceptedToStarted = await hopsOf(bench, quickIds);
  return { submitToComplete, acceptedToStarted, signalToComplete, longStillRunning };
}

/** Waits until each request's log holds a `step.started`. */
async function untilStepsStarted(bench: BenchStack, ids: readonly string[]): Promise<void> {
  const store = storeOf(bench);
  for (const id of ids) {
    for (;;) {
      const log = await store.read(toRequestKey('bench', id));
      if (log.some((event) => event.type === 'step.started')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** `request.accepted` → first `step.started`, per request, from the log. */
async function hopsOf(bench: BenchStack, ids: readonly string[]): Promise<number[]> {
  const store = storeOf(bench);
  return Promise.all(
    ids.map(async (id) => {
      const log = await store.read(toRequestKey('bench', id));
      const accepted = log.find((event) => event.type === 'request.accepted');
      const started = log.find((event) => event.type === 'step.started');
      if (!accepted || !started) throw new Error(`${id}: no accepted or started event`);
      return started.at - accepted.at;
    }),
  );
}

function storeOf(bench: BenchStack): DynamoDbEventStore {
  return new DynamoDbEventStore({
    client: bench.stack.dynamo,
    tableName: bench.stack.tables.requests,
  });
}

/**
 * The floor of the dispatch hop: one message sent to a fresh queue on the
 * same SQS emulator while a receiver long-polls it (as the runner's mapping
 * does), send → receive, `count` times in a row.
 */
async function rawSqsHop(sqs: SQSClient, count: number): Promise<number[]> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-raw-${ulid()}` }));
  const queueUrl = QueueUrl as string;
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const receiving = sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 1,
        }),
      );
      const sent = performance.now();
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: String(i) }));
      const { Messages } = await receiving;
      if (Messages?.length) samples.push(performance.now() - sent);
    }
  } finally {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }
  return samples;
}

function describe(label: string, figures: PhaseFigures): string {
  const complete = summarize(figures.submitToComplete);
  const hop = summarize(figures.acceptedToStarted);
  return `${label}: submit → complete p50 ${round2(complete.p50)} ms, max ${round2(complete.max)} ms; accepted → step.started p50 ${round2(hop.p50)} ms; signal → complete ${round2(figures.signalToComplete)} ms; long steps still running at the last complete: ${figures.longStillRunning}`;
}

function figuresOf(
  alone: PhaseFigures,
  beside: PhaseFigures,
  raw: number[],
  longMs: number,
): BenchFigure[] {
  const neighbours = `next to ${LONG_ONES} steps of ${longMs / 1000} s`;
  const complete = (f: PhaseFigures) => summarize(f.submitToComplete);
  return [
    {
      name: `dispatch: one-step submit → complete (${QUICK_ONES} at once), ${neighbours}`,
      value: round2(complete(beside).max),
      unit: 'ms max',
      baseline: { name: 'the same, alone', value: round2(complete(alone).max) },
      details: {
        p50: round2(complete(beside).p50),
        p50Alone: round2(complete(alone).p50),
        longStillRunning: beside.longStillRunning,
      },
    },
    {
      name: `dispatch: signal → complete, ${neighbours}`,
      value: round2(beside.signalToComplete),
      unit: 'ms',
      baseline: { name: 'the same, alone', value: round2(alone.signalToComplete) },
    },
    {
      name: 'dispatch: request.accepted → first step.started (stream, processor, run message, runner)',
      value: round2(summarize(alone.acceptedToStarted).p50),
      unit: 'ms p50',
      baseline: { name: 'raw SQS send → long-poll receive', value: round2(summarize(raw).p50) },
      details: { p99: round2(summarize(alone.acceptedToStarted).p99) },
    },
  ];
}
