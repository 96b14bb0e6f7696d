import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkflowRegistry } from '../engine';
import { createProcessorHandler } from '../lambdas/processorHandler';
import { createProjectorHandler } from '../lambdas/projectorHandler';
import { createTimerHandler } from '../lambdas/timerHandler';
import { createTables } from '../tables/createTables';
import { type TableNames, tableNames } from '../tables/definitions';
import { createDemoRegistry } from '../workflows';
import { createDashboardSite, DASHBOARD_PATH } from './dashboardSite';
import { lockDataDir } from './dataDirLock';
import { createDevIdentity, type DevIdentity } from './devIdentity';
import { type DynamoDbLocal, type LocalCredentials, startDynamoDbLocal } from './dynamoDbLocal';
import { freePort } from './freePort';
import { type LocalGateway, startLocalGateway } from './gateway';
import { loadGatewayHandlers } from './gatewayHandlers';
import { LOCAL_AWS } from './localAws';
import { dataDirCredentials, randomLocalCredentials } from './localCredentials';
import { createSqsEventSourceMapping, type LocalSqs, startLocalSqs } from './sqs';
import {
  createDynamoDbStreamMapping,
  type DynamoDBStreamMappingHandler,
  type DynamoDbStreamMapping,
} from './streamMapping';

/** A DynamoDB Streams Lambda handler, as the stream mappings invoke it. */
export type StreamHandler = DynamoDBStreamMappingHandler;

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
  /** Timeout of the processor and timer functions (what `getRemainingTimeInMillis` counts down from). Default 60 s. */
  readonly functionTimeoutMs?: number;
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
  /** Where mapping and handler problems are reported. Default `console.error`. */
  readonly onError?: (error: unknown, where: string) => void;
  /** Serve the dashboard at `http://127.0.0.1:<port>/dashboard/` (built on its first request). Default true. */
  readonly dashboard?: boolean;
}

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
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (stops.length > 0)
      await stops
        .pop()?.()
        .catch((error: unknown) => onError(error, 'stop'));
  };
  const onError = options.onError ?? reportBriefly;
  try {
    const { ddb, dynamoDbEndpoint, aws } = await startStorage(options, stops);
    const dynamo = new DynamoDBClient({ endpoint: dynamoDbEndpoint, ...aws });
    stops.push(async () => dynamo.destroy());
    const tables = tableNames(options.tablePrefix ?? 'streamer-local');
    await createTables(dynamo, tables);

    const localSqs: LocalSqs = await startLocalSqs();
    stops.push(() => localSqs.stop());
    const sqs = localSqs.createClient();
    stops.push(async () => sqs.destroy());

    const devIdentity =
      options.jwt?.publicKeyPem || options.jwt?.jwksUrl
        ? undefined
        : await createDevIdentity({
            ...(options.jwt?.issuer && { issuer: options.jwt.issuer }),
            ...(options.jwt?.audience && { audience: options.jwt.audience }),
          });
    const port = options.port ?? (await freePort());
    const managementEndpoint = `http://127.0.0.1:${port}/local`;
    Object.assign(process.env, {
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SQS: localSqs.endpoint,
      REQUESTS_TABLE: tables.requests,
      REQUEST_VIEW_TABLE: tables.requestView,
      CONNECTIONS_TABLE: tables.connections,
      SUBSCRIPTIONS_TABLE: tables.subscriptions,
      DEAD_LETTER_QUEUE_URL: localSqs.queues.deadLetter.url,
      WAKE_UP_QUEUE_URL: localSqs.queues.wakeUp.url,
      WEBSOCKET_MANAGEMENT_ENDPOINT: managementEndpoint,
      ...(devIdentity ? { JWT_PUBLIC_KEY: devIdentity.publicKeyPem } : {}),
      ...(options.jwt?.publicKeyPem && { JWT_PUBLIC_KEY: options.jwt.publicKeyPem }),
      ...(options.jwt?.jwksUrl && { JWKS_URL: options.jwt.jwksUrl }),
      ...(options.jwt?.issuer && { JWT_ISSUER: options.jwt.issuer }),
      ...(options.jwt?.audience && { JWT_AUDIENCE: options.jwt.audience }),
    });
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

    const registry = options.registry ?? createDemoRegistry({ speed: options.demoSpeed ?? 1 });
    const gateway: LocalGateway = await startLocalGateway({
      handlers: loadGatewayHandlers(registry),
      port,
      stage: 'local',
      onHandlerError: (route, error) => onError(error, `gateway ${route}`),
      ...(options.dashboard !== false && {
        httpHandler: createDashboardSite(),
      }),
    });
    stops.push(() => gateway.close());

    const streams = new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint, ...aws });
    stops.push(async () => streams.destroy());
    const streamSettings = {
      streams,
      source: { tableName: tables.requests, dynamodb: dynamo },
      startingPosition: 'TRIM_HORIZON' as const,
      batchSize: 100,
      maximumRetryAttempts: 10,
      maximumRecordAgeInSeconds: 3600,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      onFailure: { sqs, queueUrl: localSqs.queues.streamFailures.url },
      pollIntervalMs: options.pollIntervalMs ?? 25,
      functionTimeoutMs: options.functionTimeoutMs ?? 60_000,
      onError,
    };
    const wrap = options.wrapStreamHandler ?? ((_name, handler) => handler);
    const mappings: DynamoDbStreamMapping[] = [
      createDynamoDbStreamMapping({
        ...streamSettings,
        functionName: 'processor',
        handler: wrap('processor', createProcessorHandler(registry)),
      }),
      createDynamoDbStreamMapping({
        ...streamSettings,
        functionName: 'projector',
        handler: wrap('projector', createProjectorHandler(registry)),
      }),
    ];
    for (const mapping of mappings) {
      await mapping.start();
      stops.push(() => mapping.stop());
    }
    const timer = createSqsEventSourceMapping({
      functionName: 'timer',
      handler: createTimerHandler(registry),
      sqs,
      queue: localSqs.queues.wakeUp,
      batchSize: 10,
      reportBatchItemFailures: true,
      waitTimeSeconds: 1,
      maximumConcurrency: 2,
      functionTimeoutMs: options.functionTimeoutMs ?? 60_000,
      onError,
    });
    timer.start();
    stops.push(() => timer.stop());

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
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The data directory's lock (with `persistDir`), then DynamoDB Local under
 * fresh credentials (or the data directory's), unless an endpoint is given.
 */
async function startStorage(
  options: LocalStackOptions,
  stops: (() => Promise<void>)[],
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
