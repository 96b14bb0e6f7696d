import { useEffect, useState } from 'preact/hooks';
import type { ListOptions, RunSummary, StreamerClient } from '../client';
import { RUN_STATUSES } from '../protocol/inspectData';
import { formatDuration, formatTime } from './format';

/** How often the first page is read again while the list is open (the view is a projection, pushed nowhere). */
const REFRESH_MS = 1_500;

interface ListState {
  readonly runs: readonly RunSummary[];
  readonly cursor?: string;
  readonly error?: string;
  readonly loaded: boolean;
}

function useRunList(client: StreamerClient, filters: ListOptions) {
  const [state, setState] = useState<ListState>({ runs: [], loaded: false });
  const [extra, setExtra] = useState<{ runs: readonly RunSummary[]; cursor?: string }>();
  useEffect(() => {
    let stopped = false;
    setExtra(undefined);
    const load = async () => {
      try {
        const page = await client.list(filters);
        if (!stopped)
          setState({ runs: page.runs, ...(page.cursor && { cursor: page.cursor }), loaded: true });
      } catch (error) {
        if (!stopped)
          setState((s) => ({
            ...s,
            loaded: true,
            error: String((error as Error).message ?? error),
          }));
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [client, filters.status, filters.action]);
  const more = async () => {
    const cursor = extra ? extra.cursor : state.cursor;
    if (!cursor) return;
    const page = await client.list({ ...filters, cursor });
    setExtra({
      runs: [...(extra?.runs ?? []), ...page.runs],
      ...(page.cursor && { cursor: page.cursor }),
    });
  };
  const runs = [...state.runs, ...(extra?.runs ?? [])];
  const hasMore = extra ? extra.cursor !== undefined : state.cursor !== undefined;
  return { ...state, runs, hasMore, more };
}

/** A run's status as a coloured badge. */
export function StatusBadge({ status }: { readonly status: string }) {
  return (
    <span class={`badge st-${status.toLowerCase()}`} data-status={status}>
      {status}
    </span>
  );
}

/** A progress bar, 0–100. */
export function ProgressBar({ value }: { readonly value: number }) {
  return (
    <span class="progress" data-progress={String(Math.round(value))} title={`${value} %`}>
      <span class="track">
        <span class="fill" style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
      </span>
      <span class="pct">{Math.round(value)} %</span>
    </span>
  );
}

function RunRow({ run }: { readonly run: RunSummary }) {
  const end = run.processing_ended ?? Date.now();
  return (
    <tr data-run={run.request_id} data-status={run.status}>
      <td>
        <a href={`#/runs/${encodeURIComponent(run.request_id)}`}>{run.request_id}</a>
      </td>
      <td>{run.action}</td>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td>
        <ProgressBar value={run.progress} />
        {run.progress_message && <span class="muted"> {run.progress_message}</span>}
      </td>
      <td>{formatTime(run.created_at)}</td>
      <td>{formatDuration(end - run.created_at)}</td>
      <td class="muted">{run.user_id}</td>
    </tr>
  );
}

/** The tenant's runs, newest first, refreshed while open; filters by status and action. */
export function RunList({ client }: { readonly client: StreamerClient }) {
  const [status, setStatus] = useState<ListOptions['status']>();
  const [action, setAction] = useState('');
  const list = useRunList(client, { ...(status && { status }), ...(action && { action }) });
  return (
    <section class="runs">
      <div class="toolbar">
        <h2>Runs</h2>
        <select
          name="status"
          value={status ?? ''}
          onChange={(e) => setStatus((e.currentTarget.value || undefined) as ListOptions['status'])}
        >
          <option value="">every status</option>
          {RUN_STATUSES.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <input
          name="action"
          placeholder="action"
          value={action}
          onChange={(e) => setAction(e.currentTarget.value.trim())}
        />
      </div>
      {list.error && <p class="error">{list.error}</p>}
      <table class="run-table" data-loaded={String(list.loaded)}>
        <thead>
          <tr>
            <th>run</th>
            <th>action</th>
            <th>status</th>
            <th>progress</th>
            <th>created (UTC)</th>
            <th>took</th>
            <th>by</th>
          </tr>
        </thead>
        <tbody>
          {list.runs.map((run) => (
            <RunRow key={run.request_id} run={run} />
          ))}
        </tbody>
      </table>
      {list.loaded && list.runs.length === 0 && <p class="empty">No runs for this tenant yet.</p>}
      {list.hasMore && (
        <button type="button" onClick={() => void list.more()}>
          Load more
        </button>
      )}
    </section>
  );
}
