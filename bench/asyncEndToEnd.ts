import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { NOOP_ACTION } from './benchWorkflows';
import type { LoadResult } from './load/jobs';
import { rawPutItemRate } from './rawPutItem';
import { describeLoad, latencyFigure } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';
import { round2 } from './stats';
import { countsBetween } from './writeCounter';

/** Tables whose writes a request causes (the connection records are the connect's, not the request's). */
const REQUEST_TABLES = ['Requests', 'RequestView', 'Subscriptions'];

/**
 * Async end to end: `bench_noop` (one step that does nothing) submitted over
 * the gateway at fixed rates, latency from the scheduled submit to the
 * `complete` frame (route response `acknowledgment`, `request.accepted`
 * appended, stream → processor runs the step, stream → projector posts
 * `complete` through the Management API). The rate steps up until one is
 * not sustained: errors, under 90 % of the offered rate achieved, or a
 * backlog (requests submitted but not complete) still growing over the
 * second half of the run.
 *
 * DynamoDB writes per request are counted by wrapping the SDK clients'
 * shared `send` in this process (`writeCounter.ts`), over the window of
 * each rate step, on the requests, request view and subscriptions tables.
 * Next to it: DynamoDB Local's raw `PutItem` rate (16 writers) in the same
 * run, divided by write calls per request — the ceiling of this design on
 * this machine (target: sustain ≥ 80 % of it).
 */
export const asyncEndToEnd: BenchScenario = {
  name: 'async end to end',
  async run({ quick, resources, log, profile }) {
    const { stack, connectUrl } = await resources.stack();
    const generator = await resources.loadGenerator();
    const url = await connectUrl('bench-async');
    const seconds = quick ? 3 : 8;
    const rates = quick ? [10, 40] : [10, 25, 50, 75, 100, 150];
    // Warm DynamoDB Local's JIT first; measured again after the steps, the better of the two counts.
    await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, 10);
    const putsPerWriter = quick ? 20 : 100;
    const rawBefore = await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, putsPerWriter);
    const figures: BenchFigure[] = [];
    let highestSustained = 0;
    for (const rate of rates) {
      const before = resources.writes().snapshot();
      const result = await profile(`async-${rate}`, () =>
        generator.run({
          kind: 'async',
          url,
          connections: 20,
          rate,
          seconds,
          action: NOOP_ACTION,
          payload: {},
          idPrefix: `noop-${ulid().toLowerCase()}`,
          drainMs: 20_000,
        }),
      );
      // The projector saves the view after posting `complete`: let it land.
      await sleep(500);
      const writes = countsBetween(before, resources.writes().snapshot());
      const items = REQUEST_TABLES.reduce((sum, t) => sum + (writes.itemsByTable[t] ?? 0), 0);
      const completed = Math.max(1, result.ok);
      // Connection records are written by connect/disconnect, not by requests.
      const connectionItems = writes.itemsByTable.Connections ?? 0;
      const writeCalls = writes.writeCalls - connectionItems;
      const growth = backlogGrowthPerSecond(result, seconds);
      const sustained =
        result.errors === 0 && result.achievedRate >= 0.9 * rate && growth <= 0.05 * rate;
      if (sustained) highestSustained = rate;
      log(
        `${describeLoad(`${NOOP_ACTION} ${rate}/s`, result)}; backlog growth ${growth.toFixed(1)}/s; ${(writeCalls / completed).toFixed(2)} write calls, ${(items / completed).toFixed(2)} items per request; ${sustained ? 'sustained' : 'NOT sustained'}`,
      );
      const ack = result.histograms?.ack?.summary;
      figures.push(
        latencyFigure(`async submit → complete, ${rate}/s`, result, undefined, {
          sustained: sustained ? 'yes' : 'no',
          backlogGrowthPerS: round2(growth),
          writeCallsPerRequest: round2(writeCalls / completed),
          itemsWrittenPerRequest: round2(items / completed),
          ...Object.fromEntries(
            REQUEST_TABLES.map((t) => [
              `items${t}`,
              round2((writes.itemsByTable[t] ?? 0) / completed),
            ]),
          ),
          readCallsPerRequest: round2(writes.readCalls / completed),
          readsByCommand: perRequest(writes.readsByCommand, completed),
          writesByCommand: perRequest(writes.writesByCommand, completed),
          sdkCallsPerRequest: round2(
            Object.values(writes.sdkCalls).reduce((sum, n) => sum + n, 0) / completed,
          ),
          ackP99: round2(ack?.p99 ?? Number.NaN),
        }),
      );
      if (!sustained) break;
    }
    const rawAfter = await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, putsPerWriter);
    const rawRate = Math.max(rawBefore, rawAfter);
    log(
      `raw PutItem, 16 writers: ${rawBefore.toFixed(0)}/s before, ${rawAfter.toFixed(0)}/s after`,
    );
    const lastSustained = figures.findLast((f) => f.details?.sustained === 'yes') ?? figures[0];
    const writesPerRequest = Number(lastSustained?.details?.writeCallsPerRequest ?? Number.NaN);
    const ceiling = rawRate / writesPerRequest;
    figures.push({
      name: 'async: highest rate sustained without a growing backlog',
      value: highestSustained,
      unit: 'req/s',
      baseline: { name: 'raw PutItem rate ÷ write calls per request', value: ceiling },
      details: {
        rawPutItemPerS: round2(rawRate),
        writeCallsPerRequest: writesPerRequest,
        ratesTried: figures.map((f) => f.load?.offeredRate).join(','),
      },
    });
    return figures;
  },
};

/** `{ command: count }` per request, as `Command:Table 1.2; …` (largest first). */
function perRequest(counts: Readonly<Record<string, number>>, requests: number): string {
  return Object.entries(counts)
    .map(([key, n]) => [key.replace('Command', ''), n / requests] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n.toFixed(2)}`)
    .join('; ');
}

/**
 * How fast the backlog grew over the second half of the send window, per
 * second: the mean of its last four samples minus the mean of the four
 * around the middle, over the time between them (samples are 250 ms apart).
 */
function backlogGrowthPerSecond(result: LoadResult, seconds: number): number {
  const samples = (result.backlog ?? []).slice(0, Math.floor(seconds * 4));
  if (samples.length < 8) return 0;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const middle = Math.floor(samples.length / 2);
  const early = mean(samples.slice(middle - 2, middle + 2));
  const late = mean(samples.slice(-4));
  const elapsed = ((samples.length - 2 - middle) * 250) / 1000;
  return (late - early) / elapsed;
}
