import type { ServerFrame } from '../protocol/frames';
import type { DescribeData, HistoryData, ListData } from '../protocol/inspectData';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, reconnectDelayMs } from './backoff';
import { Connection, type ConnectionEvent, type TokenSource } from './connection';
import { type HistoryOptions, historyPayload, type ListOptions, listPayload } from './inspect';
import { PendingReplies, type ReplyFrame, type ReplyWaiter } from './pendingReplies';
import { randomId } from './randomId';
import type { CancelReply, RunStatus, SignalReply } from './replies';
import { type OutgoingMessage, Run, type RunHandle, type RunHost, type RunOrigin } from './run';
import type { RunFrame } from './runFeed';
import { parseServerFrame } from './serverFrame';
import { StreamerError } from './streamerError';
import type { WebSocketConstructor } from './webSocketImpl';
import type {
  ActionOf,
  AnySignalEvent,
  AnyWorkflows,
  PayloadArgs,
  PayloadOf,
  ResultOf,
  SignalOf,
  WorkflowSet,
} from './workflowTypes';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The WebSocket URL: `wss://<api>.execute-api.<region>.amazonaws.com/<stage>`, or `npm start`'s `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** The JWT, or a (sync or async) function returning a fresh one: called before every connection attempt. */
  readonly token: TokenSource;
  /** The WebSocket implementation. Default: the global one (browsers, Node ≥ 22), else `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /** How reconnection attempts are spaced (jittered exponential backoff). */
  readonly reconnect?: ReconnectPolicy;
  /** Send `ping` after this long without sending anything (API Gateway closes idle connections after 10 min). Default 5 min. */
  readonly pingIntervalMs?: number;
  /** Reconnect when nothing arrives this long after a `ping`. Default 20 s. */
  readonly pongTimeoutMs?: number;
  /** Reconnect on our own after this long (API Gateway's limit is 2 h; up to 10 % earlier, jittered). Default 110 min. */
  readonly maxConnectionMs?: number;
  /** How long to wait for the reply to a message. Default 30 s. */
  readonly replyTimeoutMs?: number;
  /**
   * Keep following a run whose terminal `error` says it was dead-lettered
   * (`details.retryable: true`): after a redrive its later frames, and its
   * `complete`, still arrive on `run.events`. Default true.
   */
  readonly followRedrives?: boolean;
  /** Told when a connection opens, closes or fails, and about frames it could not read. */
  readonly onConnectionEvent?: (event: ConnectionEvent | UnreadableFrameEvent) => void;
  /** Random numbers for jitter (tests pass a fixed one). @internal */
  readonly random?: () => number;
}

/** A message from the server the client could not read as a frame. */
export interface UnreadableFrameEvent {
  readonly type: 'unreadable_frame';
  readonly text: string;
}

