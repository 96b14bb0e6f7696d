import type { ProgressFrame, ResponseFrame } from '../protocol/frames';
import { FrameLog } from './frameLog';
import type { ReplyFrame, ReplyWaiter } from './pendingReplies';
import type { CancelReply, RunStatus, SignalReply, SubscribeReply } from './replies';
import { RunFeed, type RunFrame } from './runFeed';
import { StreamerError } from './streamerError';
import type { AnySignalEvent } from './workflowTypes';

/**
 * A run of a workflow, followed over every reconnect: from `client.start()`
 * or `client.attach()`.
 *
 * @typeParam TResult - what `result` resolves with (the workflow's output).
 * @typeParam TEvent - the events `signal` takes (the machine's events).
 */
export interface RunHandle<TResult = unknown, TEvent extends AnySignalEvent = AnySignalEvent> {
  /** The run's request id (frames echo it; `attach` takes it). */
  readonly id: string;
  /**
   * Every frame up to this log position has been delivered: persist it and
   * pass it to `client.attach(id, { lastSeq })` after a reload.
   */
  readonly lastSeq: number;
  /**
   * Every frame of the run's log — `progress`, `complete`, terminal `error` —
   * in `seq` order, each exactly once, from the start whenever you begin to
   * iterate. Ends after the run's last frame (see docs/client.md for
   * dead-lettered runs); throws a {@link StreamerError} when the run could
   * not be started or followed.
   */
  readonly events: AsyncIterable<RunFrame>;
  /** The `progress` frames of {@link events}; ends at the first terminal frame. */
  readonly progress: AsyncIterable<ProgressFrame>;
  /**
   * The result, on the first terminal frame: resolves with `complete`'s
   * `result` (or a sync action's `response` data), rejects with a
   * {@link StreamerError} carrying the protocol's `code` (`CANCELLED`,
   * `PROCESSING_FAILED`, `TIMEOUT`, `VALIDATION_ERROR` …).
   */
  readonly result: Promise<TResult>;
  /** Asks the server to cancel the run; the terminal `CANCELLED` frame follows. */
  cancel(reason?: string): Promise<CancelReply>;
  /** Sends an event to a run waiting for one (typed by the workflow's machine). */
  signal(event: TEvent): Promise<SignalReply>;
  /** The run's current state, folded from its log by the server. */
  status(): Promise<RunStatus>;
  /** Stops following the run (unsubscribes); an unsettled `result` rejects with `CLOSED`. */
  close(): void;
}

/** A client message as the run sends it. */
export interface OutgoingMessage {
  readonly action: string;
  readonly id: string;
  readonly payload?: unknown;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What a run needs from its client. @internal */
export interface RunHost {
  /** Keep following a run whose terminal error says it was dead-lettered (it may be redriven). */
  readonly followRedrives: boolean;
  /** Sends on the open connection and awaits the reply; false when none is open. */
  send(message: OutgoingMessage, waiter: ReplyWaiter): boolean;
  /** An engine action answered by a `response`: its `data`, or a {@link StreamerError}. */
  request(action: string, payload: unknown): Promise<unknown>;
  newId(): string;
  /** Runs `retry` after a jittered wait that grows with `attempt` (dropped if the client closes). */
  later(attempt: number, retry: () => void): void;
  /** The run is over: stop routing frames to it. */
  forget(run: { readonly id: string }): void;
}

/** How a run begins. @internal */
export type RunOrigin =
  | {
      readonly kind: 'start';
      readonly message: OutgoingMessage;
      /** Send the start again on a new connection when its reply was lost (false for `call`). */
      readonly resend: boolean;
    }
  | { readonly kind: 'attach'; readonly lastSeq: number };

type Phase = 'starting' | 'subscribing' | 'following' | 'finished';

/** Catch-ups that came up short are retried this often before the held frames are delivered anyway. */
const MAX_CATCH_UP_TRIES = 3;

function subscribeReplyOf(frame: ResponseFrame): SubscribeReply | undefined {
  const data = frame.data as Partial<SubscribeReply> | null;
  return data && typeof data.last_seq === 'number' && typeof data.replayed === 'number'
    ? (data as SubscribeReply)
    : undefined;
}

function isDeadLettered(frame: RunFrame): boolean {
  if (frame.type !== 'error' || frame.error.code === 'CANCELLED') return false;
  const details = frame.error.details as { retryable?: unknown } | undefined;
  return details?.retryable === true;
}

/**
 * One followed run: sends its start (or subscribes), feeds frames through a
 * {@link RunFeed}, settles `result` on the first terminal frame.
 * @internal
 */
export class Run<TResult = unknown, TEvent extends AnySignalEvent = AnySignalEvent>
  implements RunHandle<TResult, TEvent>
{
  readonly id: string;
  readonly result: Promise<TResult>;
  readonly events: AsyncIterable<RunFrame>;
  readonly progress: AsyncIterable<ProgressFrame>;
  readonly #host: RunHost;
  readonly #origin: RunOrigin;
  readonly #feed: RunFeed;
  readonly #log = new FrameLog<RunFrame>();
  #phase: Phase;
  #settled = false;
  #resolve!: (value: TResult) => void;
  #reject!: (error: StreamerError) => void;
  #catchUpTries = 0;
  #subscribeFailures = 0;
  #statusChecked = false;

  constructor(host: RunHost, id: string, origin: RunOrigin) {
    this.id = id;
    this.#host = host;
    this.#origin = origin;
    this.#feed = new RunFeed(origin.kind === 'attach' ? origin.lastSeq : 0);
    this.#phase = origin.kind === 'start' ? 'starting' : 'subscribing';
    this.result = new Promise<TResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody has to await `result`: a rejection is never "unhandled".
    this.result.catch(() => undefined);
    this.events = this.#log.iterate();
    this.progress = this.#log.iterate<ProgressFrame>((frame) =>
      frame.type === 'progress' ? 'yield' : 'stop',
    );
  }

