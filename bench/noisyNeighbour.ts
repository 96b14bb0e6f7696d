import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { InMemoryRateWindows } from '../src/flowControl/memory/inMemoryRateWindows';
import { createMessageAdmission } from '../src/flowControl/messageAdmission';
import { RateLimiter } from '../src/flowControl/rateLimiter';
import { LOCAL_FLOW_CONTROL, type LocalStack, startLocalStack } from '../src/local/stack';
import type { FlowControlSettings } from '../src/settings/flowControl';
import { createDemoRegistry } from '../src/workflows';
import type { LoadGenerator } from './load/fork';
import type { LoadResult } from './load/jobs';
import { runFlood } from './noisy/floodClient';
import type { FloodResult } from './noisy/tenantFlood';
import { describeLoad, latencyFigure } from './resources';
import type { BenchContext, BenchFigure, BenchScenario } from './scenario';
import { round2 } from './stats';
import { countsBetween } from './writeCounter';

/**
 * Flow control as a stage would run it: a tenant's messages, async starts
 * and concurrency are limited (`docs/flow-control.md`). The noisy tenant A
 * floods `status` and bursts `echo_async` starts; tenant B's figures are
 * what one tenant must not do to another.
 */
const GUARDED: FlowControlSettings = {
  // 500 tokens: 500 echoes or 100 status a second (a log action spends 5).
  tenantMessagesPerSecond: 500,
  connectionMessagesPerSecond: 200,
  tenantStartsPerSecond: 20,
  concurrencyPerTenant: 10,
};

/** No limit at all: what `main` did before flow control. */
const UNGUARDED: FlowControlSettings = {
  tenantMessagesPerSecond: 0,
  connectionMessagesPerSecond: 0,
  tenantStartsPerSecond: 0,
  concurrencyPerTenant: 0,
};

/** The demo workflows, ten times faster: echo_async takes ~80 ms of sleeps. */
const DEMO_SPEED = 10;

interface NoisyStack {
  readonly stack: LocalStack;
  url(tenant: string, sub: string): Promise<string>;
}

async function startNoisyStack(
  context: BenchContext,
  flowControl: FlowControlSettings,
): Promise<NoisyStack> {
  const stack = await startLocalStack({
    dynamoDbEndpoint: context.dynamoDbEndpoint,
    tablePrefix: `noisy-${ulid().toLowerCase()}`,
    registry: createDemoRegistry({ speed: DEMO_SPEED }),
    flowControl,
    onError: () => undefined,
  });
  const identity = stack.devIdentity;
  if (!identity) throw new Error('the noisy-neighbour scenario needs the stack’s dev key');
  return {
    stack,
    async url(tenant, sub) {
      const token = await identity.mintToken({ sub, tenant_id: tenant });
      return `${stack.url}/?Authorization=${token}`;
    },
  };
}

interface Shape {
  readonly seconds: number;
  readonly echoRate: number;
  readonly asyncRate: number;
  readonly floodRate: number;
  readonly burst: number;
}

/** Tenant B's sync echo and async runs, measured together. */
async function measureB(
  generator: LoadGenerator,
  stack: NoisyStack,
  shape: Shape,
): Promise<{ echo: LoadResult; async: LoadResult }> {
  const url = await stack.url('tenant-b', `b-${ulid()}`);
  const [echo, async] = await Promise.all([
    generator.run({
      kind: 'echo',
      url,
      connections: 10,
      rate: shape.echoRate,
      seconds: shape.seconds,
      drainMs: 20_000,
    }),
    generator.run({
      kind: 'async',
      url,
      connections: 2,
      rate: shape.asyncRate,
      seconds: shape.seconds,
      action: 'echo_async',
      payload: { message: 'tenant b' },
      idPrefix: `b-${ulid().toLowerCase()}`,
      drainMs: 60_000,
    }),
  ]);
  return { echo, async };
}

