import { useState } from 'preact/hooks';
import type { HistoryEvent, StreamerClient } from '../client';
import { EventLog } from './eventLog';
import { formatDuration, formatTime } from './format';
import { Gantt } from './gantt';
import { ProgressBar, StatusBadge } from './runList';
import {
  activeNodeIds,
  currentLeaves,
  runAt,
  stateText,
  stepStates,
  visitedNodeIds,
} from './runState';
import { SignalForm } from './signalForm';
import { StatechartView } from './statechartView';
import { runTimeline } from './timeline';
import { type RunData, useRun } from './useRun';

/** The replay slider: any `seq` of the log, read-only; the end of the log is "live". */
function ReplaySlider(props: {
  readonly events: readonly HistoryEvent[];
  readonly seq: number | undefined;
  readonly onSeq: (seq: number | undefined) => void;
}) {
  const last = props.events.at(-1)?.seq ?? 1;
  const shown = props.seq ?? last;
  const event = props.events.find((e) => e.seq === shown);
  return (
    <div class="replay" data-replaying={String(props.seq !== undefined)}>
      <input
        type="range"
        name="seq"
        min={1}
        max={last}
        value={shown}
        onInput={(e) => {
          const seq = Number(e.currentTarget.value);
          props.onSeq(seq >= last ? undefined : seq);
        }}
      />
      <span class="replay-label">
        seq {shown} of {last}
        {event && (
          <>
            {' '}
            · <code>{event.type}</code> · {formatTime(event.at)}
          </>
        )}
      </span>
      {props.seq !== undefined && (
        <button type="button" onClick={() => props.onSeq(undefined)}>
          Back to live
        </button>
      )}
    </div>
  );
}

/** Cancel, and one form per event the current state accepts; only while live and unfinished. */
function Controls(props: {
  readonly client: StreamerClient;
  readonly id: string;
  readonly run: RunData;
  readonly onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string>();
  const current = props.run.history?.current;
  if (!current || current.finished) return null;
  const signals = props.run.workflow?.signals ?? [];
  const accepted = current.accepts.map((type) => signals.find((s) => s.type === type) ?? { type });
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setMessage(done);
      props.onDone();
    } catch (error) {
      setMessage((error as Error).message);
    }
  };
  return (
    <section class="controls">
      {accepted.length > 0 && <h3>Send an event</h3>}
      {accepted.map((signal) => (
        <SignalForm
          key={signal.type}
          signal={signal}
          onSend={(event) => act(() => props.client.signal(props.id, event), `Sent ${event.type}`)}
        />
      ))}
      <form
        class="cancel-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => props.client.cancel(props.id, reason || undefined), 'Cancelled');
        }}
      >
        <input
          name="reason"
          placeholder="reason (optional)"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        <button type="submit" class="danger">
          Cancel run
        </button>
      </form>
      {message && <p class="notice">{message}</p>}
    </section>
  );
}

function Header(props: { readonly id: string; readonly run: RunData; readonly seq: number }) {
  const { history, events } = props.run;
  const at = runAt(events, props.seq);
  const status = at.status ?? history?.current.status ?? 'PENDING';
  const first = events[0]?.at;
  const live = props.seq === history?.last_seq && history?.current.finished === false;
  // Live: how long it has been running; replayed or finished: when the shown event came.
  const last = live
    ? Date.now()
    : (events.find((e) => e.seq === props.seq)?.at ?? events.at(-1)?.at);
  return (
    <header class="run-header" data-status={status} data-state={stateText(at.state)}>
      <h2>
        {props.id} <span class="muted">{history?.action}</span>
      </h2>
      <StatusBadge status={status} />
      <ProgressBar value={at.progress} />
      <span class="muted">{at.message}</span>
      <span class="state-text">
        state <code>{stateText(at.state)}</code>
      </span>
      {first !== undefined && last !== undefined && (
        <span class="muted">
          {formatDuration(last - first)} {live ? 'since accepted' : 'after acceptance'}
        </span>
      )}
    </header>
  );
}

/** One run: its drawn machine with the current state lit, progress, Gantt, log, controls and replay. */
export function RunPage(props: { readonly client: StreamerClient; readonly id: string }) {
  const run = useRun(props.client, props.id);
  const [seq, setSeq] = useState<number>();
  if (run.error && run.events.length === 0) {
    return (
      <p class="error" data-error="true">
        {run.error}
      </p>
    );
  }
  if (!run.history) return <p class="muted">Loading {props.id}…</p>;
  const shown = seq ?? run.history.last_seq;
  const at = runAt(run.events, shown);
  const graph = run.workflow?.graph;
  const finished = run.history.current.finished && seq === undefined;
  const end = seq !== undefined || finished ? (at.events.at(-1)?.at ?? Date.now()) : Date.now();
  return (
    <section class="run-page" data-run={props.id}>
      <p>
        <a href="#/">← all runs</a>
      </p>
      <Header id={props.id} run={run} seq={shown} />
      <ReplaySlider events={run.events} seq={seq} onSeq={setSeq} />
      <div class="run-grid">
        {graph && (
          <StatechartView
            graph={graph}
            marks={{
              active: activeNodeIds(graph, at.state),
              current: currentLeaves(graph, at.state),
              visited: visitedNodeIds(graph, run.events, shown),
              steps: stepStates(run.events, shown),
            }}
          />
        )}
        {seq === undefined && (
          <Controls client={props.client} id={props.id} run={run} onDone={run.refresh} />
        )}
      </div>
      <h3>Timeline</h3>
      <Gantt timeline={runTimeline(at.events, graph, end)} />
      <h3>Events</h3>
      <EventLog events={run.events} seq={shown} />
    </section>
  );
}
