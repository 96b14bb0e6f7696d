import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { WorkflowRegistry } from '../engine/registry';
import type { LifecycleEventData } from '../events';
import { DynamoDbEventStore } from '../events/dynamodb';
import type { RequestStatus } from '../projections/requestView';
import { requestViewTable } from '../tables/definitions';

/**
 * `streamer versions`: which workflow versions still have runs that are not
 * finished, so a deploy never drops a version a run still needs (its log
 * replays only through the version that started it).
 */

/** Statuses of a run that will still replay its log: running or waiting, or dead-lettered (a redrive restarts it). */
export const OPEN_STATUSES: readonly RequestStatus[] = [
  'PENDING',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'DEAD_LETTERED',
];

/** Where {@link listOpenVersions} reads. */
export interface OpenVersionsOptions {
  readonly client: DynamoDBClient;
  readonly tables: {
    /** The event log (`streamer-<stage>-Requests`). */
    readonly requests: string;
    /** The request view (`streamer-<stage>-RequestView`). */
    readonly requestView: string;
  };
  /** How many logs are read at once. Default 8. */
  readonly concurrency?: number;
}

/** The unfinished runs of one workflow version. */
export interface OpenVersion {
  readonly action: string;
  readonly workflowVersion: number;
  /** Runs pending, processing or retrying. */
  readonly open: number;
  /** Dead-lettered runs, which a redrive would restart on this version. */
  readonly deadLettered: number;
  /** When the oldest of them was accepted, epoch ms. */
  readonly oldestCreatedAt: number;
  /** Up to five of their request keys, to look at with `streamer runs`. */
  readonly examples: readonly string[];
}

interface OpenRun {
  readonly requestKey: string;
  readonly status: RequestStatus;
  readonly createdAt: number;
}

/**
 * Lists unfinished runs per action and workflow version, newest version
 * first. The request view says which runs are unfinished; the version comes
 * from each one's `request.accepted` (the view does not carry it), so this
 * costs one scan of the view plus one log read per unfinished run.
 *
 * A view row expires 7 days after its request was accepted (its TTL), so a
 * run older than that is missed; see docs/deploy.md.
 *
 * @example
 * const versions = await listOpenVersions({ client, tables: { requests: 'streamer-prod-Requests', requestView: 'streamer-prod-RequestView' } });
 * // [{ action: 'expense_approval', workflowVersion: 1, open: 3, deadLettered: 0, … }]
 */
export async function listOpenVersions(options: OpenVersionsOptions): Promise<OpenVersion[]> {
  const runs = await scanOpenRuns(options);
  const store = new DynamoDbEventStore({
    client: options.client,
    tableName: options.tables.requests,
  });
  const groups = new Map<string, { action: string; workflowVersion: number; runs: OpenRun[] }>();
  await forEachLimited(runs, options.concurrency ?? 8, async (run) => {
    const [accepted] = await store.read(run.requestKey);
    if (accepted?.type !== 'request.accepted') return;
    const { action, workflowVersion } = accepted.data as LifecycleEventData['request.accepted'];
    const id = `${action}@${workflowVersion}`;
    const group = groups.get(id) ?? { action, workflowVersion, runs: [] };
    group.runs.push(run);
    groups.set(id, group);
  });
  return [...groups.values()]
    .map(({ action, workflowVersion, runs: of }) => ({
      action,
      workflowVersion,
      open: of.filter((r) => r.status !== 'DEAD_LETTERED').length,
      deadLettered: of.filter((r) => r.status === 'DEAD_LETTERED').length,
      oldestCreatedAt: Math.min(...of.map((r) => r.createdAt)),
      examples: of
        .map((r) => r.requestKey)
        .sort()
        .slice(0, 5),
    }))
    .sort((a, b) => a.action.localeCompare(b.action) || b.workflowVersion - a.workflowVersion);
}

/**
 * The versions with unfinished runs that `registry` (the workflows about to
 * be deployed) no longer has: deploying it would strand those runs. Empty
 * means the deploy is safe as far as versions go.
 *
 * @example
 * const stranded = findStrandedVersions(await listOpenVersions(options), createWorkflowRegistry(workflows));
 * if (stranded.length > 0) process.exitCode = 1;
 */
export function findStrandedVersions(
  versions: readonly OpenVersion[],
  registry: WorkflowRegistry,
): OpenVersion[] {
  return versions.filter((v) => registry.get(v.action, v.workflowVersion) === undefined);
}

/** A table for the terminal: one line per action and version. */
export function formatOpenVersions(versions: readonly OpenVersion[], now: number): string {
  if (versions.length === 0) return 'No unfinished runs: every workflow version can be retired.';
  const days = (ms: number) => `${Math.floor((now - ms) / 86_400_000)} d`;
  const rows = versions.map((v) => [
    v.action,
    `v${v.workflowVersion}`,
    String(v.open),
    String(v.deadLettered),
    days(v.oldestCreatedAt),
  ]);
  const header = ['action', 'version', 'open', 'dead-lettered', 'oldest'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function scanOpenRuns(options: OpenVersionsOptions): Promise<OpenRun[]> {
  const key = requestViewTable.partitionKey.name;
  const statuses = Object.fromEntries(OPEN_STATUSES.map((s, i) => [`:s${i}`, { S: s }]));
  const runs: OpenRun[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await options.client.send(
      new ScanCommand({
        TableName: options.tables.requestView,
        FilterExpression: `#status IN (${Object.keys(statuses).join(', ')})`,
        ProjectionExpression: '#key, #status, createdAt',
        ExpressionAttributeNames: { '#key': key, '#status': 'status' },
        ExpressionAttributeValues: statuses,
        ConsistentRead: true,
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) {
      const row = unmarshall(item);
      runs.push({
        requestKey: String(row[key]),
        status: row.status,
        createdAt: Number(row.createdAt),
      });
    }
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey);
  return runs;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What `streamer versions` needs: where to read, and optionally the workflows about to be deployed. */
export interface VersionsCommandOptions extends OpenVersionsOptions {
  /** The registry of the workflows module you are about to deploy; with it, stranded versions fail the command. */
  readonly deploying?: WorkflowRegistry;
  readonly now: number;
  readonly print: (text: string) => void;
}

/**
 * `streamer versions [--workflows <module about to be deployed>]`: prints the
 * unfinished runs per version and returns the exit code: 1 when the module
 * about to be deployed lacks a version that unfinished runs still need (the
 * deploy would strand them), else 0. Run it before every deploy that removes
 * a workflow version.
 */
export async function versionsCommand(options: VersionsCommandOptions): Promise<number> {
  const versions = await listOpenVersions(options);
  options.print(formatOpenVersions(versions, options.now));
  if (!options.deploying) return 0;
  const stranded = findStrandedVersions(versions, options.deploying);
  if (stranded.length === 0) return 0;
  const names = stranded.map((v) => `${v.action} v${v.workflowVersion}`).join(', ');
  options.print(
    `\nThe workflows about to be deployed no longer have ${names}, which unfinished runs still replay through. Keep those versions in the module until \`streamer versions\` lists no run of them (let them finish, or cancel them), then deploy again.`,
  );
  return 1;
}
