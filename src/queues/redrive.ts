import { NotDeadLetteredError, redriveRequest, type WorkflowRegistry } from '../engine';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { SqsDeadLetterQueue } from './deadLetterQueue';

/** What one redrive pass did, message by message. */
export interface RedriveReport {
  /** Requests restarted (`request.redriven` appended). */
  readonly redriven: string[];
  /** Messages deleted without a restart: already redriven, or superseded by a newer dead-letter. */
  readonly skipped: { readonly requestKey: string; readonly reason: string }[];
  /** Messages left in the queue because handling them failed; they reappear later. */
  readonly failed: { readonly requestKey: string; readonly error: string }[];
}

/** What {@link redriveDeadLetters} needs. */
export interface RedriveDeps {
  readonly queue: SqsDeadLetterQueue;
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly clock: () => number;
  /** Who redrives, recorded in `request.redriven`. */
  readonly by: string;
  /** Stop after this many messages (default: until the queue looks empty). */
  readonly max?: number;
}

/**
 * Drains the dead-letter queue: for each message whose request is still
 * dead-lettered by that very failure, appends `request.redriven` (the stream
 * record wakes the processor, which restarts the failed step with fresh
 * attempts), then deletes the message. Safe to run twice and safe after a
 * crash: a message whose request was already redriven, or that a newer
 * dead-letter superseded, is deleted without touching the request.
 */
export async function redriveDeadLetters(deps: RedriveDeps): Promise<RedriveReport> {
  const report: RedriveReport = { redriven: [], skipped: [], failed: [] };
  const max = deps.max ?? Number.POSITIVE_INFINITY;
  let handled = 0;
  while (handled < max) {
    const batch = await deps.queue.receive(Math.min(10, max - handled));
    if (batch.length === 0) break;
    for (const { message, receiptHandle } of batch) {
      handled++;
      try {
        const log = await deps.store.read(message.requestKey);
        const stale = staleReason(log, message.messageId);
        if (stale) {
          report.skipped.push({ requestKey: message.requestKey, reason: stale });
        } else {
          try {
            await redriveRequest(deps.store, deps.registry, message.requestKey, {
              tenantId: message.tenantId,
              userId: deps.by,
              now: deps.clock(),
              by: deps.by,
            });
            report.redriven.push(message.requestKey);
          } catch (error) {
            if (!(error instanceof NotDeadLetteredError)) throw error;
            report.skipped.push({
              requestKey: message.requestKey,
              reason: 'not dead-lettered any more',
            });
          }
        }
        await deps.queue.delete(receiptHandle);
      } catch (error) {
        report.failed.push({
          requestKey: message.requestKey,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
  return report;
}

/** Why a message must not restart its request, or undefined when it should. */
function staleReason(log: readonly StoredEvent[], messageId: string): string | undefined {
  if (log.length === 0) return 'request not found';
  const lastDeadLetter = log.findLast((event) => event.type === 'request.dead_lettered');
  if (!lastDeadLetter) return 'request was never dead-lettered';
  if ((lastDeadLetter.data as { messageId?: string }).messageId !== messageId) {
    return 'superseded by a newer dead-letter of the same request';
  }
  if (log.some((event) => event.seq > lastDeadLetter.seq && event.type === 'request.redriven')) {
    return 'already redriven';
  }
  return undefined;
}
