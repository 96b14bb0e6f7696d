import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkflowRegistry } from '../engine';
import { createProcessorHandler } from '../lambdas/processor';
import { createProjectorHandler } from '../lambdas/projector';
import { createRunnerHandler, runnerHandlerDeps } from '../lambdas/runnerHandler';
import { asEnvironment, locationVariables } from '../settings/environment';
import { type FlowControlSettings, flowControlVariables } from '../settings/flowControl';
import { EVENT_SOURCE_MAPPINGS } from '../settings/mappings';
import { createTables } from '../tables/createTables';
import { type TableNames, tableNames } from '../tables/definitions';
import { createDemoRegistry } from '../workflows';
import { createDashboardSite, DASHBOARD_PATH } from './dashboardSite';
import { lockDataDir } from './dataDirLock';
import { createDevIdentity, type DevIdentity } from './devIdentity';
import { type DynamoDbLocal, type LocalCredentials, startDynamoDbLocal } from './dynamoDbLocal';
import { freePort } from './freePort';
import { startLocalGateway } from './gateway';
import { loadGatewayHandlers } from './gatewayHandlers';
import { LOCAL_AWS } from './localAws';
import { dataDirCredentials, randomLocalCredentials } from './localCredentials';
import { createSqsEventSourceMapping, type LocalSqs, startLocalSqs } from './sqs';
import { createDynamoDbStreamMapping, type DynamoDBStreamMappingHandler } from './streamMapping';

/** A DynamoDB Streams Lambda handler, as the stream mappings invoke it. */
export type StreamHandler = DynamoDBStreamMappingHandler;

/** The runner's SQS handler, as the wake-up queue's mapping invokes it. */
export type RunnerHandler = ReturnType<typeof createRunnerHandler>;

