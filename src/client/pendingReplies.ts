import type { AcknowledgmentFrame, ErrorFrame, ResponseFrame } from '../protocol/frames';
import { StreamerError } from './streamerError';

/** A frame that answers one message (by the message's id). */
export type ReplyFrame = ResponseFrame | AcknowledgmentFrame | ErrorFrame;

/** Who waits for a message's reply. */
export interface ReplyWaiter {
  onReply(frame: ReplyFrame): void;
  /** No reply will come: the connection dropped (`DISCONNECTED`), time ran out (`NO_REPLY`), or the client closed (`CLOSED`). */
  onLost(error: StreamerError): void;
}

/**
 * The messages sent on the current connection that await their reply. A
 * reply is the `$default` route's response, so it can only arrive on the
 * connection the message went out on: a drop loses every one of them.
 */
export class PendingReplies {
  readonly #waiting = new Map<
    string,
    { readonly waiter: ReplyWaiter; readonly timer: ReturnType<typeof setTimeout> }
  >();

  /** Waits for the reply to message `id` for at most `timeoutMs` (replacing an earlier wait for the same id). */
  add(id: string, waiter: ReplyWaiter, timeoutMs: number): void {
    clearTimeout(this.#waiting.get(id)?.timer);
    const timer = setTimeout(() => {
      this.#waiting.delete(id);
      waiter.onLost(
        new StreamerError('NO_REPLY', `No reply to message ${id} within ${timeoutMs} ms`, {
          requestId: id,
        }),
      );
    }, timeoutMs);
    this.#waiting.set(id, { waiter, timer });
  }

  /** Hands a reply to its waiter; false when nobody waits for it. */
  settle(frame: ReplyFrame): boolean {
    const id = frame.request_id;
    const entry = id === undefined ? undefined : this.#waiting.get(id);
    if (!entry || id === undefined) return false;
    this.#waiting.delete(id);
    clearTimeout(entry.timer);
    entry.waiter.onReply(frame);
    return true;
  }

  /** Every waiter learns that its reply is lost, with `error` (its `requestId` set per message). */
  loseAll(code: 'DISCONNECTED' | 'CLOSED', message: string): void {
    const entries = [...this.#waiting];
    this.#waiting.clear();
    for (const [id, { waiter, timer }] of entries) {
      clearTimeout(timer);
      waiter.onLost(new StreamerError(code, message, { requestId: id }));
    }
  }
}
