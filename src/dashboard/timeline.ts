import type { HistoryEvent, StateValue } from '../protocol/inspectData';
import type { MachineGraph } from '../protocol/machineGraph';
import { currentLeaves, dataField } from './runState';

/**
 * A run's timeline from its history: one row per step with a bar per
 * attempt (and the backoff waits between attempts), one row per state the
 * run waited in without running anything (a signal, a timer). What the
 * dashboard draws as a Gantt chart and `streamer runs show` prints as step
 * durations. Pure and DOM-free.
 */

/** What a bar shows. */
export type BarKind = 'attempt' | 'retry_wait' | 'child' | 'wait';

/** How an attempt ended: still running when the history ends, or its recorded end. */
export type BarOutcome = 'running' | 'completed' | 'failed' | 'retrying' | 'suspended' | 'ended';

/** One bar. */
export interface TimelineBar {
  readonly kind: BarKind;
  /** Epoch ms. */
  readonly start: number;
  /** Epoch ms; for an open bar, the end of the history (or `now`). */
  readonly end: number;
  readonly open: boolean;
  readonly outcome?: BarOutcome;
  /** For attempts: 1, 2 … (a resumed attempt keeps its number). */
  readonly attempt?: number;
  readonly resumed?: boolean;
  /** The seq of the event that opened the bar. */
  readonly seq: number;
}

/** One row: a step (`step:<id>`) or a waiting state (`wait:<node id>`). */
export interface TimelineRow {
  readonly id: string;
  readonly label: string;
  readonly bars: TimelineBar[];
}

/** The whole timeline, between the first event and the last (or `now` while the run is live). */
export interface Timeline {
  readonly start: number;
  readonly end: number;
  readonly rows: readonly TimelineRow[];
}

const STEP_ENDS: Readonly<Record<string, BarOutcome>> = {
  'step.completed': 'completed',
  'request.suspended': 'suspended',
  'request.completed': 'ended',
  'request.failed': 'ended',
  'request.cancelled': 'ended',
};

function rowOf(rows: Map<string, TimelineRow>, id: string, label: string): TimelineRow {
  const existing = rows.get(id);
  if (existing) return existing;
  const row: TimelineRow = { id, label, bars: [] };
  rows.set(id, row);
  return row;
}

interface OpenBar {
  readonly row: TimelineRow;
  readonly bar: Omit<TimelineBar, 'end' | 'open'>;
}

/** Steps' attempts, retry waits and child runs. */
function stepBars(events: readonly HistoryEvent[], rows: Map<string, TimelineRow>, end: number) {
  const open = new Map<string, OpenBar>();
  const close = (stepId: string, at: number, outcome?: BarOutcome) => {
    const bar = open.get(stepId);
    if (!bar) return;
    open.delete(stepId);
    bar.row.bars.push({ ...bar.bar, end: at, open: false, ...(outcome && { outcome }) });
  };
  for (const event of events) {
    const stepId = dataField(event, 'stepId');
    if (typeof stepId === 'string') {
      const row = rowOf(rows, `step:${stepId}`, stepId);
      if (event.type === 'step.started') {
        close(stepId, event.at, 'suspended');
        const attempt = Number(dataField(event, 'attempt') ?? 1);
        const resumed = dataField(event, 'resumed') === true;
        open.set(stepId, {
          row,
          bar: {
            kind: 'attempt',
            start: event.at,
            attempt,
            seq: event.seq,
            ...(resumed && { resumed }),
          },
        });
      } else if (event.type === 'child.started') {
        close(stepId, event.at, 'running');
        open.set(stepId, { row, bar: { kind: 'child', start: event.at, seq: event.seq } });
      } else if (event.type === 'step.failed') {
        const retryAt = dataField(event, 'retryAt');
        close(stepId, event.at, typeof retryAt === 'number' ? 'retrying' : 'failed');
        if (typeof retryAt === 'number') {
          row.bars.push({
            kind: 'retry_wait',
            start: event.at,
            end: retryAt,
            open: false,
            seq: event.seq,
          });
        }
      } else if (STEP_ENDS[event.type]) close(stepId, event.at, STEP_ENDS[event.type]);
    } else if (STEP_ENDS[event.type]) {
      for (const id of [...open.keys()]) close(id, event.at, STEP_ENDS[event.type]);
    }
  }
  for (const { row, bar } of open.values())
    row.bars.push({ ...bar, end, open: true, outcome: 'running' });
}

/** Stretches of time in a leaf state that runs no step and is not final: waiting for a signal or a timer. */
function waitBars(
  events: readonly HistoryEvent[],
  graph: MachineGraph,
  rows: Map<string, TimelineRow>,
  end: number,
) {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  let waiting = new Map<string, number>();
  let waitingSeq = new Map<string, number>();
  const finish = (id: string, at: number, isOpen: boolean) => {
    const node = byId.get(id);
    rowOf(rows, `wait:${id}`, `waiting in ${node?.key ?? id}`).bars.push({
      kind: 'wait',
      start: waiting.get(id) ?? at,
      end: at,
      open: isOpen,
      seq: waitingSeq.get(id) ?? 0,
    });
  };
  const enter = (value: StateValue, at: number, seq: number) => {
    const leaves = currentLeaves(graph, value).filter((id) => {
      const node = byId.get(id);
      return node && node.type !== 'final' && node.invokes.length === 0;
    });
    for (const id of waiting.keys()) if (!leaves.includes(id)) finish(id, at, false);
    waiting = new Map(leaves.map((id) => [id, waiting.get(id) ?? at]));
    waitingSeq = new Map(leaves.map((id) => [id, waitingSeq.get(id) ?? seq]));
  };
  for (const event of events) {
    if (event.state !== undefined) enter(event.state, event.at, event.seq);
    if (event.status === 'COMPLETED' || event.status === 'FAILED' || event.status === 'CANCELLED') {
      for (const id of waiting.keys()) finish(id, event.at, false);
      waiting = new Map();
    }
  }
  for (const id of waiting.keys()) finish(id, end, true);
}

/**
 * The timeline of a history. `now` closes open bars while the run is live
 * (pass the last event's `at` for a finished run, or to draw the run as it
 * was at a `seq`).
 *
 * @example
 * const { rows } = runTimeline(history.events, describe.graph, Date.now());
 * rows.map((row) => row.label); // ['checkReceipts', 'waiting in awaitingApproval']
 */
export function runTimeline(
  events: readonly HistoryEvent[],
  graph: MachineGraph | undefined,
  now: number,
): Timeline {
  const start = events[0]?.at ?? now;
  const end = Math.max(now, events.at(-1)?.at ?? now);
  const rows = new Map<string, TimelineRow>();
  stepBars(events, rows, end);
  if (graph) waitBars(events, graph, rows, end);
  const ordered = [...rows.values()].sort(
    (a, b) => (a.bars[0]?.start ?? 0) - (b.bars[0]?.start ?? 0),
  );
  return { start, end, rows: ordered };
}
