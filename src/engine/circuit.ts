/**
 * The circuit breaker of a dependency, as pure transitions: the runner
 * asks {@link admitAttempt} before an attempt of a step naming the
 * dependency, and reports each attempt's outcome with {@link recordOutcome}.
 * The state lives in a {@link CircuitStore} (DynamoDB in AWS), written with
 * optimistic concurrency, so every processor sees one breaker.
 *
 * ```
 * closed ──(≥ minimumCalls in the window, failure rate ≥ failureRate)──► open
 * open ──(openMs passed; the first attempt becomes the probe)──► half_open
 * half_open ──(probe succeeds)──► closed
 * half_open ──(probe fails; openMs doubles, up to maxOpenMs)──► open
 * ```
 */

/** When a dependency's circuit opens and how it recovers. */
export interface CircuitPolicy {
  /** Share of failed attempts in the window, 0–1, at which the circuit opens. */
  readonly failureRate: number;
  /** Attempts the window must hold before the rate counts (a single failure never opens it). */
  readonly minimumCalls: number;
  /** Length of the counting window, ms (fixed windows). */
  readonly windowMs: number;
  /** How long the circuit stays open the first time, ms; doubled after each failed probe. */
  readonly openMs: number;
  /** Upper bound of the open time, ms. */
  readonly maxOpenMs: number;
  /** While another run probes, how long waiting attempts wait before they look again, ms. */
  readonly halfOpenRecheckMs: number;
}

/** A circuit's state. */
export type CircuitState =
  | {
      readonly status: 'closed';
      readonly windowStart: number;
      readonly calls: number;
      readonly failures: number;
    }
  | { readonly status: 'open'; readonly until: number; readonly openings: number }
  | {
      readonly status: 'half_open';
      /** Who probes: `<requestKey>/<stepId>`. */
      readonly probe: string;
      /** When the probe's lease ends: after it, another attempt may probe (the prober crashed). */
      readonly probeUntil: number;
      readonly openings: number;
    };

/** A circuit as stored, with the version its next write is conditional on. */
export interface StoredCircuit {
  readonly state: CircuitState;
  /** 0 for a circuit never written. */
  readonly version: number;
}

/**
 * The port circuit states are kept behind. Adapters: `DynamoDbCircuitStore`,
 * `InMemoryCircuitStore`; both pass `test/flowControl/circuitStoreContract.ts`.
 */
export interface CircuitStore {
  /** The circuit of `key` (`<tenantId>#<dependency>`), strongly consistent; undefined when never written. */
  read(key: string): Promise<StoredCircuit | undefined>;
  /** Writes `state` if the stored version is still `expectedVersion` (0: not stored yet). */
  write(key: string, state: CircuitState, expectedVersion: number): Promise<'written' | 'conflict'>;
}

/** What an attempt may do. */
export type Admission =
  | { readonly kind: 'allow' }
  /** Run, as the half-open probe; `next` is the state to store first (claiming the probe). */
  | { readonly kind: 'probe'; readonly next?: CircuitState }
  /** Do not run before `until`. */
  | { readonly kind: 'defer'; readonly until: number; readonly circuit: 'open' | 'half_open' };

/** A change worth a log line and a metric. */
export type CircuitChange = 'opened' | 'closed' | 'reopened';

type Closed = Extract<CircuitState, { status: 'closed' }>;

const CLOSED_AT = (now: number): Closed => ({
  status: 'closed',
  windowStart: now,
  calls: 0,
  failures: 0,
});

/**
 * Whether an attempt of `prober` (`<requestKey>/<stepId>`) may run now.
 * A closed circuit allows it; an open one defers it until it may be probed;
 * the first attempt after that becomes the probe; while a probe runs,
 * others wait `halfOpenRecheckMs` at a time.
 */
export function admitAttempt(
  state: CircuitState | undefined,
  request: { readonly now: number; readonly prober: string; readonly probeUntil: number },
  policy: CircuitPolicy,
): Admission {
  if (!state || state.status === 'closed') return { kind: 'allow' };
  const { now, prober, probeUntil } = request;
  const claim = (openings: number): Admission => ({
    kind: 'probe',
    next: { status: 'half_open', probe: prober, probeUntil, openings },
  });
  if (state.status === 'open') {
    return state.until <= now
      ? claim(state.openings)
      : { kind: 'defer', until: state.until, circuit: 'open' };
  }
  if (state.probe === prober) return { kind: 'probe' };
  if (state.probeUntil <= now) return claim(state.openings);
  const until = Math.min(state.probeUntil, now + policy.halfOpenRecheckMs);
  return { kind: 'defer', until, circuit: 'half_open' };
}

/**
 * The state after an attempt ended. Only the probe's outcome moves a
 * half-open circuit, and an open one ignores stragglers; undefined when
 * nothing changes.
 */
export function recordOutcome(
  state: CircuitState | undefined,
  outcome: { readonly ok: boolean; readonly now: number; readonly prober: string },
  policy: CircuitPolicy,
): { readonly next: CircuitState; readonly change?: CircuitChange } | undefined {
  const { ok, now } = outcome;
  const current = state ?? CLOSED_AT(now);
  if (current.status === 'open') return undefined;
  if (current.status === 'half_open') {
    if (current.probe !== outcome.prober) return undefined;
    if (ok) return { next: CLOSED_AT(now), change: 'closed' };
    const openMs = Math.min(policy.maxOpenMs, policy.openMs * 2 ** current.openings);
    return {
      next: { status: 'open', until: now + openMs, openings: current.openings + 1 },
      change: 'reopened',
    };
  }
  const fresh = now >= current.windowStart + policy.windowMs ? CLOSED_AT(now) : current;
  const counted = {
    status: 'closed' as const,
    windowStart: fresh.windowStart,
    calls: fresh.calls + 1,
    failures: fresh.failures + (ok ? 0 : 1),
  };
  const tripped =
    counted.calls >= policy.minimumCalls && counted.failures / counted.calls >= policy.failureRate;
  if (!tripped) return { next: counted };
  return { next: { status: 'open', until: now + policy.openMs, openings: 1 }, change: 'opened' };
}
