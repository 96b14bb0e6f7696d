import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { WebSocketHandler } from '../../lambdas/webSocketEvent';
import { createLambdaContext } from '../lambdaContext';
import {
  type ApiFacts,
  authorizerEvent,
  type ConnectionFacts,
  connectEvent,
  disconnectEvent,
  type HandshakeFacts,
  messageEvent,
  methodArn,
  newConnectionId,
} from './apiGatewayEvents';
import { handleManagementRequest } from './managementApi';
import { type OpenConnection, OpenConnections } from './openConnections';
import { policyAllows } from './policyEvaluation';

/** Timeout of the front-door functions the gateway invokes (API Gateway's integration limit is 29 s). */
const FUNCTION_TIMEOUT_MS = 30_000;

/** A fresh Lambda `Context` for one in-process invocation. */
const contextFor = (functionName: string) =>
  createLambdaContext({ functionName, timeoutMs: FUNCTION_TIMEOUT_MS });

/** The Lambda handlers the gateway invokes, in-process. */
export interface GatewayHandlers {
  /** The `$connect` REQUEST authorizer. Throw `Error('Unauthorized')` for 401; a Deny policy gives 403. */
  readonly authorizer: (
    event: APIGatewayRequestAuthorizerEvent,
    context: Context,
  ) => Promise<APIGatewayAuthorizerResult>;
  readonly connect?: WebSocketHandler;
  readonly disconnect?: WebSocketHandler;
  /** The `$default` route; a returned `body` is sent back to the caller (route response). */
  readonly default: WebSocketHandler;
}

/** Options of {@link startLocalGateway}. */
export interface LocalGatewayOptions {
  readonly handlers: GatewayHandlers;
  /** Loopback port; 0 (default) lets the OS pick one. */
  readonly port?: number;
  readonly host?: string;
  /** Stage name, the first path segment of the Management API. Default `local`. */
  readonly stage?: string;
  readonly apiId?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** API Gateway closes a connection (1009) on a bigger message. Default 128 KiB. */
  readonly maxMessageBytes?: number;
  /** Closes a connection (1001) after this long without a client message. Default 10 min. */
  readonly idleTimeoutMs?: number;
  /** Closes any connection (1001) after this long. Default 2 h. */
  readonly maxConnectionMs?: number;
  /** Told about handler failures (which clients see as 500 / "Internal server error"). Default `console.error`. */
  readonly onHandlerError?: (route: string, error: unknown) => void;
  /**
   * Serves other HTTP requests on the gateway's port before the Management
   * API sees them (the local stack's dashboard); resolves true when it answered.
   */
  readonly httpHandler?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

/** A running local gateway. */
export interface LocalGateway {
  /** `ws://host:port` for clients (add `?Authorization=<JWT>`). */
  readonly url: string;
  /** `http://host:port/<stage>`: give this to `ApiGatewayManagementApiClient({ endpoint })`. */
  readonly managementEndpoint: string;
  readonly port: number;
  /** Ids of the open connections. */
  connectionIds(): string[];
  /** Resolves when every handler invocation started so far has finished. */
  settled(): Promise<void>;
  /** Closes every connection (running `$disconnect`) and stops listening. */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
};

function rejectUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_TEXT[status] ?? 'Error';
  const body = JSON.stringify({ message: status === 500 ? 'Internal server error' : text });
  if (!socket.destroyed) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

function handshakeOf(request: IncomingMessage): HandshakeFacts {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  const url = new URL(request.url ?? '/', 'http://localhost');
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [
      ...(multiValueQueryStringParameters[name] ?? []),
      value,
    ];
  }
  return { headers, multiValueHeaders, queryStringParameters, multiValueQueryStringParameters };
}

function statusOf(result: APIGatewayProxyResultV2 | undefined): number {
  if (result && typeof result === 'object' && typeof result.statusCode === 'number')
    return result.statusCode;
  return 200;
}

function bodyOf(result: APIGatewayProxyResultV2 | undefined): string | undefined {
  if (result && typeof result === 'object' && typeof result.body === 'string') return result.body;
  return undefined;
}

/** Sends `text` unless the socket closed meanwhile (the client may leave while a handler runs). */
function sendIfOpen(socket: WebSocket, text: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(text);
}

/** Closes a connection as a stopping gateway does (1001). */
function goAway(connection: OpenConnection): Promise<void> {
  return new Promise<void>((resolve) => {
    connection.socket.once('close', () => resolve());
    connection.socket.close(1001, 'Going away');
    // A client that never answers the close handshake is cut off.
    setTimeout(() => connection.socket.terminate(), 1_000).unref();
  });
}

/** What API Gateway knows of a connection before its authorizer runs. */
function connectionFactsOf(request: IncomingMessage): ConnectionFacts {
  const userAgent = request.headers['user-agent'];
  return {
    connectionId: newConnectionId(),
    connectedAt: Date.now(),
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    ...(userAgent && { userAgent }),
  };
}

