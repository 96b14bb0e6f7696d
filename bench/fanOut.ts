import { ulid } from 'ulid';
import { type LoadGenerator, startLoadGenerator } from './load/fork';
import type { LoadResult } from './load/jobs';
import { type BenchStack, describeLoad, latencyFigure } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';

/**
 * Message fan-out: frames posted with the real
 * `@aws-sdk/client-apigatewaymanagementapi` (`PostToConnection`, configured
 * as the projector configures it: one attempt, the SDK's default HTTP agent)
 * to many open connections of the local gateway, round-robin, at up to
 * 10,000 msg/s — against the raw `ws` relay, where each frame is one
 * message over an open control socket and one `send` on the server. Sender
 * and receivers both live in the load generator process; latency runs from
 * the scheduled post to the frame's arrival. Target: p99 < 100 ms at 10,000/s.
 */
export const fanOut: BenchScenario = {
  name: 'fan-out',
  async run({ quick, resources, log, profile }) {
    const { stack, connectUrl } = await resources.stack();
    const raw = await resources.rawServer();
    const generator = await resources.loadGenerator();
    const connections = quick ? 200 : 1_000;
    // Past what the SDK client can post, a longer run only lengthens the drain.
    const secondsAt = (rate: number) => (quick ? 1 : rate <= 1_000 ? 4 : 2);
    const drainMs = quick ? 10_000 : 30_000;
    const figures: BenchFigure[] = [];
    for (const rate of quick ? [1_000, 10_000] : [1_000, 5_000, 10_000]) {
      const job = { kind: 'fanout', connections, rate, seconds: secondsAt(rate), drainMs } as const;
      const baseline = await generator.run({ ...job, url: raw.url, source: { via: 'relay' } });
      log(describeLoad(`raw ws relay ${rate}/s`, baseline));
      const userId = `bench-fanout-${ulid().toLowerCase()}`;
      const ours = await profile(`fanout-${rate}`, async () =>
        generator.run({
          ...job,
          url: await connectUrl(userId),
          source: managementSource(stack, userId),
        }),
      );
      log(describeLoad(`Management API posts ${rate}/s`, ours));
      figures.push(
        latencyFigure(
          `fan-out through the Management API, ${rate} msg/s to ${connections} connections`,
          ours,
          { name: 'raw ws relay', result: baseline },
          { failedPosts: ours.counts?.failedPosts ?? 0, lost: ours.counts?.lost ?? 0 },
        ),
      );
    }
    figures.push(...(await scaleOut(stack, connectUrl, generator, quick, log)));
    return figures;
  },
};

/**
 * Posts per second against the number of poster processes: 1, 2 and 4
 * generators (each its own Node process with its own SDK client, as each
 * projector invocation is its own Lambda in AWS) post at once, each to its
 * own share of the connections, offered well past what one can post; the
 * figure is the sum of what they achieved.
 */
async function scaleOut(
  stack: BenchStack['stack'],
  connectUrl: BenchStack['connectUrl'],
  first: LoadGenerator,
  quick: boolean,
  log: (message: string) => void,
) {
  const offered = quick ? 4_000 : 8_000;
  const connections = quick ? 200 : 800;
  const extra: LoadGenerator[] = [];
  const figures = [];
  let single = Number.NaN;
  try {
    for (const posters of quick ? [1, 2] : [1, 2, 4]) {
      while (extra.length < posters - 1) extra.push(await startLoadGenerator());
      const generators = [first, ...extra.slice(0, posters - 1)];
      const results: LoadResult[] = await Promise.all(
        generators.map(async (generator) => {
          const userId = `bench-scale-${ulid().toLowerCase()}`;
          return generator.run({
            kind: 'fanout',
            connections: Math.floor(connections / posters),
            rate: offered / posters,
            seconds: quick ? 1 : 2,
            drainMs: 30_000,
            url: await connectUrl(userId),
            source: managementSource(stack, userId),
          });
        }),
      );
      const achieved = results.reduce((sum, result) => sum + result.achievedRate, 0);
      if (posters === 1) single = achieved;
      const errors = results.reduce((sum, result) => sum + result.errors, 0);
      log(
        `${posters} poster process(es): ${achieved.toFixed(0)} posts/s of ${offered}/s offered, errors ${errors}`,
      );
      figures.push({
        name: `fan-out ceiling, ${posters} poster process${posters > 1 ? 'es' : ''}`,
        value: achieved,
        unit: 'posts/s',
        baseline: { name: '1 poster process', value: single },
        details: {
          offeredPerS: offered,
          errors,
          p99Ms: Math.max(...results.map((r) => r.latency.summary.p99)),
        },
      });
    }
  } finally {
    await Promise.all(extra.map((generator) => generator.stop()));
  }
  return figures;
}

/** Posting through the stack's Management API to the connections of `userId`. */
function managementSource(stack: BenchStack['stack'], userId: string) {
  return {
    via: 'management' as const,
    endpoint: stack.managementEndpoint,
    dynamoDbEndpoint: stack.dynamoDbEndpoint,
    dynamoDbCredentials: stack.aws.credentials,
    connectionsTable: stack.tables.connections,
    userId,
  };
}
