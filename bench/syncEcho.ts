import { describeLoad, latencyFigure } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';

/**
 * Sync `echo` through the local gateway (authorizer context, `$default`
 * event, router: safe parse, registry, inline run, route response) at 250,
 * 500 and 1,000 req/s over many connections, against the raw `ws` echo
 * server driven by the same load generator at the same rate, alternately.
 * Target (DESIGN §9): p99 ≤ 10 ms at 1,000 req/s and ≤ 2× the raw echo.
 */
export const syncEcho: BenchScenario = {
  name: 'sync echo',
  async run({ quick, resources, log, profile }) {
    const { connectUrl } = await resources.stack();
    const raw = await resources.rawServer();
    const generator = await resources.loadGenerator();
    const url = await connectUrl('bench-echo');
    const connections = quick ? 20 : 100;
    const seconds = quick ? 2 : 8;
    const drainMs = 10_000;
    // Warm the JIT and the SDK's sockets on both paths before measuring.
    for (const target of [raw.url, url])
      await generator.run({
        kind: 'echo',
        url: target,
        connections,
        rate: 200,
        seconds: 1,
        drainMs,
      });
    const figures: BenchFigure[] = [];
    for (const rate of quick ? [250, 1_000] : [250, 500, 1_000]) {
      const job = { kind: 'echo', connections, rate, seconds, drainMs } as const;
      const baseline = await generator.run({ ...job, url: raw.url });
      log(describeLoad(`raw ws echo ${rate}/s`, baseline));
      const ours = await profile(`sync-echo-${rate}`, () => generator.run({ ...job, url }));
      log(describeLoad(`gateway echo ${rate}/s`, ours));
      figures.push(
        latencyFigure(
          `sync echo through the gateway, ${rate}/s, ${connections} connections`,
          ours,
          { name: 'raw ws echo', result: baseline },
        ),
      );
    }
    return figures;
  },
};
