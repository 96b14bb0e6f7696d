import { useEffect, useState } from 'preact/hooks';
import type { DescribeData, HistoryData, HistoryEvent, StreamerClient } from '../client';

/** Everything known about a run: its whole history so far, where it stands, and its workflow. */
export interface RunData {
  readonly events: readonly HistoryEvent[];
  readonly history?: Omit<HistoryData, 'events'>;
  readonly workflow?: DescribeData;
  readonly error?: string;
}

/** How often a live run's history is read again (frames only come for progress and the end). */
const POLL_MS = 1_000;

/** Reads every page after the events already held. */
async function readNewEvents(client: StreamerClient, id: string, held: readonly HistoryEvent[]) {
  let afterSeq = held.at(-1)?.seq ?? 0;
  const events = [...held];
  for (;;) {
    const page = await client.history(id, { afterSeq });
    events.push(...page.events);
    if (page.next_after_seq === undefined) return { events, history: page };
    afterSeq = page.next_after_seq;
  }
}

/**
 * Follows a run: its history (read again on every frame of it, and every
 * second until it has finished — state changes without progress send no
 * frame), and its workflow's description.
 */
export function useRun(client: StreamerClient, id: string): RunData & { refresh: () => void } {
  const [data, setData] = useState<RunData>({ events: [] });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let busy = false;
    let held: readonly HistoryEvent[] = [];
    let described = false;
    const refresh = async () => {
      if (busy || stopped) return;
      busy = true;
      try {
        const { events, history } = await readNewEvents(client, id, held);
        held = events;
        const { events: _page, ...rest } = history;
        // A run whose workflow version is gone still has its log: it is drawn without its machine.
        const workflow = described
          ? undefined
          : await client.describe(history.action, history.workflow_version).catch(() => undefined);
        described = true;
        if (!stopped) setData((d) => ({ events, history: rest, workflow: workflow ?? d.workflow }));
        if (history.current.finished) stop();
      } catch (error) {
        if (!stopped) setData((d) => ({ ...d, error: (error as Error).message ?? String(error) }));
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void refresh(), POLL_MS);
    const run = client.attach(id);
    run.result.catch(() => undefined);
    void (async () => {
      for await (const _frame of run.events) void refresh();
    })().catch(() => undefined);
    const stop = () => {
      clearInterval(timer);
      run.close();
    };
    void refresh();
    return () => {
      stopped = true;
      stop();
    };
  }, [client, id, tick]);
  return { ...data, refresh: () => setTick((t) => t + 1) };
}