  get lastSeq(): number {
    return this.#feed.lastSeq;
  }

  /** A connection opened: (re)send the start, or subscribe from the last seq. */
  onOpen(): void {
    if (this.#phase === 'starting') this.#sendStart();
    else if (this.#phase !== 'finished') this.#subscribe();
  }

  /** A frame of this run's log arrived. */
  onFrame(frame: RunFrame): void {
    if (this.#phase === 'finished') return;
    for (const next of this.#feed.accept(frame)) this.#deliver(next);
  }

  cancel(reason?: string): Promise<CancelReply> {
    const payload = { request_id: this.id, ...(reason !== undefined && { reason }) };
    return this.#host.request('cancel', payload) as Promise<CancelReply>;
  }

  signal(event: TEvent): Promise<SignalReply> {
    return this.#host.request('signal', { request_id: this.id, event }) as Promise<SignalReply>;
  }

  status(): Promise<RunStatus> {
    return this.#host.request('status', { request_id: this.id }) as Promise<RunStatus>;
  }

  close(): void {
    if (this.#phase === 'finished') return;
    if (this.#phase !== 'starting') {
      this.#host.request('unsubscribe', { request_id: this.id }).catch(() => undefined);
    }
    this.#finish(new StreamerError('CLOSED', `Run ${this.id} was closed`, { requestId: this.id }));
  }

  /** The client closed or cannot follow the run any more. */
  abort(error: StreamerError): void {
    this.#finish(error);
  }

  #sendStart(): void {
    if (this.#origin.kind !== 'start') return;
    const { message, resend } = this.#origin;
    this.#host.send(message, {
      onReply: (frame) => this.#onStartReply(frame),
      onLost: (error) => {
        if (!resend) this.#finish(error);
        else if (error.code === 'NO_REPLY') this.#sendStart();
      },
    });
  }

  #onStartReply(frame: ReplyFrame): void {
    if (frame.type === 'acknowledgment') {
      // A repeated id (ours, re-sent after a drop, or one started elsewhere) gets no live frames here.
      if (frame.duplicate) this.#subscribe();
      else this.#phase = 'following';
    } else if (frame.type === 'response' && frame.success) {
      this.#settle({ ok: true, value: frame.data as TResult });
      this.#finish();
    } else {
      this.#finish(this.#errorOf(frame));
    }
  }

  #subscribe(): void {
    this.#phase = 'subscribing';
    const lastSeq = this.#feed.beginCatchUp();
    const message = {
      action: 'subscribe',
      id: this.#host.newId(),
      payload: { request_id: this.id, last_seq: lastSeq },
    };
    this.#host.send(message, {
      onReply: (frame) => this.#onSubscribeReply(frame),
      // A drop re-subscribes on the next connection; silence re-subscribes now.
      onLost: (error) => {
        if (error.code === 'NO_REPLY') this.#subscribe();
      },
    });
  }

  #onSubscribeReply(frame: ReplyFrame): void {
    if (this.#phase !== 'subscribing') return;
    const reply = frame.type === 'response' && frame.success ? subscribeReplyOf(frame) : undefined;
    if (!reply) {
      this.#onSubscribeRefused(frame);
      return;
    }
    this.#subscribeFailures = 0;
    const caughtUp = this.#feed.endCatchUp(reply.last_seq, reply.replayed);
    if (caughtUp.kind === 'incomplete' && ++this.#catchUpTries < MAX_CATCH_UP_TRIES) {
      this.#subscribe();
      return;
    }
    const frames = caughtUp.kind === 'caught_up' ? caughtUp.frames : this.#feed.abandonCatchUp();
    this.#catchUpTries = 0;
    this.#phase = 'following';
    for (const next of frames) this.#deliver(next);
    if (this.#origin.kind === 'attach' && !this.#settled && !this.#statusChecked) {
      this.#statusChecked = true;
      void this.#settleFromStatus();
    }
  }

  #onSubscribeRefused(frame: ReplyFrame): void {
    const error = this.#errorOf(frame);
    // Transient refusals are retried; any other answer means the run cannot be followed.
    if (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL_ERROR') {
      this.#host.later(++this.#subscribeFailures, () => {
        if (this.#phase === 'subscribing') this.#subscribe();
      });
    } else {
      this.#finish(error);
    }
  }

  /**
   * An attached run whose terminal frame is at or before the `lastSeq` it
   * was attached with gets no terminal frame: settle from its status.
   */
  async #settleFromStatus(): Promise<void> {
    const status = await this.status().catch(() => undefined);
    if (!status || this.#settled || status.last_seq > this.#feed.lastSeq) return;
    if (status.status === 'COMPLETED') {
      this.#settle({ ok: true, value: status.result as TResult });
      this.#finish();
    } else if (status.error && ['FAILED', 'CANCELLED', 'DEAD_LETTERED'].includes(status.status)) {
      const { code, message, details } = status.error;
      const error = new StreamerError(code as StreamerError['code'], message, {
        requestId: this.id,
        details,
      });
      this.#settle({ ok: false, error });
      if (status.status !== 'DEAD_LETTERED' || !this.#host.followRedrives) this.#finish();
    }
  }

  #deliver(frame: RunFrame): void {
    this.#log.push(frame);
    if (frame.type === 'progress') return;
    if (frame.type === 'complete') {
      this.#settle({ ok: true, value: frame.result as TResult });
      this.#finish();
      return;
    }
    const error = StreamerError.fromFrame(frame.error, { requestId: this.id, seq: frame.seq });
    this.#settle({ ok: false, error });
    // A dead-lettered run may be redriven: its later frames (and `complete`) still arrive.
    if (!(this.#host.followRedrives && isDeadLettered(frame))) this.#finish();
  }

  #settle(outcome: { ok: true; value: TResult } | { ok: false; error: StreamerError }): void {
    if (this.#settled) return;
    this.#settled = true;
    if (outcome.ok) this.#resolve(outcome.value);
    else this.#reject(outcome.error);
  }

  /** Over for this client: `error` when it ended without (or before) its terminal frame. */
  #finish(error?: StreamerError): void {
    if (this.#phase === 'finished') return;
    this.#phase = 'finished';
    if (error && !this.#settled) {
      this.#settle({ ok: false, error });
      this.#log.fail(error);
    } else {
      this.#log.end();
    }
    this.#host.forget(this);
  }

  #errorOf(frame: ReplyFrame): StreamerError {
    if (frame.type === 'acknowledgment') {
      return new StreamerError('INTERNAL_ERROR', 'Unexpected acknowledgment', {
        requestId: this.id,
      });
    }
    const error = frame.error ?? { code: 'INTERNAL_ERROR', message: 'The request failed' };
    return StreamerError.fromFrame(error, { requestId: this.id });
  }
}
