import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ulid } from 'ulid';
import { PROGRESS_ACTION } from './benchWorkflows';
import { loadFigures } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';
import { round2 } from './stats';
import { putToReaderLatency, rawStreamReader } from './streamDelivery';
import { wakeUpsHandled } from './wakeUpQueue';
import { countsBetween } from './writeCounter';

/**
 * Calls Lambda's own pollers make in AWS (the stream and queue mappings), and
 * the bench's look at the wake-up queue: not our functions' calls.
 */
const NOT_OURS: ReadonlySet<string> = new Set([
  'GetRecords',
  'GetShardIterator',
  'DescribeStream',
  'ListStreams',
  'ReceiveMessage',
  'DeleteMessageBatch',
  'GetQueueAttributes',
]);

/**
 * Progress latency: `bench_progress` requests submitted at 20/s over the
 * gateway, each reporting progress 5 times 210 ms apart — 100 updates/s
 * across requests. Latency runs from the progress event's timestamp (its
 * `at`, the `timestamp` of its frame) to the frame's arrival at the client:
 * append, stream, projector, Management API, gateway. The floor it is
 * compared with, measured in the same run: a put on an idle table seen by a
 * raw `GetRecords` loop that never sleeps (the soonest any stream reader can
 * know of the event). Target (DESIGN §9): p99 ≤ 100 ms.
 */
export const progressLatency: BenchScenario = {
  name: 'progress latency',
  async run({ quick, resources, log, profile }) {
    const { stack, connectUrl } = await resources.stack();
    const generator = await resources.loadGenerator();
    const updatesPerRequest = 5;
    const rate = 100 / updatesPerRequest;
    const seconds = quick ? 3 : 10;
    await wakeUpsHandled(stack, log);
    const before = resources.writes().snapshot();
    const result = await profile('progress', async () =>
      generator.run({
        kind: 'async',
        url: await connectUrl('bench-progress'),
        connections: 20,
        rate,
        seconds,
        action: PROGRESS_ACTION,
        payload: { updates: updatesPerRequest, intervalMs: 210 },
        idPrefix: `progress-${ulid().toLowerCase()}`,
        drainMs: 20_000,
      }),
    );
    await wakeUpsHandled(stack, log); // each run's lease wake-up, a budget after it started
    const calls = countsBetween(before, resources.writes().snapshot()).sdkCalls;
    const fromEvent = result.histograms?.progressFromEvent;
    const fromReport = result.histograms?.progressFromReport?.summary;
    if (!fromEvent) throw new Error('no progress frame arrived');
    const streams = new DynamoDBStreamsClient({ endpoint: stack.dynamoDbEndpoint, ...stack.aws });
    const floor = await putToReaderLatency(stack.dynamo, quick ? 30 : 150, (onRecord, table) =>
      rawStreamReader(streams, stack.dynamo, table, onRecord),
    ).finally(() => streams.destroy());
    const { p50, p99, max, count } = fromEvent.summary;
    log(
      `progress frames: ${count} (${(count / seconds).toFixed(0)}/s), p50 ${p50} ms, p99 ${p99} ms, max ${max} ms from the event; floor (raw GetRecords) p99 ${floor.p99.toFixed(1)} ms`,
    );
    const completes = loadFigures(result);
    // What the stack spent per request (5 progress frames + complete), by SDK command.
    const perRequest = Object.entries(calls)
      .map(([command, n]) => [command.replace(/Command$/, ''), n / Math.max(1, result.ok)] as const)
      .filter(([, n]) => n >= 0.1)
      .sort((a, b) => b[1] - a[1]);
    const own = perRequest.filter(([command]) => !NOT_OURS.has(command));
    const ownTotal = own.reduce((sum, [, n]) => sum + n, 0);
    log(`SDK calls per request: ${perRequest.map(([c, n]) => `${c} ${n.toFixed(1)}`).join(', ')}`);
    log(`… of them our functions' own: ${ownTotal.toFixed(1)}`);
    const figure: BenchFigure = {
      name: `progress event → frame at the client, ${rate} req/s × ${updatesPerRequest} updates`,
      value: p99,
      unit: 'ms p99',
      load: {
        offeredRate: 100,
        achievedRate: count / seconds,
        p50,
        p99,
        max,
        errors: result.errors,
        count,
      },
      baseline: { name: 'put → raw GetRecords loop', value: floor.p99 },
      details: {
        resolution: '1 ms (epoch clocks)',
        fromReportP50: round2(fromReport?.p50 ?? Number.NaN),
        fromReportP99: round2(fromReport?.p99 ?? Number.NaN),
        baselineP50: round2(floor.p50),
        completeP99: round2(completes.p99),
        sdkCallsPerRequest: round2(perRequest.reduce((sum, [, n]) => sum + n, 0)),
        ownSdkCallsPerRequest: round2(ownTotal),
        sdkCallsPerRequestByCommand: perRequest.map(([c, n]) => `${c} ${n.toFixed(1)}`).join('; '),
      },
    };
    return [figure];
  },
};
