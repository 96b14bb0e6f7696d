import { isDeepStrictEqual } from 'node:util';
import type { DeadLetterMessage, RequestState, WorkflowRegistry } from '../engine';
import { applyEvent, initialState, replay } from '../engine/replay';
import type { StoredEvent } from '../events/event';
import {
  asLifecycleEvent,
  isTerminalEvent,
  type LifecycleEventData,
  type LifecycleEventOf,
} from '../events/lifecycle';
import { parseRequestKey } from '../events/requestKey';
import { InvariantViolation } from './errors';
import type { DeliveredFrame } from './memoryAdapters';
import { oracleView, viewDifference } from './oracleView';

/**
 * The DESIGN §4 invariants as checks over what the test engine saw. Each
 * throws an {@link InvariantViolation} naming the invariant and the request.
 */

const oracles = new WeakMap<readonly StoredEvent[], ReturnType<typeof oracleView>>();

/** The oracle's view of `log`, computed once per log read. */
function oracleOf(log: readonly StoredEvent[]): ReturnType<typeof oracleView> {
  if (!oracles.has(log)) oracles.set(log, oracleView(log));
  return oracles.get(log);
}

const violation = (invariant: string, requestKey: string, detail: string): InvariantViolation =>
  new InvariantViolation({ invariant, requestKey, detail });

/** Invariant 1: `seq` dense from 1, and the log only ever grew (nothing overwritten). */
export function checkSeq(log: readonly StoredEvent[], before?: readonly StoredEvent[]): void {
  const key = log[0]?.requestKey ?? '';
  log.forEach((event, index) => {
    if (event.seq !== index + 1)
      throw violation('1 (dense seq)', key, `event #${index + 1} has seq ${event.seq}`);
  });
  if (!before) return;
  if (before.length > log.length)
    throw violation('1 (no overwrite)', key, `log shrank from ${before.length} to ${log.length}`);
  before.forEach((event, index) => {
    if (!isDeepStrictEqual(event, log[index]))
      throw violation('1 (no overwrite)', key, `seq ${event.seq} (${event.type}) changed`);
  });
}

/** Invariant 2: one terminal event per epoch; after it only dead-letter / redrive bookkeeping. */
export function checkOneTerminal(log: readonly StoredEvent[]): void {
  let terminal: StoredEvent | undefined;
  for (const event of log) {
    if (event.type === 'request.redriven') {
      terminal = undefined;
      continue;
    }
    if (terminal && event.type !== 'request.dead_lettered') {
      const detail = `${event.type} at seq ${event.seq} after ${terminal.type} at seq ${terminal.seq}`;
      throw violation('2 (one terminal)', event.requestKey, detail);
    }
    if (isTerminalEvent(event)) terminal = event;
  }
}

/** What two folds must agree on: the persisted snapshot and the engine's bookkeeping. */
export function comparableState(state: RequestState): unknown {
  return {
    version: state.version,
    snapshot: state.workflow.machine.getPersistedSnapshot(state.snapshot),
    steps: [...state.steps.values()].map(({ actorRef: _actorRef, ...rest }) => rest),
    progress: state.progress,
    terminal: state.terminal,
    failure: state.failure,
    deadLettered: state.deadLettered,
    epoch: state.epoch,
    lastStepError: state.lastStepError,
  };
}

/**
 * Invariant 3: folding the log twice (once from a copy, as a fresh process
 * would) agrees. Returns the fold.
 */
export function checkDeterministicReplay(
  registry: WorkflowRegistry,
  log: readonly StoredEvent[],
): RequestState {
  const state = replay(registry, log);
  const first = comparableState(state);
  const second = comparableState(replay(registry, structuredClone(log) as StoredEvent[]));
  if (!isDeepStrictEqual(first, second)) {
    const key = log[0]?.requestKey ?? '';
    throw violation('3 (deterministic replay)', key, 'two folds of one log differ');
  }
  return state;
}

/** Invariant 3: the live runner's state, when it stopped, equals a fresh fold of the log up to its version. */
export function checkLiveState(
  registry: WorkflowRegistry,
  requestKey: string,
  live: RequestState,
  log: readonly StoredEvent[],
  /** Fresh folds already made of this log, by version (reused, and filled in). */
  folds: Map<number, unknown> = new Map(),
): void {
  if (!folds.has(live.version)) {
    folds.set(live.version, comparableState(replay(registry, log.slice(0, live.version))));
  }
  const a = comparableState(live);
  const b = folds.get(live.version);
  if (isDeepStrictEqual(a, b)) return;
  throw violation(
    '3 (live state = fold)',
    requestKey,
    `the runner stopped at seq ${live.version} with a state a fresh fold does not give: ${firstDifference(a, b)}`,
  );
}