/** Tenant A's flood and burst while tenant B is measured. */
async function measureBesideA(generator: LoadGenerator, stack: NoisyStack, shape: Shape) {
  const [b, flood] = await Promise.all([
    measureB(generator, stack, shape),
    stack.url('tenant-a', 'noisy').then((url) =>
      runFlood({
        url,
        connections: 10,
        burst: { count: shape.burst, action: 'echo_async', payload: { message: 'tenant a' } },
        statusRate: shape.floodRate,
        seconds: shape.seconds,
        drainMs: 60_000,
      }),
    ),
  ]);
  return { b, flood };
}

/** What tenant A got, for the figures' details. */
function floodDetails(flood: FloodResult): Record<string, number> {
  return {
    tenantAMessages: flood.sent,
    tenantARateLimited: flood.byKind['error.RATE_LIMITED'] ?? 0,
    tenantAStartsAccepted: flood.byKind.acknowledgment ?? 0,
    tenantARunsCompleted: flood.completed,
  };
}

/** The rate-limit check in memory (two limits, the hot path: no claim), per message. */
async function admitCost(quick: boolean): Promise<BenchFigure> {
  const inMemory = () => new RateLimiter({ store: new InMemoryRateWindows(), clock: Date.now });
  const admission = createMessageAdmission(
    { shared: inMemory(), perInstance: inMemory() },
    { tenantPerSecond: 1e9, connectionPerSecond: 1e9, startsPerSecond: 0 },
  );
  const who = { tenantId: 'acme', connectionId: 'conn-1' };
  const n = quick ? 50_000 : 500_000;
  for (let i = 0; i < 10_000; i++) await admission.message(who, 'light');
  let start = performance.now();
  for (let i = 0; i < n; i++) await admission.message(who, 'light');
  const perMessage = ((performance.now() - start) * 1000) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) await Promise.resolve();
  const awaitOnly = ((performance.now() - start) * 1000) / n;
  return {
    name: 'rate-limit check per message (connection + tenant), in memory',
    value: perMessage,
    unit: 'µs',
    baseline: { name: 'one await of a resolved promise', value: awaitOnly },
  };
}

/**
 * Noisy neighbour (DESIGN §5, issue #19): tenant B's sync echo p99 (200/s)
 * and async time to complete (`echo_async`, 2/s), alone and beside tenant
 * A flooding `status` at 4,000/s after bursting 2,000 `echo_async` starts
 * at once — side by side, on a stack with a stage's flow control
 * (`GUARDED`). Target: B's figures with A within 3× of B alone. Also the
 * cost of the rate-limit check: in memory per message, and the sync echo
 * at 1,000/s with and without limits. `--noisy-unguarded` adds B beside A
 * on a stack without limits (what `main` measured: seconds, not ms).
 */
export const noisyNeighbour: BenchScenario = {
  name: 'noisy neighbour',
  async run(context) {
    const { quick, log } = context;
    const generator = await context.resources.loadGenerator();
    const shape: Shape = quick
      ? { seconds: 3, echoRate: 100, asyncRate: 2, floodRate: 2_000, burst: 300 }
      : { seconds: 8, echoRate: 200, asyncRate: 2, floodRate: 4_000, burst: 2_000 };
    const figures: BenchFigure[] = [await admitCost(quick)];
    log(`rate-limit check: ${figures[0]?.value.toFixed(3)} µs per message in memory`);
    figures.push(...(await guardedFigures(context, generator, shape)));
    figures.push(await checkCost(context, generator, shape));
    if (process.argv.includes('--noisy-unguarded')) {
      figures.push(...(await unguardedFigures(context, generator, shape)));
    }
    return figures;
  },
};

