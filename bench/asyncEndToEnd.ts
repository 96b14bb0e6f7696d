import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { NOOP_ACTION } from './benchWorkflows';
import type { LoadGenerator } from './load/fork';
import type { LoadResult } from './load/jobs';
import { rawPutItemRate } from './rawPutItem';
import { type BenchResources, describeLoad, latencyFigure } from './resources';
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
 * not sustained — errors, under 90 % of the offered rate achieved, or a
 * backlog (requests submitted but not complete) still growing over the
 * second half of the run — then the gap to the last sustained rate is
 * halved twice, so the figure is not quantised to the steps.
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
    // Warm DynamoDB Local's JIT first; measured again after the steps, the better of the two counts.
    await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, 10);
    const putsPerWriter = quick ? 20 : 100;
    const rawBefore = await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, putsPerWriter);
    const step = (rate: number) =>
      profile(`async-${rate}`, () =>
        measureRate({ resources, generator, url, seconds, log }, rate),
      );
    const figures = await stepUp(
      step,
      quick ? [10, 40] : [10, 25, 50, 75, 100, 150],
      quick ? 0 : 2,
    );
    const rawAfter = await rawPutItemRate(stack.dynamo, stack.tables.requests, 16, putsPerWriter);
    const rawRate = Math.max(rawBefore, rawAfter);
    log(
      `raw PutItem, 16 writers: ${rawBefore.toFixed(0)}/s before, ${rawAfter.toFixed(0)}/s after`,
    );
    return [...figures, sustainedFigure(figures, rawRate)];
  },
};

/** What measuring one rate needs. */
interface RateContext {
  readonly resources: BenchResources;
  readonly generator: LoadGenerator;
  readonly url: string;
  readonly seconds: number;
  readonly log: (message: string) => void;
}

/**
 * Steps the rate up until one is not sustained, then halves the gap between
 * the last sustained rate and that one `refinements` times (so a step of
 * 25 req/s reads to about 6), in the order tried.
 */
async function stepUp(
  measure: (rate: number) => Promise<BenchFigure>,
  rates: readonly number[],
  refinements: number,
): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  let low = 0;
  let high: number | undefined;
  for (const rate of rates) {
    const figure = await measure(rate);
    figures.push(figure);
    if (figure.details?.sustained !== 'yes') {
      high = rate;
      break;
    }
    low = rate;
  }
  for (let i = 0; i < refinements && high !== undefined && high - low > 2; i++) {
    const rate = Math.round((low + high) / 2);
    const figure = await measure(rate);
    figures.push(figure);
    if (figure.details?.sustained === 'yes') low = rate;
    else high = rate;
  }
  return figures;
}

/** One rate for `seconds`: latency, whether it was sustained, and every call it cost per request. */
async function measureRate(context: RateContext, rate: number): Promise<BenchFigure> {
  const { resources, generator, url, seconds, log } = context;
  const before = resources.writes().snapshot();
  const result = await generator.run({
    kind: 'async',
    url,
    connections: 20,
    rate,
    seconds,
    action: NOOP_ACTION,
    payload: {},
    idPrefix: `noop-${ulid().toLowerCase()}`,
    drainMs: 20_000,
  });
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
  log(
    `${describeLoad(`${NOOP_ACTION} ${rate}/s`, result)}; backlog growth ${growth.toFixed(1)}/s; ${(writeCalls / completed).toFixed(2)} write calls, ${(items / completed).toFixed(2)} items per request; ${sustained ? 'sustained' : 'NOT sustained'}`,
  );
  const ack = result.histograms?.ack?.summary;
  return latencyFigure(`async submit → complete, ${rate}/s`, result, undefined, {
    sustained: sustained ? 'yes' : 'no',
    backlogGrowthPerS: round2(growth),
    writeCallsPerRequest: round2(writeCalls / completed),
    itemsWrittenPerRequest: round2(items / completed),
    ...Object.fromEntries(
      REQUEST_TABLES.map((t) => [`items${t}`, round2((writes.itemsByTable[t] ?? 0) / completed)]),
    ),
    readCallsPerRequest: round2(writes.readCalls / completed),
    readsByCommand: perRequest(writes.readsByCommand, completed),
    writesByCommand: perRequest(writes.writesByCommand, completed),
    sdkCallsPerRequest: round2(
      Object.values(writes.sdkCalls).reduce((sum, n) => sum + n, 0) / completed,
    ),
    ackP99: round2(ack?.p99 ?? Number.NaN),
  });
}

/** The highest rate sustained, beside this design's ceiling: raw PutItem ÷ write calls per request. */
function sustainedFigure(figures: readonly BenchFigure[], rawRate: number): BenchFigure {
  const sustainedRates = figures.filter((f) => f.details?.sustained === 'yes');
  const best = sustainedRates.reduce<BenchFigure | undefined>(
    (top, f) => ((f.load?.offeredRate ?? 0) > (top?.load?.offeredRate ?? -1) ? f : top),
    undefined,
  );
  const writesPerRequest = Number(
    (best ?? figures[0])?.details?.writeCallsPerRequest ?? Number.NaN,
  );
  return {
    name: 'async: highest rate sustained without a growing backlog',
    value: best?.load?.offeredRate ?? 0,
    unit: 'req/s',
    baseline: {
      name: 'raw PutItem rate ÷ write calls per request',
      value: rawRate / writesPerRequest,
    },
    details: {
      rawPutItemPerS: round2(rawRate),
      writeCallsPerRequest: writesPerRequest,
      ratesTried: figures.map((f) => f.load?.offeredRate).join(','),
    },
  };
}

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