function firstDifference(a: unknown, b: unknown, path = 'state'): string {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const x = (a as Record<string, unknown>)[key];
      const y = (b as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${path}.${key}`);
    }
  }
  return `${path}: live ${describe(a)}, fold ${describe(b)}`;
}

function describe(value: unknown): string {
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * Invariant 4 on the log: every `step.started` is for an invocation the
 * machine is running (a completed one is never started again) and never
 * while another runner's lease on it still holds.
 */
export function checkLeases(registry: WorkflowRegistry, log: readonly StoredEvent[]): void {
  const [head, ...rest] = log;
  const accepted = head && asLifecycleEvent(head);
  if (accepted?.type !== 'request.accepted') return;
  const state = initialState(registry, accepted);
  for (const stored of rest) {
    const event = asLifecycleEvent(stored);
    if (event?.type === 'step.started') checkStart(state, event);
    applyEvent(state, stored);
  }
}

function checkStart(state: RequestState, event: LifecycleEventOf<'step.started'>): void {
  const { stepId } = event.data;
  const invocation = state.steps.get(stepId);
  if (!invocation || state.snapshot.status !== 'active') {
    const detail = `step "${stepId}" started at seq ${event.seq}, but the machine is not running it (completed or never invoked)`;
    throw violation('4 (completed step re-run)', event.requestKey, detail);
  }
  const until = invocation.leaseUntil;
  if (invocation.status === 'running' && until !== undefined && event.at < until) {
    const detail = `step "${stepId}" started at seq ${event.seq} while leased until ${until} (seq ${invocation.startedSeq})`;
    throw violation('4 (overlapping leases)', event.requestKey, detail);
  }
}

/** Invariant 4: no step function was called more often than it was leased (`step.started`). */
export function checkCallsLeased(
  log: readonly StoredEvent[],
  callsOf: (stepId: string) => number,
): void {
  const starts = new Map<string, number>();
  for (const event of log) {
    if (event.type !== 'step.started') continue;
    const { stepId } = event.data as LifecycleEventData['step.started'];
    starts.set(stepId, (starts.get(stepId) ?? 0) + 1);
  }
  for (const [stepId, leased] of starts) {
    const calls = callsOf(stepId);
    if (calls > leased) {
      const detail = `step "${stepId}" ran ${calls} times but was leased ${leased} times`;
      throw violation('4 (run without a lease)', log[0]?.requestKey ?? '', detail);
    }
  }
}

/** Invariant 5: progress in the log never goes down; a COMPLETED request is at 100. */
export function checkProgress(log: readonly StoredEvent[]): void {
  let highest = 0;
  for (const event of log) {
    if (event.type !== 'step.progress') continue;
    const { percentage } = event.data as LifecycleEventData['step.progress'];
    if (percentage < highest) {
      const detail = `${percentage} at seq ${event.seq} after ${highest}`;
      throw violation('5 (progress never goes down)', event.requestKey, detail);
    }
    highest = percentage;
  }
  const view = oracleOf(log);
  if (view?.status === 'COMPLETED' && view.progress !== 100) {
    throw violation(
      '5 (COMPLETED at 100)',
      log[0]?.requestKey ?? '',
      `progress ${String(view.progress)}`,
    );
  }
}

/**
 * Invariant 6: attempts within `maxAttempts`; dead-lettered only when
 * exhausted, with its message sent; once settled, every exhausted failure
 * dead-lettered with exactly one distinct message.
 */
export function checkAttempts(
  state: RequestState,
  log: readonly StoredEvent[],
  deadLetters: readonly DeadLetterMessage[],
  settled: boolean,
): void {
  const [first] = log;
  if (!first) return;
  const key = first.requestKey;
  const max = (first.data as LifecycleEventData['request.accepted']).maxAttempts;
  let exhausted = 0;
  let deadLettered = 0;
  for (const event of log) {
    const lifecycle = asLifecycleEvent(event);
    if (lifecycle?.type === 'step.started' && lifecycle.data.attempt > max)
      throw violation(
        '6 (attempts)',
        key,
        `attempt ${lifecycle.data.attempt} > maxAttempts ${max}`,
      );
    if (lifecycle?.type === 'request.failed' && lifecycle.data.exhausted) exhausted++;
    if (lifecycle?.type === 'request.dead_lettered') deadLettered++;
  }
  const messages = new Set(deadLetters.filter((m) => m.requestKey === key).map((m) => m.messageId));
  if (deadLettered > exhausted)
    throw violation('6 (dead-lettered without exhaustion)', key, `${deadLettered} > ${exhausted}`);
  if (messages.size < deadLettered)
    throw violation(
      '6 (DLQ message missing)',
      key,
      `${messages.size} messages, ${deadLettered} records`,
    );
  const status = oracleOf(log)?.status;
  if ((status === 'DEAD_LETTERED') !== (state.deadLettered && state.terminal !== undefined))
    throw violation('6 (DEAD_LETTERED iff exhausted)', key, `status ${String(status)}`);
  if (!settled) return;
  if (deadLettered !== exhausted)
    throw violation('6 (exhausted but not dead-lettered)', key, `${deadLettered} of ${exhausted}`);
  if (messages.size !== deadLettered)
    throw violation(
      '6 (one DLQ message)',
      key,
      `${messages.size} distinct messages for ${deadLettered}`,
    );
}

/** Invariant 7: the request ended (terminal, and dead-lettered if its attempts ran out). */
export function isSettled(registry: WorkflowRegistry, log: readonly StoredEvent[]): boolean {
  if (log.length === 0) return true;
  const state = replay(registry, log);
  if (!state.terminal) return false;
  return !(state.failure?.exhausted && !state.deadLettered);
}

/** Invariant 8: a view (the projector's stored one, or a `status` read) equals the oracle's fold. */
export function checkView(
  source: string,
  requestKey: string,
  view: object | undefined,
  log: readonly StoredEvent[],
): void {
  const difference = viewDifference(view, oracleOf(log));
  if (difference) throw violation('8 (view = fold)', requestKey, `${source}: ${difference}`);
}

/**
 * Invariant 9 for frames: every frame reached a connection of the request's
 * own tenant and names the request by its client id; and the client sees
 * every frame of its request, in `seq` order, progress never going down.
 */
export function checkFrames(
  requestKey: string,
  log: readonly StoredEvent[],
  /** The frames posted for this request. */
  frames: readonly DeliveredFrame[],
  ownerConnection: string | undefined,
): void {
  const { tenantId, requestId } = parseRequestKey(requestKey);
  const mine = frames;
  for (const delivered of mine) {
    if (delivered.connectionTenantId !== tenantId) {
      const detail = `a ${delivered.frame.type} frame reached connection ${delivered.connectionId} of tenant ${delivered.connectionTenantId}`;
      throw violation('9 (frames stay in the tenant)', requestKey, detail);
    }
    if ('request_id' in delivered.frame && delivered.frame.request_id !== requestId) {
      const detail = `frame names request ${String(delivered.frame.request_id)}, not ${requestId}`;
      throw violation('9 (frames stay in the tenant)', requestKey, detail);
    }
  }
  for (const connectionId of new Set(mine.map((f) => f.connectionId))) {
    checkClientSees(
      requestKey,
      mine.filter((f) => f.connectionId === connectionId),
    );
  }
  if (ownerConnection) checkOwnerGotAll(requestKey, log, mine, ownerConnection);
}

/** What one client sees after dropping frames whose `seq` it already has: progress never down. */
function checkClientSees(requestKey: string, frames: readonly DeliveredFrame[]): void {
  let lastSeq = 0;
  let highest = 0;
  for (const { frame } of frames) {
    const seq = 'seq' in frame && typeof frame.seq === 'number' ? frame.seq : 0;
    if (seq <= lastSeq) continue;
    lastSeq = seq;
    if (frame.type !== 'progress') continue;
    if (frame.percentage < highest) {
      const detail = `progress frame ${frame.percentage} (seq ${seq}) after ${highest}`;
      throw violation('5 (progress frames never go down)', requestKey, detail);
    }
    highest = frame.percentage;
  }
}

const FRAME_OF: Readonly<Record<string, string>> = {
  'step.progress': 'progress',
  'request.completed': 'complete',
  'request.failed': 'error',
  'request.cancelled': 'error',
};

/** The submitting connection got one frame of the right type for every event that has one. */
function checkOwnerGotAll(
  requestKey: string,
  log: readonly StoredEvent[],
  frames: readonly DeliveredFrame[],
  connectionId: string,
): void {
  const got = new Map<number, string>();
  for (const { frame, connectionId: to } of frames) {
    if (to === connectionId && 'seq' in frame && typeof frame.seq === 'number')
      got.set(frame.seq, frame.type);
  }
  for (const event of log) {
    const expected = FRAME_OF[event.type];
    if (!expected) continue;
    const type = got.get(event.seq);
    if (type !== expected) {
      const detail = `${event.type} at seq ${event.seq} reached the client as ${type ?? 'nothing'}, not a ${expected} frame`;
      throw violation('8 (frames = fold)', requestKey, detail);
    }
    got.delete(event.seq);
  }
  const [extra] = got.keys();
  if (extra !== undefined)
    throw violation(
      '8 (frames = fold)',
      requestKey,
      `a frame for seq ${extra}, which has none in the log`,
    );
}
