import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  type CircuitPolicy,
  type CircuitState,
  createWorkflowRegistry,
  DEFAULT_CIRCUIT_POLICY,
  defineWorkflow,
  NonRetryableError,
  step,
  type Workflow,
} from '../../src/engine';
import { admitAttempt, recordOutcome } from '../../src/engine/circuit';
import type { StoredEvent } from '../../src/events/event';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { toRequestKey } from '../../src/events/requestKey';
import { InMemoryCircuitStore } from '../../src/flowControl/memory/inMemoryCircuitStore';
import { foldRequestView } from '../../src/projections/requestView';
import { fakeClock } from './support/harness';
import { checkInvariants } from './support/invariants';
import { startProcessors } from './support/processors';

const policy: CircuitPolicy = { ...DEFAULT_CIRCUIT_POLICY, minimumCalls: 5, failureRate: 0.5 };
const T = 1_700_000_000_000;

describe('circuit transitions', () => {
  const record = (state: CircuitState | undefined, ok: boolean, now = T, prober = 'r/s') =>
    recordOutcome(state, { ok, now, prober }, policy);

  it('opens once the window holds minimumCalls and the failure rate reaches the threshold', () => {
    let state: CircuitState | undefined;
    for (const ok of [true, false, true, false]) state = record(state, ok)?.next;
    expect(state).toMatchObject({ status: 'closed', calls: 4, failures: 2 });
    expect(record(state, false)).toEqual({
      next: { status: 'open', until: T + policy.openMs, openings: 1 },
      change: 'opened',
    });
  });

  it('counts fixed windows: an old window’s failures are forgotten', () => {
    let state: CircuitState | undefined;
    for (let i = 0; i < 4; i++) state = record(state, false)?.next;
    expect(record(state, false, T + policy.windowMs)?.next).toMatchObject({
      status: 'closed',
      calls: 1,
      failures: 1,
    });
  });

  it('defers attempts while open, makes the first one after it the probe, and defers the rest meanwhile', () => {
    const open: CircuitState = { status: 'open', until: T + 1_000, openings: 1 };
    const ask = (now: number, prober: string) =>
      admitAttempt(open, { now, prober, probeUntil: now + 60_000 }, policy);
    expect(ask(T, 'a')).toEqual({ kind: 'defer', until: T + 1_000, circuit: 'open' });
    const probe = ask(T + 1_000, 'a');
    expect(probe).toMatchObject({ kind: 'probe', next: { status: 'half_open', probe: 'a' } });
    const halfOpen = (probe as { next: CircuitState }).next;
    expect(admitAttempt(halfOpen, { now: T + 1_000, prober: 'b', probeUntil: 0 }, policy)).toEqual({
      kind: 'defer',
      until: T + 1_000 + policy.halfOpenRecheckMs,
      circuit: 'half_open',
    });
    expect(admitAttempt(halfOpen, { now: T + 1_000, prober: 'a', probeUntil: 0 }, policy)).toEqual({
      kind: 'probe',
    });
    // A probe whose runner crashed is taken over once its lease ends.
    expect(
      admitAttempt(halfOpen, { now: T + 61_000, prober: 'b', probeUntil: T + 90_000 }, policy),
    ).toMatchObject({ kind: 'probe', next: { probe: 'b' } });
  });

  it('closes on the probe’s success; reopens for twice as long on its failure; ignores others', () => {
    const halfOpen: CircuitState = { status: 'half_open', probe: 'a', probeUntil: T, openings: 2 };
    expect(record(halfOpen, true, T, 'a')).toEqual({
      next: { status: 'closed', windowStart: T, calls: 0, failures: 0 },
      change: 'closed',
    });
    expect(record(halfOpen, false, T, 'a')).toEqual({
      next: { status: 'open', until: T + 4 * policy.openMs, openings: 3 },
      change: 'reopened',
    });
    expect(record(halfOpen, false, T, 'b')).toBeUndefined();
    expect(record({ status: 'open', until: T, openings: 1 }, false)).toBeUndefined();
  });
});

/** One processor (no parallel runs) over a fresh store running `pay` with in-memory circuits. */
function payProcessors(
  clock: ReturnType<typeof fakeClock>,
  recovery: { at: number; calls: number; onlyFor?: string },
) {
  const registry = createWorkflowRegistry([payWorkflow(clock, recovery)]);
  const store = new InMemoryEventStore();
  const processors = startProcessors({
    store,
    registry,
    flowControl: { circuits: new InMemoryCircuitStore() },
    clock,
    processors: 1,
    parallel: 1,
  });
  return { registry, store, processors };
}

