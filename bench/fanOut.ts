import { ulid } from 'ulid';
import { describeLoad, latencyFigure } from './resources';
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
          source: {
            via: 'management',
            endpoint: stack.managementEndpoint,
            dynamoDbEndpoint: stack.dynamoDbEndpoint,
            dynamoDbCredentials: stack.aws.credentials,
            connectionsTable: stack.tables.connections,
            userId,
          },
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
    return figures;
  },
};