async function guardedFigures(
  context: BenchContext,
  generator: LoadGenerator,
  shape: Shape,
): Promise<BenchFigure[]> {
  const stack = await startNoisyStack(context, GUARDED);
  try {
    // Warm the JIT, the SDK sockets and B's first claims.
    await measureB(generator, stack, { ...shape, seconds: 1 });
    const alone = await measureB(generator, stack, shape);
    context.log(describeLoad('tenant B echo, alone', alone.echo));
    context.log(describeLoad('tenant B echo_async, alone', alone.async));
    await sleep(1_000);
    const before = context.resources.writes().snapshot();
    const { b, flood } = await context.profile('noisy-beside-a', () =>
      measureBesideA(generator, stack, shape),
    );
    const calls = countsBetween(before, context.resources.writes().snapshot());
    context.log(
      `SDK calls beside A: ${JSON.stringify(calls.sdkCalls)}; writes ${JSON.stringify(calls.writesByCommand)}`,
    );
    context.log(describeLoad('tenant B echo, beside A', b.echo));
    context.log(describeLoad('tenant B echo_async, beside A', b.async));
    context.log(`tenant A: ${JSON.stringify(flood.byKind)}, ${flood.completed} runs completed`);
    const details = { ...floodDetails(flood), ...limitsOf(GUARDED) };
    return [
      latencyFigure(
        `tenant B sync echo ${shape.echoRate}/s beside tenant A (${shape.floodRate} status/s, ${shape.burst} starts at once)`,
        b.echo,
        { name: 'tenant B alone', result: alone.echo },
        details,
      ),
      latencyFigure(
        `tenant B echo_async submit → complete, ${shape.asyncRate}/s, beside tenant A`,
        b.async,
        { name: 'tenant B alone', result: alone.async },
        details,
      ),
    ];
  } finally {
    await stack.stack.stop();
  }
}

/** The sync echo at 1,000/s, 50 connections, on a stack of its own. */
async function echoAt1000(
  context: BenchContext,
  generator: LoadGenerator,
  shape: Shape,
  flow: FlowControlSettings,
) {
  const stack = await startNoisyStack(context, flow);
  try {
    const url = await stack.url('tenant-c', 'c');
    const job = { kind: 'echo', url, connections: 50, rate: 1_000, drainMs: 10_000 } as const;
    await generator.run({ ...job, seconds: 1 });
    return await generator.run({ ...job, seconds: shape.seconds });
  } finally {
    await stack.stack.stop();
  }
}

/**
 * What the rate-limit check costs the sync echo target (p99 ≤ 10 ms at
 * 1,000/s): the echo on a stack whose limits it stays under (the local
 * stack's), beside the same echo on a stack without limits.
 */
async function checkCost(context: BenchContext, generator: LoadGenerator, shape: Shape) {
  const on = await echoAt1000(context, generator, shape, LOCAL_FLOW_CONTROL);
  context.log(describeLoad('sync echo 1,000/s, limits on', on));
  const off = await echoAt1000(context, generator, shape, UNGUARDED);
  context.log(describeLoad('sync echo 1,000/s, limits off', off));
  return latencyFigure(
    'sync echo 1,000/s, 50 connections, rate limits on (not reached)',
    on,
    { name: 'rate limits off', result: off },
    limitsOf(LOCAL_FLOW_CONTROL),
  );
}

async function unguardedFigures(
  context: BenchContext,
  generator: LoadGenerator,
  shape: Shape,
): Promise<BenchFigure[]> {
  const stack = await startNoisyStack(context, UNGUARDED);
  try {
    await measureB(generator, stack, { ...shape, seconds: 1 });
    const alone = await measureB(generator, stack, shape);
    const { b, flood } = await measureBesideA(generator, stack, shape);
    context.log(describeLoad('no limits: tenant B echo, beside A', b.echo));
    context.log(describeLoad('no limits: tenant B echo_async, beside A', b.async));
    const details = floodDetails(flood);
    return [
      latencyFigure(
        'no limits: tenant B sync echo beside tenant A',
        b.echo,
        {
          name: 'tenant B alone',
          result: alone.echo,
        },
        details,
      ),
      latencyFigure(
        'no limits: tenant B echo_async beside tenant A',
        b.async,
        {
          name: 'tenant B alone',
          result: alone.async,
        },
        details,
      ),
    ];
  } finally {
    await stack.stack.stop();
  }
}

function limitsOf(settings: FlowControlSettings): Record<string, number> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, round2(v)]));
}