/** The options, defaults applied. */
interface GatewaySettings {
  readonly handlers: GatewayHandlers;
  readonly host: string;
  readonly stage: string;
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectionMs: number;
  readonly onHandlerError: (route: string, error: unknown) => void;
  readonly httpHandler?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

function settingsOf(options: LocalGatewayOptions): GatewaySettings {
  return {
    handlers: options.handlers,
    host: options.host ?? '127.0.0.1',
    stage: options.stage ?? 'local',
    maxMessageBytes: options.maxMessageBytes ?? 128 * 1024,
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
    maxConnectionMs: options.maxConnectionMs ?? 2 * 60 * 60_000,
    onHandlerError:
      options.onHandlerError ??
      ((route, error) => console.error(`[gateway] ${route} failed`, error)),
    ...(options.httpHandler && { httpHandler: options.httpHandler }),
  };
}

/** The API the gateway stands for; `domainName` is where it listens. */
function apiFactsOf(
  options: LocalGatewayOptions,
  settings: GatewaySettings,
  port: number,
): ApiFacts {
  return {
    apiId: options.apiId ?? 'local',
    stage: settings.stage,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    domainName: `${settings.host}:${port}`,
  };
}

/** Listens on `host:port` and resolves with the port the OS gave. */
async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('The local gateway has no address');
  return address.port;
}

/** How the authorizer answered a handshake. */
type Admission =
  | { readonly kind: 'admitted'; readonly connection: ConnectionFacts }
  | { readonly kind: 'rejected'; readonly status: 401 | 403 | 500 };

/**
 * The gateway behind {@link startLocalGateway}: one HTTP server carrying the
 * WebSocket upgrades (authorizer, `$connect`, then `$default` per message and
 * `$disconnect` at the end) and the Management API.
 */
class LocalGatewayServer {
  readonly #server: Server;
  readonly #settings: GatewaySettings;
  readonly #api: ApiFacts;
  readonly #connections = new OpenConnections();
  readonly #inFlight = new Set<Promise<unknown>>();
  // ws's own cap only guards memory: it would cut the socket mid-message (the
  // client then sees 1006). Messages between the two limits are read whole and
  // refused with an orderly 1009 close, as API Gateway does.
  readonly #wss: WebSocketServer;

