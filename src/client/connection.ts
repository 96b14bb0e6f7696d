import ReconnectingWebSocket from 'partysocket/ws';
import { type FullReconnectPolicy, reconnectDelayMs } from './backoff';
import { resolveWebSocket, type WebSocketConstructor } from './webSocketImpl';

/** A JWT, or a function giving a fresh one (called again before every connection attempt). */
export type TokenSource = string | (() => string | Promise<string>);

/** A change of the client's connection, for logs and UIs. */
export type ConnectionEvent =
  | { readonly type: 'open' }
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'error'; readonly error: unknown };

/** Settings of one {@link Connection}. */
export interface ConnectionSettings {
  readonly url: string;
  readonly token: TokenSource;
  readonly WebSocket?: WebSocketConstructor;
  readonly reconnect: FullReconnectPolicy;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly maxConnectionMs: number;
  readonly random: () => number;
}

/** What the connection tells its owner. */
export interface ConnectionListener {
  /** A new connection is open (the first or a reconnect): resubscribe now. */
  onOpen(): void;
  onText(text: string): void;
  /** An open connection is gone (a reconnect follows unless the client was closed). */
  onDrop(): void;
  onEvent(event: ConnectionEvent): void;
}

const PING = JSON.stringify({ action: 'ping' });
/** Close code of a reconnect the client chose (keep-alive failure, connection age). */
const RECONNECT_CODE = 4000;

/** The URL with the token in the query string, as API Gateway's authorizer reads it. */
export function urlWithToken(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('Authorization', token);
  return parsed.toString();
}

/**
 * One logical connection that survives drops: partysocket's
 * `ReconnectingWebSocket` does the reconnect loop; this adds what API
 * Gateway needs — a fresh token and a jittered wait in the URL provider, a
 * `ping` before the idle limit (with a deadline for the answer), and a
 * reconnect of its own before the connection-age limit.
 */
export class Connection {
  readonly #settings: ConnectionSettings;
  readonly #listener: ConnectionListener;
  readonly #closing = new AbortController();
  #socket: ReconnectingWebSocket | undefined;
  #open = false;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #ageTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(settings: ConnectionSettings, listener: ConnectionListener) {
    this.#settings = settings;
    this.#listener = listener;
    void resolveWebSocket(settings.WebSocket).then(
      (WebSocket) => this.#connect(WebSocket),
      (error: unknown) => listener.onEvent({ type: 'error', error }),
    );
  }

  /** Whether a connection is open right now. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Sends now and returns true, or returns false when no connection is open. */
  send(text: string): boolean {
    if (!this.#open || !this.#socket) return false;
    this.#socket.send(text);
    this.#armPing();
    return true;
  }

  /** Drops the current connection and opens a new one at once. */
  reconnect(): void {
    this.#socket?.reconnect(RECONNECT_CODE, 'Reconnecting');
  }

  /** Closes for good. */
  close(): void {
    this.#closing.abort();
    this.#socket?.close(1000, 'Client closed');
    this.#onClose(1000, 'Client closed');
  }

  #connect(WebSocket: WebSocketConstructor): void {
    if (this.#closing.signal.aborted) return;
    const { reconnect } = this.#settings;
    const socket = new ReconnectingWebSocket(() => this.#nextUrl(), undefined, {
      WebSocket,
      // The wait is ours (jittered, in #nextUrl); partysocket's would add a fixed one.
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      minUptime: reconnect.minUptimeMs,
      connectionTimeout: reconnect.connectTimeoutMs,
      // Never replay raw messages on a new connection: the client resubscribes itself.
      maxEnqueuedMessages: 0,
    });
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.#onOpen());
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    socket.addEventListener('close', (event) => this.#onClose(event.code, event.reason));
    socket.addEventListener('error', (event) => {
      if (!this.#closing.signal.aborted) {
        this.#listener.onEvent({ type: 'error', error: event.error ?? event });
      }
    });
  }

  async #nextUrl(): Promise<string> {
    const attempt = this.#socket?.retryCount ?? 0;
    const delay = reconnectDelayMs(attempt, this.#settings.reconnect, this.#settings.random);
    if (delay > 0) await this.#sleep(delay);
    const { token } = this.#settings;
    return urlWithToken(this.#settings.url, typeof token === 'function' ? await token() : token);
  }

  /** Waits `ms`, or rejects at once when the client closes (partysocket then stops trying). */
  #sleep(ms: number): Promise<void> {
    const signal = this.#closing.signal;
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        reject(new Error('The client was closed'));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', stop);
        resolve();
      }, ms);
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  #onOpen(): void {
    this.#open = true;
    const { maxConnectionMs, random } = this.#settings;
    // Up to 10 % early, so clients connected together do not all reconnect together.
    this.#ageTimer = setTimeout(() => this.reconnect(), maxConnectionMs * (1 - random() / 10));
    this.#armPing();
    this.#listener.onEvent({ type: 'open' });
    this.#listener.onOpen();
  }

  #onMessage(data: unknown): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    if (typeof data === 'string') this.#listener.onText(data);
    else if (data instanceof ArrayBuffer) this.#listener.onText(new TextDecoder().decode(data));
  }

  #onClose(code: number, reason: string): void {
    for (const timer of [this.#pingTimer, this.#pongTimer, this.#ageTimer]) clearTimeout(timer);
    this.#pongTimer = undefined;
    if (!this.#open) return;
    this.#open = false;
    this.#listener.onEvent({ type: 'close', code, reason });
    this.#listener.onDrop();
  }

  /** A ping goes out after `pingIntervalMs` without any message from us (API Gateway's idle timer counts those). */
  #armPing(): void {
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => {
      if (!this.send(PING)) return;
      this.#pongTimer ??= setTimeout(() => this.reconnect(), this.#settings.pongTimeoutMs);
    }, this.#settings.pingIntervalMs);
  }
}
