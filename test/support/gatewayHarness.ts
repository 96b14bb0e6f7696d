import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { WebSocket } from 'ws';
import { DynamoDbConnectionStore, DynamoDbSubscriptionStore } from '../../src/connections';
import { createWorkflowRegistry, type EngineLogger, type WorkflowRegistry } from '../../src/engine';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { createAuthorizerHandler } from '../../src/lambdas/authorizer';
import { createConnectHandler } from '../../src/lambdas/connect';
import { createDisconnectHandler } from '../../src/lambdas/disconnect';
import { authorizerDeps, connectionDeps, routerDeps } from '../../src/lambdas/frontDoorDeps';
import { createRouterHandler } from '../../src/lambdas/routerHandler';
import type { MetricsSink, Telemetry } from '../../src/lambdas/telemetry';
import type { WebSocketHandler } from '../../src/lambdas/webSocketEvent';
import { type LocalGateway, startLocalGateway } from '../../src/local/gateway';
import { LOCAL_AWS } from '../../src/local/localAws';
import type { ServerFrame } from '../../src/protocol';
import type { FrontDoorConfig } from '../../src/settings/config';
import { createDemoWorkflows } from '../../src/workflows';
import { createApprovalWorkflow } from './approvalWorkflow';
import { createTestTables, type TestDynamo } from './dynamo';
import { recordFrames } from './frameRecorder';
import { createTestIssuer, type TestIssuer } from './tokens';

