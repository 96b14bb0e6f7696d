import type { AnyStateMachine } from 'xstate';
import { type DeadLetterMessage, replay, type WorkflowRegistry } from '../../../src/engine';
import type { StoredEvent } from '../../../src/events/event';
import type { LifecycleEventData } from '../../../src/events/lifecycle';
import { isTerminalEvent } from '../../../src/events/lifecycle';
import {
  evolveRequestView,
  foldRequestView,
  type RequestView,
} from '../../../src/projections/requestView';

/** A comparable form of a folded snapshot. */
export function snapshotOf(machine: AnyStateMachine, snapshot: unknown): unknown {
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot as never)));
}

/**
 * Checks DESIGN §4 invariants 1–6 and 8 on one request's log; throws with
 * the failing invariant and the log. `settled` adds the end-of-schedule
 * checks (DLQ messages match `request.dead_lettered` events).
 */
export function checkInvariants(
  registry: WorkflowRegistry,
  log: readonly StoredEvent[],
  deadLetters: readonly DeadLetterMessage[],
  settled = false,
): void {
  const fail = (invariant: string, detail: string): never => {
    throw new Error(
      `Invariant ${invariant} broken: ${detail}\n${log.map((e) => `  ${e.seq} ${e.type} ${JSON.stringify(e.data)}`).join('\n')}`,
    );
  };
  if (log.length === 0) return;
  const requestKey = log[0]?.requestKey ?? '';
  const accepted = log[0]?.data as LifecycleEventData['request.accepted'];

  // 1. seq dense and unique.
  log.forEach((event, index) => {
    if (event.seq !== index + 1) fail('1 (dense seq)', `event ${index} has seq ${event.seq}`);
  });

  // 2. Exactly one terminal per epoch; only dead-letter/redrive bookkeeping after it.
  let terminal: StoredEvent | undefined;
  for (const event of log) {
    if (event.type === 'request.redriven') {
      terminal = undefined;
      continue;
    }
    if (terminal && event.type !== 'request.dead_lettered') {
      fail(
        '2 (one terminal)',
        `${event.type} at ${event.seq} after ${terminal.type} at ${terminal.seq}`,
      );
    }
    if (isTerminalEvent(event)) terminal = event;
  }

  // 3. Replay is deterministic.
  const first = replay(registry, log);
  const second = replay(registry, structuredClone(log) as StoredEvent[]);
  const machine = first.workflow.machine;
  const a = JSON.stringify(snapshotOf(machine, first.snapshot));
  const b = JSON.stringify(snapshotOf(machine, second.snapshot));
  if (a !== b) fail('3 (deterministic replay)', `${a} vs ${b}`);

  // 4. A completed step is never started again; no two leases overlap.
  const completed = new Set<string>();
  const openLease = new Map<string, StoredEvent>();
  for (const event of log) {
    if (event.type === 'request.redriven') {
      openLease.clear();
      continue;
    }
    const data = event.data as { stepId?: string; leaseUntil?: number };
    if (event.type === 'step.started' && data.stepId) {
      if (completed.has(data.stepId))
        fail('4 (completed step re-run)', `${data.stepId} started at ${event.seq}`);
      const open = openLease.get(data.stepId);
      const until = (open?.data as { leaseUntil?: number } | undefined)?.leaseUntil ?? 0;
      if (open && event.at < until)
        fail(
          '4 (overlapping leases)',
          `${data.stepId} at ${event.seq} while leased until ${until}`,
        );
      openLease.set(data.stepId, event);
    }
    if ((event.type === 'step.completed' || event.type === 'step.failed') && data.stepId) {
      openLease.delete(data.stepId);
      if (event.type === 'step.completed') completed.add(data.stepId);
    }
    if (event.type === 'request.suspended') {
      const stepId = (event.data as LifecycleEventData['request.suspended']).stepId;
      if (stepId) openLease.delete(stepId);
    }
  }

  // 5. Progress never goes down; COMPLETED implies 100.
  let highest = 0;
  for (const event of log) {
    if (event.type !== 'step.progress') continue;
    const percentage = (event.data as LifecycleEventData['step.progress']).percentage;
    if (percentage < highest)
      fail('5 (progress goes down)', `${percentage} after ${highest} at ${event.seq}`);
    highest = percentage;
  }
  const view = foldRequestView(log) as RequestView;
  if (view.status === 'COMPLETED' && view.progress !== 100)
    fail('5 (COMPLETED at 100)', `progress ${view.progress}`);

  // 6. Attempts within maxAttempts; DEAD_LETTERED iff exhausted; one DLQ message each.
  let exhaustedFailures = 0;
  let deadLettered = 0;
  for (const event of log) {
    if (event.type === 'step.started') {
      const attempt = (event.data as LifecycleEventData['step.started']).attempt;
      if (attempt > accepted.maxAttempts)
        fail('6 (attempts)', `attempt ${attempt} > ${accepted.maxAttempts}`);
    }
    if (
      event.type === 'request.failed' &&
      (event.data as LifecycleEventData['request.failed']).exhausted
    ) {
      exhaustedFailures += 1;
    }
    if (event.type === 'request.dead_lettered') deadLettered += 1;
  }
  if (deadLettered > exhaustedFailures)
    fail('6 (dead-lettered without exhaustion)', `${deadLettered} > ${exhaustedFailures}`);
  const messageIds = new Set(
    deadLetters.filter((m) => m.requestKey === requestKey).map((m) => m.messageId),
  );
  if (messageIds.size < deadLettered)
    fail('6 (DLQ message missing)', `${messageIds.size} messages, ${deadLettered} events`);
  if (settled) {
    if (deadLettered !== exhaustedFailures)
      fail('6 (exhausted but not dead-lettered)', `${deadLettered} vs ${exhaustedFailures}`);
    if (messageIds.size !== deadLettered)
      fail('6 (one DLQ message)', `${messageIds.size} distinct messages, ${deadLettered} events`);
  }
  if ((view.status === 'DEAD_LETTERED') !== (first.deadLettered && !!first.terminal)) {
    fail(
      '6 (DEAD_LETTERED iff exhausted)',
      `view ${view.status}, engine deadLettered ${first.deadLettered}`,
    );
  }

  // 8. The view is the fold of the log, however it is cut into batches.
  for (const cut of [1, Math.floor(log.length / 2), log.length - 1]) {
    let partial = foldRequestView(log.slice(0, cut));
    for (const event of log.slice(cut)) partial = evolveRequestView(partial, event);
    if (JSON.stringify(partial) !== JSON.stringify(view)) fail('8 (view = fold)', `cut at ${cut}`);
  }
  const expected: Record<string, RequestView['status']> = {
    'request.completed': 'COMPLETED',
    'request.failed': first.deadLettered ? 'DEAD_LETTERED' : 'FAILED',
    'request.cancelled': 'CANCELLED',
  };
  if (first.terminal && expected[first.terminal.type] !== view.status) {
    fail('8 (view status)', `${view.status} for ${first.terminal.type}`);
  }
}

/** Whether a request is finished for good (terminal and, if exhausted, dead-lettered). */
export function isSettled(registry: WorkflowRegistry, log: readonly StoredEvent[]): boolean {
  const state = replay(registry, log);
  if (!state.terminal) return false;
  return !(state.failure?.exhausted && !state.deadLettered);
}
