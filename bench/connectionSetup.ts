import { setTimeout as sleep } from 'node:timers/promises';
import { describeLoad, latencyFigure } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';
import { round2 } from './stats';
import { countsBetween } from './writeCounter';

/**
 * Connection setup with a valid JWT through the local gateway — RS256
 * verification in the authorizer, policy check, `$connect` writing the
 * connection record to DynamoDB Local, then the upgrade — at 50 and 100
 * connections/s, each with its own token, against a bare `ws` handshake at
 * the same rate. Connections stay open until the run ends (clients that
 * connect stay), then close. Target (DESIGN §9): p99 ≤ 50 ms at 100/s.
 */
export const connectionSetup: BenchScenario = {
  name: 'connection setup',
  async run({ quick, resources, log, profile }) {
    const { connectUrl } = await resources.stack();
    const raw = await resources.rawServer();
    const generator = await resources.loadGenerator();
    const seconds = quick ? 2 : 5;
    const figures: BenchFigure[] = [];
    for (const rate of [50, 100]) {
      const count = rate * seconds;
      const urls = await Promise.all(
        Array.from({ length: count }, (_, i) => connectUrl(`bench-connect-${rate}-${i}`)),
      );
      const baseline = await generator.run({ kind: 'connect', urls: [raw.url], rate, seconds });
      log(describeLoad(`raw ws connect ${rate}/s`, baseline));
      const before = resources.writes().snapshot();
      const ours = await profile(`connect-${rate}`, () =>
        generator.run({ kind: 'connect', urls, rate, seconds }),
      );
      log(describeLoad(`JWT connect through the gateway ${rate}/s`, ours));
      const writes = countsBetween(before, resources.writes().snapshot());
      figures.push(
        latencyFigure(
          `connection setup with a valid JWT, ${rate}/s`,
          ours,
          { name: 'raw ws handshake', result: baseline },
          // `$connect` puts the record; the deletes on close are not setup.
          {
            recordsPutPerConnection: round2(
              (writes.writesByCommand['PutCommand:Connections'] ?? 0) / Math.max(1, ours.ok),
            ),
          },
        ),
      );
      await sleep(500);
    }
    return figures;
  },
};