  /** Serves on `server`, which already listens: `api` names where. */
  constructor(server: Server, settings: GatewaySettings, api: ApiFacts) {
    this.#server = server;
    this.#settings = settings;
    this.#api = api;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(settings.maxMessageBytes * 8, 1024 * 1024),
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.#onHttpRequest(request, response),
    );
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgradeRequest(request, socket, head),
    );
  }

  connectionIds(): string[] {
    return this.#connections.ids();
  }

  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async close(): Promise<void> {
    await Promise.all(this.#connections.all().map(goAway));
    await this.settled();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#wss.close();
  }

  /** Counts `promise` in until it settles, for {@link settled}. */
  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** The `httpHandler` first (the local stack's dashboard), then the Management API. */
  #onHttpRequest(request: IncomingMessage, response: ServerResponse): void {
    void this.#answerHttp(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  }

  async #answerHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (await this.#settings.httpHandler?.(request, response)) return;
    const { maxMessageBytes } = this.#settings;
    await handleManagementRequest(request, response, this.#connections, maxMessageBytes);
  }

  #onUpgradeRequest(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.#track(this.#upgrade(request, socket, head)).catch((error: unknown) => {
      this.#settings.onHandlerError('upgrade', error);
      rejectUpgrade(socket, 500);
    });
  }

  /** A handshake, as API Gateway takes it: authorizer, `$connect`, then the socket opens. */
  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const handshake = handshakeOf(request);
    const admission = await this.#authorize(request, handshake);
    if (admission.kind === 'rejected') return rejectUpgrade(socket, admission.status);
    const { connection } = admission;
    const status = await this.#runConnect(connection, handshake);
    if (status >= 300) return rejectUpgrade(socket, status);
    if (socket.destroyed) {
      // The client left while $connect ran: API Gateway still reports the disconnect.
      return this.#runDisconnect(connection, 1006, '');
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onOpen(ws, connection));
  }

  /**
   * Runs the REQUEST authorizer: a thrown `Unauthorized` is 401, any other
   * failure 500, a policy that does not allow `$connect` 403. An admitted
   * connection carries the policy's context as `requestContext.authorizer`.
   */
  async #authorize(request: IncomingMessage, handshake: HandshakeFacts): Promise<Admission> {
    const facts = connectionFactsOf(request);
    let policy: APIGatewayAuthorizerResult;
    const authorizeStart = Date.now();
    try {
      policy = await this.#settings.handlers.authorizer(
        authorizerEvent(this.#api, facts, handshake, Date.now()),
        contextFor('authorizer'),
      );
    } catch (error) {
      const unauthorized = error instanceof Error && error.message === 'Unauthorized';
      if (!unauthorized) this.#settings.onHandlerError('authorizer', error);
      return { kind: 'rejected', status: unauthorized ? 401 : 500 };
    }
    if (!policyAllows(policy, methodArn(this.#api, '$connect')))
      return { kind: 'rejected', status: 403 };
    const authorizer = {
      ...(policy.context ?? {}),
      principalId: policy.principalId,
      integrationLatency: Date.now() - authorizeStart,
    };
    return { kind: 'admitted', connection: { ...facts, authorizer } };
  }

  /** Runs the `$connect` route; its status decides the upgrade (200 when there is no route). */
  async #runConnect(connection: ConnectionFacts, handshake: HandshakeFacts): Promise<number> {
    const { connect } = this.#settings.handlers;
    if (!connect) return 200;
    try {
      const result = await connect(
        connectEvent(this.#api, connection, handshake, Date.now()),
        contextFor('connect'),
      );
      return statusOf(result);
    } catch (error) {
      this.#settings.onHandlerError('$connect', error);
      return 500;
    }
  }

  /** Runs the `$disconnect` route, if any. The connection is gone either way: a failure is only reported. */
  async #runDisconnect(connection: ConnectionFacts, code: number, reason: string): Promise<void> {
    const { disconnect } = this.#settings.handlers;
    if (!disconnect) return;
    await disconnect(
      disconnectEvent(this.#api, connection, code, reason, Date.now()),
      contextFor('disconnect'),
    ).catch((error: unknown) => this.#settings.onHandlerError('$disconnect', error));
  }

  #onOpen(socket: WebSocket, facts: ConnectionFacts): void {
    const connection: OpenConnection = { ...facts, socket, lastActiveAt: Date.now() };
    this.#connections.add(connection);
    this.#armIdleTimer(connection);
    connection.lifeTimer = setTimeout(
      () => socket.close(1001, 'Going away'),
      this.#settings.maxConnectionMs,
    );
    connection.lifeTimer.unref();
    socket.on('message', (data, isBinary) => {
      void this.#track(this.#onMessage(connection, data, isBinary));
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => this.#onClose(connection, code, reason.toString()));
  }

  #onClose(connection: OpenConnection, code: number, reason: string): void {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.lifeTimer);
    this.#connections.remove(connection.connectionId);
    void this.#track(this.#runDisconnect(connection, code, reason));
  }

  /** (Re)starts the idle timeout: only client messages count as activity. */
  #armIdleTimer(connection: OpenConnection): void {
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(
      () => connection.socket.close(1001, 'Going away'),
      this.#settings.idleTimeoutMs,
    );
    connection.idleTimer.unref();
  }

  async #onMessage(connection: OpenConnection, data: RawData, isBinary: boolean): Promise<void> {
    connection.lastActiveAt = Date.now();
    this.#armIdleTimer(connection);
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buffer.length > this.#settings.maxMessageBytes) {
      connection.socket.close(1009, 'Message too big');
      return;
    }
    await this.#runDefault(connection, buffer, isBinary);
  }

  /** Runs the `$default` route; its `body` (or API Gateway's error message) goes back to the caller. */
  async #runDefault(connection: OpenConnection, message: Buffer, isBinary: boolean): Promise<void> {
    const body = isBinary ? message.toString('base64') : message.toString('utf8');
    const event = messageEvent(this.#api, connection, body, Date.now());
    try {
      const result = await this.#settings.handlers.default(
        isBinary ? { ...event, isBase64Encoded: true } : event,
        contextFor('default'),
      );
      const reply = bodyOf(result);
      if (reply !== undefined) sendIfOpen(connection.socket, reply);
    } catch (error) {
      this.#settings.onHandlerError('$default', error);
      const { connectionId } = connection;
      const { requestId } = event.requestContext;
      sendIfOpen(
        connection.socket,
        JSON.stringify({ message: 'Internal server error', connectionId, requestId }),
      );
    }
  }
}

/**
 * Starts a local stand-in for an API Gateway WebSocket API on `ws`: runs the
 * authorizer and the `$connect` / `$disconnect` / `$default` handlers
 * in-process with API-Gateway-shaped events, sends a `$default` handler's
 * returned `body` back to the caller (route response), serves the
 * Management API on the same port, and enforces the 128 KiB message limit,
 * the idle timeout and the maximum connection time.
 *
 * @example
 * const gateway = await startLocalGateway({ handlers: { authorizer, connect, disconnect, default: router } });
 * const client = new WebSocket(`${gateway.url}?Authorization=${token}`);
 * const management = new ApiGatewayManagementApiClient({ endpoint: gateway.managementEndpoint, ...LOCAL_AWS });
 */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const settings = settingsOf(options);
  const { host, stage } = settings;
  const server = createServer();
  const port = await listenOn(server, host, options.port ?? 0);
  // Listeners go on before this turn ends, so no request finds the server without them.
  const gateway = new LocalGatewayServer(server, settings, apiFactsOf(options, settings, port));
  return {
    url: `ws://${host}:${port}`,
    managementEndpoint: `http://${host}:${port}/${stage}`,
    port,
    connectionIds: () => gateway.connectionIds(),
    settled: () => gateway.settled(),
    close: () => gateway.close(),
  };
}