/** JWT settings; with none, a dev key pair is generated and a token printed. */
export interface LocalJwtSettings {
  readonly publicKeyPem?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Options for {@link startLocalStack}. */
export interface LocalStackOptions {
  /** WebSocket port on 127.0.0.1; a free one when omitted. */
  readonly port?: number;
  /** Use this DynamoDB Local instead of starting one (tests share the run's). */
  readonly dynamoDbEndpoint?: string;
  /**
   * The credentials for `dynamoDbEndpoint`'s data (default {@link LOCAL_AWS}'s).
   * A DynamoDB Local this stack starts gets its own random ones instead.
   */
  readonly dynamoDbCredentials?: LocalCredentials;
  /**
   * Keep DynamoDB data in this directory between runs. One stack at a time:
   * a second one on the same directory throws `DataDirBusyError`.
   */
  readonly persistDir?: string;
  /** Physical table names are `<prefix>-<Table>`. Default `streamer-local`. */
  readonly tablePrefix?: string;
  /** The workflows to serve. Default: the demo workflows at `demoSpeed`. */
  readonly registry?: WorkflowRegistry;
  /** Divides the demo workflows' sleeps. Default 1. */
  readonly demoSpeed?: number;
  readonly jwt?: LocalJwtSettings;
  /** Timeout of the functions the mappings invoke (what `getRemainingTimeInMillis` counts down from). Default 60 s (AWS: 5 min for the runner). */
  readonly functionTimeoutMs?: number;
  /**
   * Runner invocations at once, like the runner's SQS `maximumConcurrency`
   * and reserved concurrency in AWS. Default: `EVENT_SOURCE_MAPPINGS.runner.maxConcurrency`.
   */
  readonly runnerConcurrency?: number;
  /** Idle poll interval of the stream mappings. Default 25 ms. */
  readonly pollIntervalMs?: number;
  /**
   * Wraps a stream function's handler before its mapping invokes it, e.g. to
   * make an invocation fail the way a crashed Lambda would.
   * @internal
   */
  readonly wrapStreamHandler?: (
    functionName: 'processor' | 'projector',
    handler: StreamHandler,
  ) => StreamHandler;
  /**
   * Wraps the runner's handler before its queue mapping invokes it (to crash
   * an invocation mid-step, or watch its responses).
   * @internal
   */
  readonly wrapRunnerHandler?: (handler: RunnerHandler) => RunnerHandler;
  /** Where mapping and handler problems are reported. Default `console.error`. */
  readonly onError?: (error: unknown, where: string) => void;
  /**
   * Rate limits and default concurrency (`docs/flow-control.md`), over
   * {@link LOCAL_FLOW_CONTROL}; 0 turns one off.
   */
  readonly flowControl?: Partial<FlowControlSettings>;
  /** Serve the dashboard at `http://127.0.0.1:<port>/dashboard/` (built on its first request). Default true. */
  readonly dashboard?: boolean;
}

/**
 * The local stack's flow control: roomy enough for the benchmarks (1,000
 * sync echoes per second from one tenant), tight enough to stop a flood.
 */
export const LOCAL_FLOW_CONTROL: FlowControlSettings = {
  tenantMessagesPerSecond: 2_000,
  connectionMessagesPerSecond: 500,
  tenantStartsPerSecond: 500,
  concurrencyPerTenant: 100,
};

/** Region and credentials of local AWS clients, to spread into a client's config. */
export interface LocalAwsConfig {
  readonly region: string;
  readonly credentials: LocalCredentials;
}

/** A running local stack. */
export interface LocalStack {
  /** `ws://127.0.0.1:<port>`; connect with `?Authorization=<JWT>`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/dashboard/`, on the gateway's port (unless `dashboard: false`). */
  readonly dashboardUrl?: string;
  readonly managementEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tables: TableNames;
  readonly queueUrls: {
    readonly deadLetter: string;
    readonly wakeUp: string;
    readonly streamFailures: string;
  };
  /**
   * Region and credentials of this stack's DynamoDB data: spread them into
   * any client (`new DynamoDBClient({ endpoint, ...stack.aws })`). A DynamoDB
   * Local the stack started has random credentials (kept in the data
   * directory with `persistDir`): clients with others see nothing.
   */
  readonly aws: LocalAwsConfig;
  /** Processes of this stack: this Node.js process and, when it started one, DynamoDB Local's JVM. */
  readonly pids: { readonly node: number; readonly dynamoDbLocal?: number };
  /** Whether every server of the stack listens on 127.0.0.1 only (false: see `warnings`). */
  readonly loopbackOnly: boolean;
  /** Things the operator should know (e.g. why DynamoDB Local is not bound to loopback). */
  readonly warnings: readonly string[];
  /** Present when the stack generated its own key pair. */
  readonly devIdentity?: DevIdentity;
  /** A DynamoDB client on the stack's DynamoDB Local (destroyed by `stop`). */
  readonly dynamo: DynamoDBClient;
  /** An SQS client on the stack's emulator (destroyed by `stop`). */
  readonly sqs: SQSClient;
  /** Stops everything this stack started, in reverse order. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the whole system on this machine with real parts: DynamoDB Local
 * with streams, the SQS emulator, the WebSocket gateway and the Lambda
 * event-source mappings, running the same handler code as AWS. The handlers
 * read their settings from `process.env`, exactly as in Lambda, so this sets
 * them (including the SDK's `AWS_ENDPOINT_URL_*`) for this process.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const onError = options.onError ?? reportBriefly;
  const stops = new Stops(onError);
  try {
    const { ddb, dynamoDbEndpoint, aws } = await startStorage(options, stops);
    const dynamo = stops.client(new DynamoDBClient({ endpoint: dynamoDbEndpoint, ...aws }));
    const tables = tableNames(options.tablePrefix ?? 'streamer-local');
    await createTables(dynamo, tables);
    const localSqs: LocalSqs = await startLocalSqs();
    stops.push(() => localSqs.stop());
    const sqs = stops.client(localSqs.createClient());
    const devIdentity = await devIdentityFor(options.jwt);
    const port = options.port ?? (await freePort());
    const flowControl = { ...LOCAL_FLOW_CONTROL, ...options.flowControl };
    const parts = { aws, dynamoDbEndpoint, localSqs, tables, port, flowControl };
    Object.assign(process.env, localEnvironment(parts));
    Object.assign(process.env, jwtEnvironment(options.jwt, devIdentity));
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    const registry = options.registry ?? createDemoRegistry({ speed: options.demoSpeed ?? 1 });
    const gateway = await startLocalGateway({
      handlers: loadGatewayHandlers(registry),
      port,
      stage: 'local',
      onHandlerError: (route, error) => onError(error, `gateway ${route}`),
      ...(options.dashboard !== false && {
        httpHandler: createDashboardSite(),
      }),
    });
    stops.push(() => gateway.close());
    const streams = stops.client(new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint, ...aws }));
    await startMappings({
      options,
      registry,
      stops,
      streams,
      dynamo,
      sqs,
      localSqs,
      tables,
      onError,
    });
    return {
      url: gateway.url,
      ...(options.dashboard !== false && {
        dashboardUrl: `http://127.0.0.1:${gateway.port}${DASHBOARD_PATH}`,
      }),
      managementEndpoint: gateway.managementEndpoint,
      dynamoDbEndpoint,
      sqsEndpoint: localSqs.endpoint,
      tables,
      queueUrls: {
        deadLetter: localSqs.queues.deadLetter.url,
        wakeUp: localSqs.queues.wakeUp.url,
        streamFailures: localSqs.queues.streamFailures.url,
      },
      aws,
      pids: { node: process.pid, ...(ddb && { dynamoDbLocal: ddb.pid }) },
      loopbackOnly: ddb?.loopbackOnly ?? true,
      warnings: ddb?.bindWarning ? [ddb.bindWarning] : [],
      ...(devIdentity && { devIdentity }),
      dynamo,
      sqs,
      stop: () => stops.stopAll(),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** What the stack started, stopped in reverse order; a failure to stop one part is reported, not thrown. */
class Stops {
  readonly #stops: (() => Promise<void>)[] = [];
  constructor(private readonly onError: (error: unknown, where: string) => void) {}

