import type { ListData, ListOptions, RunSummary, StreamerClient } from '../../client';
import { formatDuration, formatTime } from '../../dashboard/format';
import { printJson, table } from './output';

/** Options of `streamer runs list`. */
export interface ListCommandOptions {
  readonly status?: string;
  readonly action?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
  /** Follow every cursor to the end. */
  readonly all?: boolean;
  readonly json?: boolean;
}

const AGO = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A time flag: `30m`, `2h`, `7d` ago, an ISO 8601 date or time, or epoch ms.
 *
 * @example
 * parseTimeFlag('2h', Date.parse('2026-01-01T12:00:00Z')); // 2026-01-01T10:00:00Z in epoch ms
 */
export function parseTimeFlag(text: string, now = Date.now()): number {
  const ago = AGO.exec(text.trim());
  if (ago?.[1] && ago[2]) return Math.round(now - Number(ago[1]) * (UNIT_MS[ago[2]] ?? 0));
  if (/^\d{12,}$/.test(text.trim())) return Number(text);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new Error(
      `Not a time: ${text} (use 30m, 2h, 7d, an ISO date like 2026-01-31, or epoch ms)`,
    );
  }
  return parsed;
}

function queryOf(options: ListCommandOptions): ListOptions {
  return {
    ...(options.status && { status: options.status.toUpperCase() as ListOptions['status'] }),
    ...(options.action && { action: options.action }),
    ...(options.since && { since: parseTimeFlag(options.since) }),
    ...(options.until && { until: parseTimeFlag(options.until) }),
    ...(options.limit !== undefined && { limit: options.limit }),
    ...(options.cursor && { cursor: options.cursor }),
  };
}

function row(run: RunSummary): string[] {
  const took = (run.processing_ended ?? Date.now()) - run.created_at;
  return [
    run.request_id,
    run.action,
    run.status,
    `${Math.round(run.progress)}%`,
    formatTime(run.created_at),
    formatDuration(took),
    run.progress_message ?? run.error?.message ?? '',
  ];
}

/** `streamer runs list`: one page (or, with `--all`, every page) of the tenant's runs. */
export async function listRuns(
  client: StreamerClient,
  options: ListCommandOptions,
): Promise<number> {
  const query = queryOf(options);
  let page: ListData = await client.list(query);
  const runs = [...page.runs];
  while (options.all && page.cursor) {
    page = await client.list({ ...query, cursor: page.cursor });
    runs.push(...page.runs);
  }
  const cursor = options.all ? undefined : page.cursor;
  if (options.json) {
    printJson({ runs, ...(cursor && { cursor }) });
    return 0;
  }
  if (runs.length === 0) console.log('No runs.');
  else
    console.log(
      table(
        ['RUN', 'ACTION', 'STATUS', 'PROGRESS', 'CREATED (UTC)', 'TOOK', 'MESSAGE'],
        runs.map(row),
      ),
    );
  if (cursor)
    console.log(`\nMore: streamer runs list --cursor ${cursor} (with the same filters), or --all`);
  return 0;
}
