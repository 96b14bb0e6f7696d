import type { WorkflowRegistry } from '../engine';
import { applyEvent, initialState, type RequestState } from '../engine/replay';
import type { StoredEvent } from '../events/event';
import { asLifecycleEvent, type LifecycleEventData } from '../events/lifecycle';
import { evolveRequestView, type RequestView } from '../projections/requestView';
import type { HistoryData, HistoryEvent, RunStatusName, StateValue } from '../protocol/inspectData';
import { machineGraph } from './machineGraph';
import { signalsOf } from './workflowDescription';

/** Sizes that keep a `history` response well inside API Gateway's 128 KiB message. */
export const HISTORY_BYTES = {
  /** An event's data above this (JSON, UTF-16 units) is sent as `{ truncated: true, bytes }`. */
  maxEventData: 8 * 1024,
  /** A page stops before its events' JSON passes this. */
  maxPage: 64 * 1024,
} as const;

/** Options of {@link runHistory}. */
export interface RunHistoryOptions {
  /** Events after this `seq`. */
  readonly afterSeq: number;
  /** At most this many events. */
  readonly limit: number;
}

/**
 * A page of a run's log for `history`: each event with the machine's state
 * value and the run's status where they changed (replayed with the
 * engine's own fold, running nothing), and where the run stands at the end
 * of the log — including the events a `signal` would be accepted for now
 * (`snapshot.can`). A log the registered workflows cannot replay (its
 * version is gone) still gets its events and statuses, without states.
 * `log` must be a whole log of one request, starting with `request.accepted`.
 *
 * @example
 * const data = runHistory(registry, await store.read(key), { afterSeq: 0, limit: 200 });
 * data.current.accepts; // ['approve', 'reject'] while the expense waits for approval
 */
export function runHistory(
  registry: WorkflowRegistry,
  log: readonly StoredEvent[],
  options: RunHistoryOptions,
): HistoryData {
  const accepted = acceptedData(log);
  const { states, final } = replayStates(registry, log);
  const statuses = statusesOf(log);
  const events = pageOf(log, states, statuses, options);
  const lastSeq = log.at(-1)?.seq ?? 0;
  const lastSent = events.at(-1)?.seq ?? options.afterSeq;
  const finalStatus = statuses.at(-1) ?? 'PENDING';
  return {
    request_id: accepted.clientRequestId,
    action: accepted.action,
    workflow_version: accepted.workflowVersion,
    events,
    last_seq: lastSeq,
    ...(lastSent < lastSeq && { next_after_seq: lastSent }),
    current: {
      status: finalStatus,
      ...(final && { state: final.snapshot.value as StateValue }),
      accepts: acceptedEvents(final),
      finished: FINISHED.has(finalStatus),
    },
  };
}

/**
 * The events of the page, each with the state value and status after it
 * where they changed since the event before it in the log (and on the
 * page's first event, so any page can be drawn on its own).
 */
function pageOf(
  log: readonly StoredEvent[],
  states: readonly (StateValue | undefined)[],
  statuses: readonly (RunStatusName | undefined)[],
  options: RunHistoryOptions,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let bytes = 0;
  for (let index = 0; index < log.length && events.length < options.limit; index++) {
    const stored = log[index] as StoredEvent;
    if (stored.seq <= options.afterSeq) continue;
    const first = events.length === 0;
    const state = states[index];
    const status = statuses[index];
    const stateChanged = first || JSON.stringify(state) !== JSON.stringify(states[index - 1]);
    const event = historyEvent(stored, {
      ...(stateChanged && state !== undefined && { state }),
      ...((first || status !== statuses[index - 1]) && status && { status }),
    });
    bytes += JSON.stringify(event).length;
    if (bytes > HISTORY_BYTES.maxPage && !first) break;
    events.push(event);
  }
  return events;
}

const FINISHED: ReadonlySet<RunStatusName> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'DEAD_LETTERED',
]);

function acceptedData(log: readonly StoredEvent[]): LifecycleEventData['request.accepted'] {
  const first = log[0] && asLifecycleEvent(log[0]);
  if (first?.type !== 'request.accepted')
    throw new RangeError('A log starts with request.accepted');
  return first.data;
}

/** The state value after each event, or none at all when the log cannot be replayed. */
function replayStates(
  registry: WorkflowRegistry,
  log: readonly StoredEvent[],
): { states: (StateValue | undefined)[]; final?: RequestState } {
  try {
    const [head, ...rest] = log;
    const first = head && asLifecycleEvent(head);
    if (first?.type !== 'request.accepted') return { states: [] };
    const state = initialState(registry, first);
    const states: StateValue[] = [state.snapshot.value as StateValue];
    for (const event of rest) {
      applyEvent(state, event);
      states.push(state.snapshot.value as StateValue);
    }
    return { states, final: state };
  } catch {
    // Its workflow or version is no longer registered: events and statuses only.
    return { states: [] };
  }
}

function statusesOf(log: readonly StoredEvent[]): (RunStatusName | undefined)[] {
  let view: RequestView | undefined;
  return log.map((event) => {
    view = evolveRequestView(view, event);
    return view?.status;
  });
}

/** The events a signal would be accepted for now: none once the run ended. */
function acceptedEvents(state: RequestState | undefined): string[] {
  if (!state || state.terminal || state.snapshot.status !== 'active') return [];
  const candidates = signalsOf(state.workflow, machineGraph(state.workflow.machine).transitions);
  return candidates
    .map((signal) => signal.type)
    .filter((type) => {
      try {
        return state.snapshot.can({ type });
      } catch {
        // A guard that reads fields of the event cannot be asked with its type alone: offer it.
        return true;
      }
    });
}

function historyEvent(
  stored: StoredEvent,
  extra: { state?: StateValue; status?: RunStatusName },
): HistoryEvent {
  return { seq: stored.seq, type: stored.type, at: stored.at, data: sentData(stored), ...extra };
}

/** The event's data without storage keys and connection ids, and small enough to send. */
function sentData(stored: StoredEvent): unknown {
  let data: unknown = stored.data;
  const event = asLifecycleEvent(stored);
  if (event?.type === 'request.accepted') {
    const { connectionId: _connection, parent, ...rest } = event.data;
    data = {
      ...rest,
      ...(parent && { parent: { requestId: parent.requestId, stepId: parent.stepId } }),
    };
  }
  const text = JSON.stringify(data) ?? 'null';
  return text.length > HISTORY_BYTES.maxEventData ? { truncated: true, bytes: text.length } : data;
}