  push(stop: () => Promise<void>): void {
    this.#stops.push(stop);
  }

  /** Registers an SDK client to destroy, and returns it. */
  client<T extends { destroy(): void }>(client: T): T {
    this.#stops.push(async () => client.destroy());
    return client;
  }

  async stopAll(): Promise<void> {
    while (this.#stops.length > 0) {
      await this.#stops
        .pop()?.()
        .catch((error: unknown) => this.onError(error, 'stop'));
    }
  }
}

/** A generated dev key pair, unless the settings name a key. */
function devIdentityFor(jwt: LocalJwtSettings | undefined): Promise<DevIdentity | undefined> {
  if (jwt?.publicKeyPem || jwt?.jwksUrl) return Promise.resolve(undefined);
  return createDevIdentity({
    ...(jwt?.issuer && { issuer: jwt.issuer }),
    ...(jwt?.audience && { audience: jwt.audience }),
  });
}

/** The variables a deployed function gets (the shared names), pointed at the local parts. */
function localEnvironment(parts: {
  aws: LocalAwsConfig;
  dynamoDbEndpoint: string;
  localSqs: LocalSqs;
  tables: TableNames;
  port: number;
  flowControl: FlowControlSettings;
}): Record<string, string> {
  const { aws, localSqs } = parts;
  return {
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: parts.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SQS: localSqs.endpoint,
    ...asEnvironment(
      locationVariables({
        tableNames: parts.tables,
        deadLetterQueueUrl: localSqs.queues.deadLetter.url,
        wakeUpQueueUrl: localSqs.queues.wakeUp.url,
        managementEndpoint: `http://127.0.0.1:${parts.port}/local`,
      }),
    ),
    ...asEnvironment(flowControlVariables(parts.flowControl)),
  };
}

/** The authorizer's variables: the given key, or the generated dev key's. */
function jwtEnvironment(
  jwt: LocalJwtSettings | undefined,
  devIdentity: DevIdentity | undefined,
): Record<string, string> {
  return asEnvironment<string>({
    ...(devIdentity && { jwtPublicKey: devIdentity.publicKeyPem }),
    ...(jwt?.publicKeyPem && { jwtPublicKey: jwt.publicKeyPem }),
    ...(jwt?.jwksUrl && { jwksUrl: jwt.jwksUrl }),
    ...(jwt?.issuer && { jwtIssuer: jwt.issuer }),
    ...(jwt?.audience && { jwtAudience: jwt.audience }),
  });
}

/** The three event-source mappings, with the settings AWS uses (`EVENT_SOURCE_MAPPINGS`). */
async function startMappings(parts: {
  options: LocalStackOptions;
  registry: WorkflowRegistry;
  stops: Stops;
  streams: DynamoDBStreamsClient;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  localSqs: LocalSqs;
  tables: TableNames;
  onError: (error: unknown, where: string) => void;
}): Promise<void> {
  const { options, stops, onError } = parts;
  const functionTimeoutMs = options.functionTimeoutMs ?? 60_000;
  const wrap = options.wrapStreamHandler ?? ((_name, handler) => handler);
  const stream = (functionName: 'processor' | 'projector', handler: StreamHandler) => {
    const settings = EVENT_SOURCE_MAPPINGS[functionName];
    return createDynamoDbStreamMapping({
      streams: parts.streams,
      source: { tableName: parts.tables.requests, dynamodb: parts.dynamo },
      startingPosition: 'TRIM_HORIZON',
      batchSize: settings.batchSize,
      maximumRetryAttempts: settings.retryAttempts,
      maximumRecordAgeInSeconds: settings.maxRecordAgeSeconds,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      onFailure: { sqs: parts.sqs, queueUrl: parts.localSqs.queues.streamFailures.url },
      pollIntervalMs: options.pollIntervalMs ?? 25,
      functionTimeoutMs,
      onError,
      functionName,
      handler: wrap(functionName, handler),
    });
  };
  for (const mapping of [
    stream('processor', createProcessorHandler()),
    stream('projector', createProjectorHandler()),
  ]) {
    await mapping.start();
    stops.push(() => mapping.stop());
  }
  const runner = createSqsEventSourceMapping({
    functionName: 'runner',
    handler: (options.wrapRunnerHandler ?? ((handler) => handler))(
      createRunnerHandler(runnerHandlerDeps(parts.registry)),
    ),
    sqs: parts.sqs,
    queue: parts.localSqs.queues.wakeUp,
    batchSize: EVENT_SOURCE_MAPPINGS.runner.batchSize,
    reportBatchItemFailures: true,
    waitTimeSeconds: 1,
    maximumConcurrency: options.runnerConcurrency ?? EVENT_SOURCE_MAPPINGS.runner.maxConcurrency,
    functionTimeoutMs,
    onError,
  });
  runner.start();
  stops.push(() => runner.stop());
}

/**
 * The data directory's lock (with `persistDir`), then DynamoDB Local under
 * fresh credentials (or the data directory's), unless an endpoint is given.
 */
async function startStorage(
  options: LocalStackOptions,
  stops: Stops,
): Promise<{ ddb?: DynamoDbLocal; dynamoDbEndpoint: string; aws: LocalAwsConfig }> {
  if (options.dynamoDbEndpoint) {
    return {
      dynamoDbEndpoint: options.dynamoDbEndpoint,
      aws: {
        region: LOCAL_AWS.region,
        credentials: options.dynamoDbCredentials ?? LOCAL_AWS.credentials,
      },
    };
  }
  const { persistDir } = options;
  if (persistDir) {
    const lock = lockDataDir(persistDir);
    stops.push(async () => lock.release());
  }
  const ddb = await startDynamoDbLocal({
    credentials: persistDir ? dataDirCredentials(persistDir) : randomLocalCredentials(),
    ...(persistDir && { persistDir }),
  });
  stops.push(() => ddb.stop());
  return {
    ddb,
    dynamoDbEndpoint: ddb.endpoint,
    aws: { region: LOCAL_AWS.region, credentials: ddb.credentials },
  };
}

/** One line per problem: the mappings recover from most of them by themselves. */
function reportBriefly(error: unknown, where: string): void {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`[${where}] ${what}`);
}