/** One structured log line a front-door handler wrote. */
export interface RecordedLog {
  readonly component: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** One metric a front-door handler recorded. */
export interface RecordedMetric {
  readonly component: string;
  readonly name: string;
  readonly value: number;
}

/** How {@link GatewayHarness.connect} authenticates. */
export interface ConnectOptions {
  /** Claims for a token minted by the harness's issuer (merged over its defaults). */
  readonly claims?: Record<string, unknown>;
  /** Use this token as is instead of minting one; `null` sends none. */
  readonly token?: string | null;
  /** Where the token travels: `?Authorization=` (default) or `Authorization: Bearer`. */
  readonly via?: 'query' | 'header';
}

/** A WebSocket client that collects every frame it receives. */
export interface TestClient {
  /** API Gateway's id of this connection. */
  readonly connectionId: string;
  readonly socket: WebSocket;
  /** Every frame received so far, parsed, in arrival order. */
  readonly frames: ServerFrame[];
  /** Sends a message: a string as is, anything else as JSON. */
  send(message: unknown): void;
  /**
   * Sends a message and resolves with its reply: the first later frame of
   * type `response`, `acknowledgment`, `error` or `pong` whose `request_id`
   * is the message's `id`/`request_id` (any such frame when it has none; an
   * `error` without `request_id` also counts, for messages too big or too
   * deep to be read).
   */
  request(message: unknown, timeoutMs?: number): Promise<ServerFrame>;
  /** Resolves with the first frame (already received or later) matching `predicate`. */
  waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  /** Closes the socket and resolves with the close code. */
  close(): Promise<number>;
  /** Resolves with the close code once the server closes the socket. */
  closed(): Promise<number>;
}

/** Options of {@link startGatewayHarness}. */
export interface GatewayHarnessOptions {
  /** Default: the demo workflows at speed 100 plus the `approval` test workflow (waits for a signal). */
  readonly registry?: WorkflowRegistry;
  /** Tenants allowed by the authorizer; default: all. */
  readonly allowedTenants?: readonly string[];
  /** Prefix of the test's table names. */
  readonly label?: string;
  /** Gateway idle timeout; default API Gateway's 10 min. */
  readonly idleTimeoutMs?: number;
}

/** The local gateway running the real front-door handlers over DynamoDB Local tables. */
export interface GatewayHarness {
  readonly gateway: LocalGateway;
  /** `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** Mints tokens the authorizer accepts (issuer and audience configured). */
  readonly issuer: TestIssuer;
  /** This harness's own tables in the run's DynamoDB Local. */
  readonly dynamo: TestDynamo;
  readonly registry: WorkflowRegistry;
  readonly store: DynamoDbEventStore;
  readonly connections: DynamoDbConnectionStore;
  readonly subscriptions: DynamoDbSubscriptionStore;
  /** A real Management API client on the gateway. */
  readonly management: ApiGatewayManagementApiClient;
  /** Every log line the handlers wrote. */
  readonly logs: RecordedLog[];
  /** Every metric the handlers recorded. */
  readonly metrics: RecordedMetric[];
  /** Opens an authenticated connection (throws with the HTTP status when refused). */
  connect(options?: ConnectOptions): Promise<TestClient>;
  /** Tries to connect and resolves with the HTTP status of a refused upgrade, or 101 when it was accepted. */
  connectStatus(options?: ConnectOptions): Promise<number>;
  /** Number of items in the requests table (the event log). */
  countEvents(): Promise<number>;
  /** Closes every client and the gateway, and destroys the clients. */
  close(): Promise<void>;
}

const REPLY_TYPES = new Set(['response', 'acknowledgment', 'error', 'pong']);

function recordingTelemetry(
  component: string,
  logs: RecordedLog[],
  metrics: RecordedMetric[],
): Telemetry {
  const log =
    (level: RecordedLog['level']) =>
    (message: string, attributes: Readonly<Record<string, unknown>> = {}) =>
      logs.push({ component, level, message, attributes });
  const logger: EngineLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const sink: MetricsSink = {
    addMetric: (name, _unit, value) => metrics.push({ component, name, value }),
    publishStoredMetrics: () => undefined,
  };
  return { logger, metrics: sink };
}

function idOf(message: unknown): string | undefined {
  if (typeof message === 'string') {
    try {
      return idOf(JSON.parse(message));
    } catch {
      return undefined;
    }
  }
  if (message === null || typeof message !== 'object') return undefined;
  const { id, request_id } = message as { id?: unknown; request_id?: unknown };
  const value = id ?? request_id;
  return typeof value === 'string' ? value : undefined;
}

function createClient(socket: WebSocket, connectionId: string): TestClient {
  const { frames, waitFrom } = recordFrames(socket);
  const closedPromise = new Promise<number>((resolve) =>
    socket.once('close', (code) => resolve(code)),
  );
  return {
    connectionId,
    socket,
    frames,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    request(message, timeoutMs = 10_000) {
      const start = frames.length;
      const id = idOf(message);
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
      return waitFrom(
        start,
        (frame) =>
          REPLY_TYPES.has(frame.type) &&
          (id === undefined ||
            frame.type === 'pong' ||
            // An error about a message too big or deep to read carries no id.
            (frame.type === 'error' && frame.request_id === undefined) ||
            ('request_id' in frame && frame.request_id === id)),
        timeoutMs,
      );
    },
    waitFor: (predicate, timeoutMs = 10_000) => waitFrom(0, predicate, timeoutMs),
    close() {
      socket.close(1000);
      return closedPromise;
    },
    closed: () => closedPromise,
  };
}

/**
 * Starts the local API Gateway emulator with the real front-door handlers
 * (authorizer, connect, disconnect, router) in-process, on fresh DynamoDB
 * Local tables, with a generated key pair whose tokens the authorizer
 * accepts. Handlers log and count into `logs` / `metrics` instead of stdout.
 * Nothing runs the back end (processor, projector): attach stream mappings
 * to `dynamo.tables.requests` for end-to-end lifecycles.
 *
 * @example
 * const harness = await startGatewayHarness();
 * const client = await harness.connect({ claims: { tenant_id: 'acme' } });
 * const reply = await client.request({ action: 'echo', id: 'e1', payload: { hi: 1 } });
 * await harness.close();
 */
export async function startGatewayHarness(
  options: GatewayHarnessOptions = {},
): Promise<GatewayHarness> {
  const dynamo = await createTestTables(options.label ?? 'frontdoor');
  const issuer = await createTestIssuer();
  const registry =
    options.registry ??
    createWorkflowRegistry([
      ...Object.values(createDemoWorkflows({ speed: 100 })),
      createApprovalWorkflow(),
    ]);
  const logs: RecordedLog[] = [];
  const metrics: RecordedMetric[] = [];
  const config: FrontDoorConfig = {
    requestsTable: dynamo.tables.requests,
    requestViewTable: dynamo.tables.requestView,
    connectionsTable: dynamo.tables.connections,
    subscriptionsTable: dynamo.tables.subscriptions,
  };
  const connectionIdsByClient = new Map<string, string>();
  const authorizer = createAuthorizerHandler({
    ...authorizerDeps({
      keys: { publicKeyPem: issuer.publicKeyPem },
      issuer: issuer.issuer,
      audience: [issuer.audience],
      clockToleranceSec: 5,
      ...(options.allowedTenants && { allowedTenants: options.allowedTenants }),
    }),
    telemetry: recordingTelemetry('authorizer', logs, metrics),
  });
  const connect = createConnectHandler({
    ...connectionDeps(config, { dynamo: dynamo.client }),
    telemetry: recordingTelemetry('connect', logs, metrics),
  });
  const recordingConnect: WebSocketHandler = async (event) => {
    const result = await connect(event);
    const client = event.headers?.['X-Harness-Client'];
    if (client) connectionIdsByClient.set(client, event.requestContext.connectionId);
    return result;
  };
  let route: WebSocketHandler | undefined;
  const gateway = await startLocalGateway({
    handlers: {
      authorizer,
      connect: recordingConnect,
      disconnect: createDisconnectHandler({
        ...connectionDeps(config, { dynamo: dynamo.client }),
        telemetry: recordingTelemetry('disconnect', logs, metrics),
      }),
      default: (event, context) => {
        if (!route) throw new Error('router not ready');
        return route(event, context);
      },
    },
    ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
    onHandlerError: (where, error) =>
      logs.push({ component: 'gateway', level: 'error', message: where, attributes: { error } }),
  });
  const management = new ApiGatewayManagementApiClient({
    endpoint: gateway.managementEndpoint,
    ...LOCAL_AWS,
  });
  const routerTelemetry = recordingTelemetry('router', logs, metrics);
  route = createRouterHandler({
    router: routerDeps(
      registry,
      { ...config, managementEndpoint: gateway.managementEndpoint },
      routerTelemetry.logger,
      {
        dynamo: dynamo.client,
        management: (endpoint) =>
          new ApiGatewayManagementApiClient({ endpoint, ...LOCAL_AWS, maxAttempts: 1 }),
      },
    ),
    telemetry: routerTelemetry,
  });

  const clients = new Set<TestClient>();
  let clientCount = 0;
  const open = async (connectOptions: ConnectOptions): Promise<TestClient | number> => {
    const token =
      connectOptions.token === undefined
        ? await issuer.mint(connectOptions.claims)
        : connectOptions.token;
    const clientId = String(++clientCount);
    const headers: Record<string, string> = { 'X-Harness-Client': clientId };
    let url = gateway.url;
    if (token !== null && connectOptions.via === 'header')
      headers.Authorization = `Bearer ${token}`;
    else if (token !== null) url = `${gateway.url}/?Authorization=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => {
        const connectionId = connectionIdsByClient.get(clientId);
        if (!connectionId) return reject(new Error('The connect handler did not see this client'));
        const client = createClient(socket, connectionId);
        clients.add(client);
        resolve(client);
      });
      socket.once('unexpected-response', (_, response) => {
        response.resume();
        socket.terminate();
        resolve(response.statusCode ?? 0);
      });
      socket.once('error', reject);
    });
  };

  return {
    gateway,
    url: gateway.url,
    issuer,
    dynamo,
    registry,
    store: new DynamoDbEventStore({ client: dynamo.client, tableName: dynamo.tables.requests }),
    connections: new DynamoDbConnectionStore({
      client: dynamo.client,
      tableName: dynamo.tables.connections,
    }),
    subscriptions: new DynamoDbSubscriptionStore({
      client: dynamo.client,
      tableName: dynamo.tables.subscriptions,
    }),
    management,
    logs,
    metrics,
    async connect(connectOptions = {}) {
      const result = await open(connectOptions);
      if (typeof result === 'number') throw new Error(`Connect refused with HTTP ${result}`);
      return result;
    },
    async connectStatus(connectOptions = {}) {
      const result = await open(connectOptions);
      if (typeof result === 'number') return result;
      await result.close();
      return 101;
    },
    async countEvents() {
      const { Count } = await dynamo.client.send(
        new ScanCommand({
          TableName: dynamo.tables.requests,
          Select: 'COUNT',
          ConsistentRead: true,
        }),
      );
      return Count ?? 0;
    },
    async close() {
      for (const client of clients) client.socket.terminate();
      await gateway.close();
      management.destroy();
      dynamo.client.destroy();
      dynamo.streams.destroy();
    },
  };
}
