import { NotDeadLetteredError, redriveRequest, type WorkflowRegistry } from '../engine';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { DeadLetteredPage } from '../projections/dynamodb/requestViewStore';
import type { ReceivedDeadLetter } from './deadLetterQueue';

/** Where a dead-lettered request was found. */
export type RedriveSource = 'index' | 'queue';

/** What one redrive pass did, request by request. */
export interface RedriveReport {
  /** Requests restarted (`request.redriven` appended). */
  readonly redriven: string[];
  /** Requests left alone: not dead-lettered (any more), or not found. */
  readonly skipped: { readonly requestKey: string; readonly reason: string }[];
  /** Requests whose redrive failed (their queue messages are kept); try again after fixing the cause. */
  readonly failed: { readonly requestKey: string; readonly error: string }[];
  /** How many distinct requests each source named (one request may be named by both). */
  readonly found: Readonly<Record<RedriveSource, number>>;
  /** Queue messages deleted (every message of a request that was redriven or skipped). */
  readonly messagesDeleted: number;
}

/** The dead-lettered requests of every tenant, as the request view lists them. */
export interface DeadLetterIndex {
  listDeadLettered(cursor?: string): Promise<DeadLetteredPage>;
}

/** The dead-letter queue, as redrive reads it. */
export interface DeadLetterInbox {
  receive(max?: number): Promise<ReceivedDeadLetter[]>;
  delete(receiptHandle: string): Promise<void>;
}

/** What {@link redriveDeadLetters} needs. */
export interface RedriveDeps {
  /** The request view's dead-letter index: the record of every dead letter (with the log). */
  readonly views: DeadLetterIndex;
  /** The dead-letter queue, when there is one: its messages are read, and deleted once handled. */
  readonly queue?: DeadLetterInbox;
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly clock: () => number;
  /** Who redrives, recorded in `request.redriven`. */
  readonly by: string;
  /** Stop after this many requests (default: all of them). */
  readonly max?: number;
}

interface Candidate {
  readonly tenantId: string;
  readonly sources: Set<RedriveSource>;
  readonly receipts: string[];
}

/**
 * Restarts every dead-lettered request. The request view's sparse
 * `deadLettered` index lists them for every tenant; the dead-letter queue's
 * messages add any the view has not caught up with yet. Each request is
 * checked against its log — the record — and, if still dead-lettered,
 * restarted with `request.redriven` (whose stream record wakes the
 * processor, which gives the failed step fresh attempts). Then its queue
 * messages, if any, are deleted.
 *
 * A lost or expired message therefore loses nothing, and the pass is safe to
 * run twice or after a crash: a request already redriven is skipped, and its
 * leftover messages are deleted without touching it.
 *
 * @example
 * const report = await redriveDeadLetters({ views, queue, store, registry, clock: Date.now, by: 'ops' });
 * console.log(`redrove ${report.redriven.length}`);
 */
export async function redriveDeadLetters(deps: RedriveDeps): Promise<RedriveReport> {
  const candidates = await collectCandidates(deps);
  const redriven: string[] = [];
  const skipped: RedriveReport['skipped'] = [];
  const failed: RedriveReport['failed'] = [];
  let messagesDeleted = 0;
  let handled = 0;
  for (const [requestKey, candidate] of candidates) {
    if (handled++ >= (deps.max ?? Number.POSITIVE_INFINITY)) break;
    try {
      const outcome = await redriveOne(deps, requestKey, candidate.tenantId);
      if (outcome === 'redriven') redriven.push(requestKey);
      else skipped.push({ requestKey, reason: outcome.skipped });
      for (const receipt of candidate.receipts) {
        await deps.queue?.delete(receipt);
        messagesDeleted++;
      }
    } catch (error) {
      failed.push({ requestKey, error: describe(error) });
    }
  }
  const found = { index: count(candidates, 'index'), queue: count(candidates, 'queue') };
  return { redriven, skipped, failed, found, messagesDeleted };
}

/** Every request the index or the queue names as dead-lettered, with the queue's receipts. */
async function collectCandidates(deps: RedriveDeps): Promise<Map<string, Candidate>> {
  const candidates = new Map<string, Candidate>();
  const add = (requestKey: string, tenantId: string, source: RedriveSource, receipt?: string) => {
    const candidate = candidates.get(requestKey) ?? {
      tenantId,
      sources: new Set<RedriveSource>(),
      receipts: [],
    };
    candidate.sources.add(source);
    if (receipt !== undefined) candidate.receipts.push(receipt);
    candidates.set(requestKey, candidate);
  };
  let cursor: string | undefined;
  do {
    const page = await deps.views.listDeadLettered(cursor);
    for (const view of page.views) add(view.requestKey, view.tenantId, 'index');
    cursor = page.cursor;
  } while (cursor);
  for (const { message, receiptHandle } of await drain(deps.queue)) {
    add(message.requestKey, message.tenantId, 'queue', receiptHandle);
  }
  return candidates;
}

/** Every message the queue hands out now (each stays invisible for the queue's visibility timeout). */
async function drain(queue: DeadLetterInbox | undefined): Promise<ReceivedDeadLetter[]> {
  const received: ReceivedDeadLetter[] = [];
  if (!queue) return received;
  for (;;) {
    const batch = await queue.receive(10);
    if (batch.length === 0) return received;
    received.push(...batch);
  }
}

async function redriveOne(
  deps: RedriveDeps,
  requestKey: string,
  tenantId: string,
): Promise<'redriven' | { skipped: string }> {
  const log = await deps.store.read(requestKey);
  const stale = staleReason(log);
  if (stale) return { skipped: stale };
  try {
    await redriveRequest(deps.store, deps.registry, requestKey, {
      tenantId: log[0]?.tenantId ?? tenantId,
      userId: deps.by,
      now: deps.clock(),
      by: deps.by,
    });
    return 'redriven';
  } catch (error) {
    if (!(error instanceof NotDeadLetteredError)) throw error;
    return { skipped: 'not dead-lettered any more' };
  }
}

/** Why the log says this request must not be redriven, or undefined when it is dead-lettered now. */
function staleReason(log: readonly StoredEvent[]): string | undefined {
  if (log.length === 0) return 'request not found';
  const lastDeadLetter = log.findLast((event) => event.type === 'request.dead_lettered');
  if (!lastDeadLetter) return 'request was never dead-lettered';
  if (log.some((event) => event.seq > lastDeadLetter.seq && event.type === 'request.redriven')) {
    return 'already redriven';
  }
  return undefined;
}

function count(candidates: Map<string, Candidate>, source: RedriveSource): number {
  let n = 0;
  for (const candidate of candidates.values()) if (candidate.sources.has(source)) n++;
  return n;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
