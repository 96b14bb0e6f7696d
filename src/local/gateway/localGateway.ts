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
} from './events';
import { handleManagementRequest, type ManagedConnections } from './managementApi';
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

interface OpenConnection extends ConnectionFacts {
  readonly socket: WebSocket;
  lastActiveAt: number;
  idleTimer?: NodeJS.Timeout;
  lifeTimer?: NodeJS.Timeout;
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
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const maxMessageBytes = options.maxMessageBytes ?? 128 * 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
  const maxConnectionMs = options.maxConnectionMs ?? 2 * 60 * 60_000;
  const onHandlerError =
    options.onHandlerError ?? ((route, error) => console.error(`[gateway] ${route} failed`, error));
  const { handlers } = options;
  const open = new Map<string, OpenConnection>();
  const inFlight = new Set<Promise<unknown>>();
  // ws's own cap only guards memory: it would cut the socket mid-message (the
  // client then sees 1006). Messages between the two limits are read whole and
  // refused with an orderly 1009 close, as API Gateway does.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(maxMessageBytes * 8, 1024 * 1024),
  });
  let api: ApiFacts;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  const armIdleTimer = (connection: OpenConnection) => {
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(
      () => connection.socket.close(1001, 'Going away'),
      idleTimeoutMs,
    );
    connection.idleTimer.unref();
  };

  const onMessage = async (connection: OpenConnection, data: RawData, isBinary: boolean) => {
    connection.lastActiveAt = Date.now();
    armIdleTimer(connection);
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buffer.length > maxMessageBytes) {
      connection.socket.close(1009, 'Message too big');
      return;
    }
    const event = messageEvent(
      api,
      connection,
      isBinary ? buffer.toString('base64') : buffer.toString('utf8'),
      Date.now(),
    );
    const replyTo = (text: string) => {
      if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(text);
    };
    try {
      const result = await handlers.default(
        isBinary ? { ...event, isBase64Encoded: true } : event,
        contextFor('default'),
      );
      const body = bodyOf(result);
      if (body !== undefined) replyTo(body);
    } catch (error) {
      onHandlerError('$default', error);
      replyTo(
        JSON.stringify({
          message: 'Internal server error',
          connectionId: connection.connectionId,
          requestId: event.requestContext.requestId,
        }),
      );
    }
  };

  const onOpen = (socket: WebSocket, facts: ConnectionFacts) => {
    const connection: OpenConnection = { ...facts, socket, lastActiveAt: Date.now() };
    open.set(connection.connectionId, connection);
    armIdleTimer(connection);
    connection.lifeTimer = setTimeout(() => socket.close(1001, 'Going away'), maxConnectionMs);
    connection.lifeTimer.unref();
    socket.on('message', (data, isBinary) => void track(onMessage(connection, data, isBinary)));
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.lifeTimer);
      open.delete(connection.connectionId);
      if (!handlers.disconnect) return;
      const event = disconnectEvent(api, connection, code, reason.toString(), Date.now());
      void track(
        handlers
          .disconnect(event, contextFor('disconnect'))
          .catch((error: unknown) => onHandlerError('$disconnect', error)),
      );
    });
  };

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const handshake = handshakeOf(request);
    const userAgent = request.headers['user-agent'];
    const facts: ConnectionFacts = {
      connectionId: newConnectionId(),
      connectedAt: Date.now(),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      ...(userAgent && { userAgent }),
    };
    let policy: APIGatewayAuthorizerResult;
    const authorizeStart = Date.now();
    try {
      policy = await handlers.authorizer(
        authorizerEvent(api, facts, handshake, Date.now()),
        contextFor('authorizer'),
      );
    } catch (error) {
      const unauthorized = error instanceof Error && error.message === 'Unauthorized';
      if (!unauthorized) onHandlerError('authorizer', error);
      return rejectUpgrade(socket, unauthorized ? 401 : 500);
    }
    if (!policyAllows(policy, methodArn(api, '$connect'))) return rejectUpgrade(socket, 403);
    const connection: ConnectionFacts = {
      ...facts,
      authorizer: {
        ...(policy.context ?? {}),
        principalId: policy.principalId,
        integrationLatency: Date.now() - authorizeStart,
      },
    };
    if (handlers.connect) {
      try {
        const result = await handlers.connect(
          connectEvent(api, connection, handshake, Date.now()),
          contextFor('connect'),
        );
        const status = statusOf(result);
        if (status >= 300) return rejectUpgrade(socket, status);
      } catch (error) {
        onHandlerError('$connect', error);
        return rejectUpgrade(socket, 500);
      }
    }
    if (socket.destroyed) {
      // The client left while $connect ran: API Gateway still reports the disconnect.
      if (handlers.disconnect) {
        await handlers
          .disconnect(
            disconnectEvent(api, connection, 1006, '', Date.now()),
            contextFor('disconnect'),
          )
          .catch((error: unknown) => onHandlerError('$disconnect', error));
      }
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => onOpen(ws, connection));
  };

  const managed: ManagedConnections = {
    send(connectionId, data) {
      const connection = open.get(connectionId);
      if (!connection || connection.socket.readyState !== WebSocket.OPEN) return false;
      connection.socket.send(data.toString('utf8'));
      return true;
    },
    describe(connectionId) {
      const connection = open.get(connectionId);
      return (
        connection && {
          connectedAt: connection.connectedAt,
          lastActiveAt: connection.lastActiveAt,
          sourceIp: connection.sourceIp,
          ...(connection.userAgent && { userAgent: connection.userAgent }),
        }
      );
    },
    disconnect(connectionId) {
      const connection = open.get(connectionId);
      if (!connection) return false;
      connection.socket.close(1000, 'Disconnected by the server');
      return true;
    },
  };

  const server: Server = createServer((request, response) => {
    const handled = options.httpHandler?.(request, response) ?? Promise.resolve(false);
    void handled
      .then(async (done) => {
        if (!done) await handleManagementRequest(request, response, managed, maxMessageBytes);
      })
      .catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void track(onUpgrade(request, socket, head)).catch((error: unknown) => {
      onHandlerError('upgrade', error);
      rejectUpgrade(socket, 500);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('The local gateway has no address');
  const port = address.port;
  api = {
    apiId: options.apiId ?? 'local',
    stage,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    domainName: `${host}:${port}`,
  };

  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  return {
    url: `ws://${host}:${port}`,
    managementEndpoint: `http://${host}:${port}/${stage}`,
    port,
    connectionIds: () => [...open.keys()],
    settled,
    async close() {
      const closing = [...open.values()].map(
        (connection) =>
          new Promise<void>((resolve) => {
            connection.socket.once('close', () => resolve());
            connection.socket.close(1001, 'Going away');
            // A client that never answers the close handshake is cut off.
            setTimeout(() => connection.socket.terminate(), 1_000).unref();
          }),
      );
      await Promise.all(closing);
      await settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      wss.close();
    },
  };
}
