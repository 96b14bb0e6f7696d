import type { HistoryData, HistoryEvent, StreamerClient } from '../../client';
import { formatDuration, formatTime } from '../../dashboard/format';
import { stateText } from '../../dashboard/runState';
import { runTimeline, type TimelineBar } from '../../dashboard/timeline';
import { printJson, table } from './output';

/** Every page of a run's history, in one. */
export async function wholeHistory(client: StreamerClient, id: string): Promise<HistoryData> {
  let page = await client.history(id);
  const events: HistoryEvent[] = [...page.events];
  while (page.next_after_seq !== undefined) {
    page = await client.history(id, { afterSeq: page.next_after_seq });
    events.push(...page.events);
  }
  const { next_after_seq: _next, ...last } = page;
  return { ...last, events };
}

/** One bar of the timeline as `show --json` prints it. */
interface TimedSpan {
  readonly row: string;
  readonly kind: TimelineBar['kind'];
  readonly attempt?: number;
  readonly started_at: number;
  readonly ended_at?: number;
  readonly duration_ms: number;
  readonly outcome?: string;
}

function spansOf(history: HistoryData, graph: Parameters<typeof runTimeline>[1]): TimedSpan[] {
  const end = history.current.finished ? (history.events.at(-1)?.at ?? Date.now()) : Date.now();
  return runTimeline(history.events, graph, end).rows.flatMap((row) =>
    row.bars.map((bar) => ({
      row: row.label,
      kind: bar.kind,
      ...(bar.attempt !== undefined && { attempt: bar.attempt }),
      started_at: bar.start,
      ...(!bar.open && { ended_at: bar.end }),
      duration_ms: bar.end - bar.start,
      ...(bar.outcome && { outcome: bar.outcome }),
    })),
  );
}

function summary(event: HistoryEvent): string {
  const text = JSON.stringify(event.data) ?? '';
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

const WHAT: Readonly<Record<TimelineBar['kind'], string>> = {
  attempt: 'attempt',
  retry_wait: 'backoff',
  child: 'child run',
  wait: 'waiting',
};

function printShow(
  status: Awaited<ReturnType<StreamerClient['status']>>,
  history: HistoryData,
  spans: TimedSpan[],
) {
  const start = history.events[0]?.at ?? 0;
  console.log(
    `${status.request_id}  ${status.action} v${history.workflow_version}  ${status.status}  ${Math.round(status.progress)}%${status.progress_message ? `  ${status.progress_message}` : ''}`,
  );
  console.log(
    `state ${stateText(history.current.state)}${history.current.accepts.length ? `  accepts ${history.current.accepts.join(', ')}` : ''}`,
  );
  if (status.result !== undefined) console.log(`result ${JSON.stringify(status.result)}`);
  if (status.error) console.log(`error ${status.error.code}: ${status.error.message}`);
  console.log('\nSteps and waits');
  const stepRows = spans.map((s) => [
    s.row,
    s.kind === 'attempt' ? `attempt ${s.attempt ?? 1}` : WHAT[s.kind],
    formatDuration(s.started_at - start),
    `${formatDuration(s.duration_ms)}${s.ended_at === undefined ? ' (so far)' : ''}`,
    s.outcome ?? '',
  ]);
  console.log(
    spans.length
      ? table(['STEP / STATE', 'WHAT', 'AT', 'TOOK', 'OUTCOME'], stepRows)
      : '(none yet)',
  );
  console.log('\nEvents');
  const eventRows = history.events.map((e) => [
    String(e.seq),
    formatTime(e.at),
    `+${formatDuration(e.at - start)}`,
    e.type,
    e.state === undefined ? '' : stateText(e.state),
    summary(e),
  ]);
  console.log(table(['SEQ', 'TIME (UTC)', 'AFTER', 'EVENT', 'STATE', 'DATA'], eventRows));
}

/** `streamer runs show <id>`: where the run stands, its steps with durations, and its event log. */
export async function showRun(client: StreamerClient, id: string, options: { json?: boolean }) {
  const [status, history] = await Promise.all([client.status(id), wholeHistory(client, id)]);
  const graph = await client
    .describe(history.action, history.workflow_version)
    .then((described) => described.graph)
    .catch(() => undefined);
  const spans = spansOf(history, graph);
  if (options.json) {
    const { events, ...rest } = history;
    printJson({
      run: { ...status, ...rest.current, workflow_version: rest.workflow_version },
      steps: spans,
      events,
    });
  } else {
    printShow(status, history, spans);
  }
  return 0;
}