/** Options of {@link StreamerClient.start}. */
export interface StartOptions {
  /** The run's id (1–128 characters); reuse it to make a start idempotent. Default: a random UUID. */
  readonly id?: string;
  /** String metadata stored with the request. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of {@link StreamerClient.attach}. */
export interface AttachOptions {
  /** The last `seq` already seen (`run.lastSeq`, persisted): frames after it are delivered. Default 0: all of them. */
  readonly lastSeq?: number;
}

/**
 * A Streamer client, typed by the workflows it talks to.
 *
 * @typeParam W - the workflows (an array, or an object by action) as a type:
 *   `createClient<typeof workflows>(…)` with `import type { workflows }`.
 */
export interface StreamerClient<W extends WorkflowSet = AnyWorkflows> {
  /**
   * Runs an inline (sync) action and resolves with its `response` data; for
   * a durable action, with its result once it completes. Rejects with a
   * {@link StreamerError}. Sent at most once: a drop before the reply
   * rejects with `DISCONNECTED`.
   */
  call<A extends ActionOf<W>>(
    action: A,
    ...payload: PayloadArgs<PayloadOf<W, A>>
  ): Promise<ResultOf<W, A>>;
  /**
   * Starts a workflow run and follows it across reconnects. If the
   * connection drops before the acknowledgment the start is sent again with
   * the same id, which the server never runs twice.
   */
  start<A extends ActionOf<W>>(
    action: A,
    input: PayloadOf<W, A>,
    options?: StartOptions,
  ): RunHandle<ResultOf<W, A>, SignalOf<W, A>>;
  /**
   * Follows a run started elsewhere (another tab, a server, before a page
   * reload) from `lastSeq`. Name its action as the type argument for typed
   * results and signals: `client.attach<'generate_report'>(id, { lastSeq })`.
   */
  attach<A extends ActionOf<W> = ActionOf<W>>(
    id: string,
    options?: AttachOptions,
  ): RunHandle<ResultOf<W, A>, SignalOf<W, A>>;
  /**
   * A page of this tenant's runs, newest first (the `list` action), filtered
   * by status, action and creation time; pass the page's `cursor` back (with
   * the same filters) for the next one.
   *
   * @example
   * const { runs, cursor } = await client.list({ status: 'FAILED', since: Date.now() - 86_400_000 });
   */
  list(options?: ListOptions): Promise<ListData>;
  /** A registered workflow's versions, signals and machine graph (the `describe` action). */
  describe(action: ActionOf<W>, version?: number): Promise<DescribeData>;
  /**
   * A page of a run's log with the machine's state where it changed, and
   * where the run stands now, including the events it accepts (the
   * `history` action).
   */
  history(id: string, options?: HistoryOptions): Promise<HistoryData>;
  /** A run's current state by id, without following it (the `status` action; `run.status()` for a handle). */
  status(id: string): Promise<RunStatus>;
  /** Cancels a run by id, without following it (the `cancel` action). */
  cancel(id: string, reason?: string): Promise<CancelReply>;
  /** Sends an event to a run by id, without following it (the `signal` action). */
  signal(id: string, event: AnySignalEvent): Promise<SignalReply>;
  /** Whether a connection is open right now. */
  readonly connected: boolean;
  /** Closes the connection for good; unsettled results and calls reject with `CLOSED`. */
  close(): void;
}

interface QueuedSend {
  readonly send: () => boolean;
  readonly reject: (error: StreamerError) => void;
}

function replyError(frame: ReplyFrame, id: string): StreamerError {
  if (frame.type !== 'acknowledgment' && frame.error) {
    return StreamerError.fromFrame(frame.error, { requestId: id });
  }
  return new StreamerError('INTERNAL_ERROR', `Unexpected ${frame.type} to message ${id}`, {
    requestId: id,
  });
}

/** The untyped client behind every {@link StreamerClient}. */
class ClientCore implements RunHost {
  readonly followRedrives: boolean;
  readonly #options: ClientOptions;
  readonly #random: () => number;
  readonly #connection: Connection;
  readonly #replies = new PendingReplies();
  readonly #runs = new Map<string, Run>();
  readonly #queue: QueuedSend[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.followRedrives = options.followRedrives ?? true;
    this.#connection = new Connection(
      {
        url: options.url,
        token: options.token,
        ...(options.WebSocket && { WebSocket: options.WebSocket }),
        reconnect: { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect },
        pingIntervalMs: options.pingIntervalMs ?? 5 * 60_000,
        pongTimeoutMs: options.pongTimeoutMs ?? 20_000,
        maxConnectionMs: options.maxConnectionMs ?? 110 * 60_000,
        random: this.#random,
      },
      {
        onOpen: () => this.#onOpen(),
        onText: (text) => this.#onText(text),
        onDrop: () =>
          this.#replies.loseAll('DISCONNECTED', 'The connection dropped before the reply came'),
        onEvent: (event) => this.#options.onConnectionEvent?.(event),
      },
    );
  }

  get connected(): boolean {
    return this.#connection.isOpen;
  }

  /** Follows a new run (a start or an attach) and drives it at once when a connection is open. */
  open(id: string, origin: RunOrigin): Run {
    if (this.#closed) throw new StreamerError('CLOSED', 'The client is closed', { requestId: id });
    if (this.#runs.has(id)) {
      throw new StreamerError('VALIDATION_ERROR', `Run ${id} is already followed by this client`, {
        requestId: id,
      });
    }
    const run = new Run(this, id, origin);
    this.#runs.set(id, run);
    if (this.#connection.isOpen) run.onOpen();
    return run;
  }

  followed(id: string): Run | undefined {
    return this.#runs.get(id);
  }

  send(message: OutgoingMessage, waiter: ReplyWaiter): boolean {
    if (!this.#connection.isOpen) return false;
    this.#replies.add(message.id, waiter, this.#options.replyTimeoutMs ?? 30_000);
    return this.#connection.send(JSON.stringify(message));
  }

  request(action: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new StreamerError('CLOSED', 'The client is closed'));
      const id = this.newId();
      const waiter: ReplyWaiter = {
        onReply: (frame) =>
          frame.type === 'response' && frame.success
            ? resolve(frame.data)
            : reject(replyError(frame, id)),
        onLost: reject,
      };
      const send = () => this.send({ action, id, payload }, waiter);
      if (!send()) this.#queue.push({ send, reject });
    });
  }

  newId(): string {
    return randomId();
  }

  later(attempt: number, retry: () => void): void {
    const policy = { ...DEFAULT_RECONNECT_POLICY, ...this.#options.reconnect };
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        retry();
      },
      Math.max(1, reconnectDelayMs(attempt, policy, this.#random)),
    );
    this.#timers.add(timer);
  }

  forget(run: { readonly id: string }): void {
    if (this.#runs.get(run.id) === run) this.#runs.delete(run.id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#connection.close();
    this.#replies.loseAll('CLOSED', 'The client was closed before the reply came');
    for (const queued of this.#queue.splice(0)) {
      queued.reject(
        new StreamerError('CLOSED', 'The client was closed before the message was sent'),
      );
    }
    for (const run of [...this.#runs.values()]) {
      run.abort(new StreamerError('CLOSED', 'The client was closed', { requestId: run.id }));
    }
  }

  #onOpen(): void {
    for (const run of [...this.#runs.values()]) run.onOpen();
    for (const queued of this.#queue.splice(0)) if (!queued.send()) this.#queue.push(queued);
  }

  #onText(text: string): void {
    const frame = parseServerFrame(text);
    if (!frame) {
      this.#options.onConnectionEvent?.({ type: 'unreadable_frame', text: text.slice(0, 1_000) });
      return;
    }
    const routed = route(frame);
    if (routed.kind === 'run') this.#runs.get(routed.frame.request_id)?.onFrame(routed.frame);
    else if (routed.kind === 'reply') this.#replies.settle(routed.frame);
  }
}

/** Where a frame goes: to a run's feed (its log frames), to a waiting message (replies), or nowhere (`pong`). */
function route(
  frame: ServerFrame,
):
  | { readonly kind: 'run'; readonly frame: RunFrame }
  | { readonly kind: 'reply'; readonly frame: ReplyFrame }
  | { readonly kind: 'none' } {
  switch (frame.type) {
    case 'progress':
    case 'complete':
      return { kind: 'run', frame };
    case 'error':
      // An error with a seq is a run's terminal frame; without, the answer to a message.
      return frame.seq !== undefined && frame.request_id !== undefined
        ? { kind: 'run', frame: frame as RunFrame }
        : { kind: 'reply', frame };
    case 'response':
    case 'acknowledgment':
      return { kind: 'reply', frame };
    case 'pong':
      return { kind: 'none' };
  }
}

/**
 * Connects to Streamer and returns a client typed by your workflows. The
 * connection opens at once, reconnects by itself after any drop (jittered
 * backoff, a fresh token each time), resubscribes every followed run from
 * its last `seq`, and delivers each run's frames in order, exactly once.
 *
 * @example
 * import type { workflows } from './workflows'; // types only: no workflow code in the bundle
 * import { createClient } from 'streamer-engine/client';
 *
 * const client = createClient<typeof workflows>({ url, token: () => auth.getToken() });
 * const run = client.start('generate_report', { start_date: '2026-01-01', end_date: '2026-03-31', format: 'pdf', report_type: 'quarterly' });
 * for await (const frame of run.progress) bar.value = frame.percentage;
 * const report = await run.result;
 */
export function createClient<W extends WorkflowSet = AnyWorkflows>(
  options: ClientOptions,
): StreamerClient<W> {
  const core = new ClientCore(options);
  const client: StreamerClient = {
    call: (action, payload?) => {
      const id = core.newId();
      return core.open(id, { kind: 'start', message: { action, id, payload }, resend: false })
        .result;
    },
    start: (action, input, startOptions = {}) => {
      const id = startOptions.id ?? core.newId();
      const { metadata } = startOptions;
      const message = { action, id, payload: input, ...(metadata && { metadata }) };
      return core.open(id, { kind: 'start', message, resend: true });
    },
    attach: (id, attachOptions = {}) =>
      core.followed(id) ?? core.open(id, { kind: 'attach', lastSeq: attachOptions.lastSeq ?? 0 }),
    list: async (listOptions = {}) =>
      (await core.request('list', listPayload(listOptions))) as ListData,
    describe: async (action, version) =>
      (await core.request('describe', {
        action,
        ...(version !== undefined && { version }),
      })) as DescribeData,
    history: async (id, historyOptions = {}) =>
      (await core.request('history', historyPayload(id, historyOptions))) as HistoryData,
    status: async (id) => (await core.request('status', { request_id: id })) as RunStatus,
    cancel: async (id, reason) =>
      (await core.request('cancel', {
        request_id: id,
        ...(reason !== undefined && { reason }),
      })) as CancelReply,
    signal: async (id, event) =>
      (await core.request('signal', { request_id: id, event })) as SignalReply,
    get connected() {
      return core.connected;
    },
    close: () => core.close(),
  };
  return client as unknown as StreamerClient<W>;
}