/** `pay`: one step calling `payments-api`, failing (retryably) until the clock reaches `recovery.at`. */
function payWorkflow(
  clock: () => number,
  recovery: { at: number; calls: number; onlyFor?: string },
): Workflow {
  const charge = step(
    async ({ input, tenantId }: { input: { cents: number }; tenantId: string }) => {
      recovery.calls += 1;
      if (input.cents < 0) throw new NonRetryableError('card declined');
      const down = recovery.onlyFor === undefined || recovery.onlyFor === tenantId;
      if (down && clock() < recovery.at) throw new Error('payments-api: 503 Service Unavailable');
      return { charged: input.cents };
    },
    { dependency: 'payments-api', circuit: { minimumCalls: 5, failureRate: 0.5 } },
  );
  return defineWorkflow({
    action: 'pay',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({ cents: z.number() }),
    retry: { maxAttempts: 4, initialDelayMs: 1_000, backoffRate: 2, maxDelayMs: 8_000 },
    machine: setup({ actors: { charge } }).createMachine({
      id: 'pay',
      initial: 'charging',
      states: {
        charging: { invoke: { id: 'charge', src: 'charge', onDone: 'done' } },
        done: { type: 'final' },
      },
    }),
  }) as Workflow;
}

describe('a circuit breaker on the test clock', () => {
  it('20 runs calling a dependency that always fails open its circuit after the threshold; none exhausts its attempts while it is open; all complete once it recovers', async () => {
    const clock = fakeClock(T);
    const recovery = { at: T + 5 * 60_000, calls: 0 };
    const { registry, store, processors } = payProcessors(clock, recovery);
    for (let n = 1; n <= 20; n++) await processors.submit('acme', 'pay', { cents: n }, `p${n}`);
    await processors.drain();

    const logs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.read(toRequestKey('acme', `p${i + 1}`))),
    );
    const all = logs.flat().sort((a, b) => a.at - b.at);
    const firstDeferral = all.findIndex((event) => event.type === 'step.deferred');
    const failed = (events: StoredEvent[]) => events.filter((e) => e.type === 'step.failed');
    // Exactly the threshold's failures before it opened; afterwards only probes ran (and failed).
    expect(failed(all.slice(0, firstDeferral))).toHaveLength(5);
    const started = all.filter((e) => e.type === 'step.started').map((e) => e.data);
    const whileOpen = all
      .slice(firstDeferral)
      .filter((e) => e.type === 'step.started' && e.at < recovery.at);
    expect(whileOpen.length).toBeGreaterThan(0);
    expect(whileOpen.every((e) => (e.data as { probe?: boolean }).probe === true)).toBe(true);
    // No attempt was used up while it was open: attempt numbers stay within the first two.
    expect(Math.max(...started.map((d) => (d as { attempt: number }).attempt))).toBeLessThanOrEqual(
      2,
    );
    expect(processors.deadLetters).toEqual([]);
    for (const log of logs) {
      expect(foldRequestView(log)?.status).toBe('COMPLETED');
      checkInvariants(registry, log, [], true);
    }
    const changes = [...processors.outcomes.values()]
      .flat()
      .flatMap((outcome) => outcome.flow?.circuits ?? [])
      .map((report) => report.change);
    expect(changes[0]).toBe('opened');
    expect(changes).toContain('reopened');
    expect(changes.at(-1)).toBe('closed');
    // Far fewer calls than 20 runs × 4 attempts would have made against the failing dependency.
    expect(recovery.calls).toBeLessThan(20 + 5 + 10);
  });

  it('a non-retryable answer counts as the dependency answering: it never opens the circuit', async () => {
    const clock = fakeClock(T);
    const recovery = { at: 0, calls: 0 };
    const { store, processors } = payProcessors(clock, recovery);
    for (let n = 1; n <= 8; n++) await processors.submit('acme', 'pay', { cents: -n }, `d${n}`);
    await processors.drain();
    for (let n = 1; n <= 8; n++) {
      const log = await store.read(toRequestKey('acme', `d${n}`));
      expect(log.map((event) => event.type)).not.toContain('step.deferred');
      expect(foldRequestView(log)?.status).toBe('FAILED');
    }
  });

  it('one tenant’s failures do not hold back another tenant’s attempts', async () => {
    const clock = fakeClock(T);
    const recovery = { at: T + 60_000, calls: 0, onlyFor: 'noisy' };
    const { store, processors } = payProcessors(clock, recovery);
    for (let n = 1; n <= 6; n++) await processors.submit('noisy', 'pay', { cents: n }, `n${n}`);
    await processors.submit('quiet', 'pay', { cents: 1 }, 'q1');
    await processors.drain();
    const noisy = await store.read(toRequestKey('noisy', 'n6'));
    expect(noisy.map((event) => event.type)).toContain('step.deferred');
    const quiet = await store.read(toRequestKey('quiet', 'q1'));
    expect(quiet.map((event) => event.type)).toEqual([
      'request.accepted',
      'step.started',
      'step.completed',
      'request.completed',
    ]);
  });
});
