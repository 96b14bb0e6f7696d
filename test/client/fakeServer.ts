import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** A client message as the fake server received it. */
export interface ReceivedMessage {
  readonly action: string;
  readonly id?: string;
  readonly payload?: Record<string, unknown>;
  readonly metadata?: Record<string, string>;
}

/** One connection the fake server accepted. */
export interface FakeConnection {
  /** Its position among the server's connections (0 = the first). */
  readonly index: number;
  /** The `Authorization` query parameter of its handshake. */
  readonly token: string;
  /** Every message received on it, in order. */
  readonly messages: ReceivedMessage[];
  /** Resolves with the first message not taken yet that matches (waiting for it if needed). */
  take(predicate?: (message: ReceivedMessage) => boolean): Promise<ReceivedMessage>;
  /** Sends a frame (an object, as JSON; a string as is). */
  send(frame: unknown): void;
  /** The server ends the connection (as API Gateway or a `DELETE /@connections/{id}` does). */
  drop(code?: number): void;
  /** The close code, once closed, and who closed it. */
  readonly closed: Promise<{ readonly code: number; readonly by: 'server' | 'client' }>;
}

/** Options of {@link startFakeServer}. */
export interface FakeServerOptions {
  /** Refuse a handshake (HTTP 401) whose token this rejects. Default: accept all. */
  readonly accepts?: (token: string) => boolean;
  /** Answer `ping` with `pong`. Default true. */
  readonly answerPings?: boolean;
  /** Close (1001) after this long without a client message, as API Gateway does after 10 min. */
  readonly idleTimeoutMs?: number;
  /** Close (1001) any connection after this long, as API Gateway does after 2 h. */
  readonly maxConnectionMs?: number;
}

/** An in-process WebSocket server a unit test scripts frame by frame. */
export interface FakeServer {
  /** `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every accepted connection, in order. */
  readonly connections: FakeConnection[];
  /** Tokens of every handshake, refused ones included. */
  readonly handshakeTokens: string[];
  /** Resolves with connection `index` (0-based) once it is open. */
  connection(index: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

function createWaiters<T>(items: T[]) {
  const taken = new Set<number>();
  const waiters = new Set<() => void>();
  return {
    push(item: T) {
      items.push(item);
      for (const wake of [...waiters]) wake();
    },
    /** The first item not taken yet that matches, now or once it arrives; it is taken. */
    take(predicate: (item: T) => boolean, mark = true): Promise<T> {
      return new Promise((resolve) => {
        const check = () => {
          const index = items.findIndex((item, i) => !taken.has(i) && predicate(item));
          if (index < 0) return;
          if (mark) taken.add(index);
          waiters.delete(check);
          resolve(items[index] as T);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function tokenOf(url: string | undefined): string {
  return new URL(url ?? '/', 'http://localhost').searchParams.get('Authorization') ?? '';
}

function openConnection(
  socket: WebSocket,
  index: number,
  token: string,
  options: FakeServerOptions,
): FakeConnection {
  const messages: ReceivedMessage[] = [];
  const inbox = createWaiters(messages);
  let closedBy: 'server' | 'client' = 'client';
  let idle: ReturnType<typeof setTimeout> | undefined;
  const dropBy = (code: number) => {
    closedBy = 'server';
    socket.close(code, 'Going away');
  };
  const armIdle = () => {
    clearTimeout(idle);
    if (options.idleTimeoutMs !== undefined)
      idle = setTimeout(() => dropBy(1001), options.idleTimeoutMs);
  };
  const age =
    options.maxConnectionMs === undefined
      ? undefined
      : setTimeout(() => dropBy(1001), options.maxConnectionMs);
  armIdle();
  const closed = new Promise<{ code: number; by: 'server' | 'client' }>((resolve) =>
    socket.once('close', (code) => {
      clearTimeout(idle);
      clearTimeout(age);
      resolve({ code, by: closedBy });
    }),
  );
  socket.on('message', (data) => {
    armIdle();
    const message = JSON.parse(data.toString()) as ReceivedMessage;
    inbox.push(message);
    if (message.action === 'ping' && options.answerPings !== false) {
      socket.send(JSON.stringify({ type: 'pong', timestamp: Date.now() }));
    }
  });
  return {
    index,
    token,
    messages,
    take: (predicate = () => true) => inbox.take(predicate),
    send: (frame) => {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      }
    },
    drop: (code = 1000) => dropBy(code),
    closed,
  };
}

/**
 * Starts a scripted WebSocket server on 127.0.0.1: tests read what the client
 * sent and answer with the frames they choose, in the order they choose.
 *
 * @example
 * const server = await startFakeServer();
 * const client = createClient({ url: server.url, token: 't' });
 * const connection = await server.connection(0);
 * const start = await connection.take((m) => m.action === 'echo_async');
 * connection.send({ type: 'acknowledgment', request_id: start.id, status: 'queued', message: 'ok', timestamp: 1 });
 */
export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const accepted = createWaiters(connections);
  const handshakeTokens: string[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, done) => {
      const token = tokenOf(info.req.url);
      handshakeTokens.push(token);
      if (options.accepts && !options.accepts(token)) done(false, 401, 'Unauthorized');
      else done(true);
    },
  });
  server.on('connection', (socket, request) => {
    accepted.push(openConnection(socket, connections.length, tokenOf(request.url), options));
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    handshakeTokens,
    connection: (index) => accepted.take((connection) => connection.index === index, false),
    close: () =>
      new Promise((resolve) => {
        for (const socket of server.clients) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
