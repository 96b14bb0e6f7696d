import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkflowRegistry } from '../engine';
import { type FlowControlSettings, flowControlEnvironment } from '../flowControl/settings';
import { createProcessorHandler } from '../lambdas/processorHandler';
import { createProjectorHandler } from '../lambdas/projectorHandler';
import { createTimerHandler } from '../lambdas/timerHandler';
import { createTables } from '../tables/createTables';
import { type TableNames, tableNames } from '../tables/definitions';
import { createDemoRegistry } from '../workflows';
import { createDevIdentity, type DevIdentity } from './devIdentity';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamoDbLocal';
import { freePort } from './freePort';
import { type LocalGateway, startLocalGateway } from './gateway';
import { loadGatewayHandlers } from './gatewayHandlers';
import { LOCAL_AWS } from './localAws';
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
  /** Keep DynamoDB data in this directory between runs. */
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
  /**
   * Rate limits and default concurrency (`docs/flow-control.md`), over
   * {@link LOCAL_FLOW_CONTROL}; 0 turns one off.
   */
  readonly flowControl?: Partial<FlowControlSettings>;
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

/** A running local stack. */
export interface LocalStack {
  /** `ws://127.0.0.1:<port>`; connect with `?Authorization=<JWT>`. */
  readonly url: string;
  readonly managementEndpoint: string;
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tables: TableNames;
  readonly queueUrls: {
    readonly deadLetter: string;
    readonly wakeUp: string;
    readonly streamFailures: string;
  };
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
    let ddb: DynamoDbLocal | undefined;
    if (!options.dynamoDbEndpoint) {
      ddb = await startDynamoDbLocal(options.persistDir ? { persistDir: options.persistDir } : {});
      const started = ddb;
      stops.push(() => started.stop());
    }
    const dynamoDbEndpoint = options.dynamoDbEndpoint ?? (ddb as DynamoDbLocal).endpoint;
    const dynamo = new DynamoDBClient({ endpoint: dynamoDbEndpoint, ...LOCAL_AWS });
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
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SQS: localSqs.endpoint,
      REQUESTS_TABLE: tables.requests,
      REQUEST_VIEW_TABLE: tables.requestView,
      CONNECTIONS_TABLE: tables.connections,
      SUBSCRIPTIONS_TABLE: tables.subscriptions,
      DEAD_LETTER_QUEUE_URL: localSqs.queues.deadLetter.url,
      WAKE_UP_QUEUE_URL: localSqs.queues.wakeUp.url,
      WEBSOCKET_MANAGEMENT_ENDPOINT: managementEndpoint,
      FLOW_CONTROL_TABLE: tables.flowControl,
      RATE_LIMITS_TABLE: tables.rateLimits,
      ...flowControlEnvironment({ ...LOCAL_FLOW_CONTROL, ...options.flowControl }),
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
    });
    stops.push(() => gateway.close());

    const streams = new DynamoDBStreamsClient({ endpoint: dynamoDbEndpoint, ...LOCAL_AWS });
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
      managementEndpoint: gateway.managementEndpoint,
      dynamoDbEndpoint,
      sqsEndpoint: localSqs.endpoint,
      tables,
      queueUrls: {
        deadLetter: localSqs.queues.deadLetter.url,
        wakeUp: localSqs.queues.wakeUp.url,
        streamFailures: localSqs.queues.streamFailures.url,
      },
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

/** One line per problem: the mappings recover from most of them by themselves. */
function reportBriefly(error: unknown, where: string): void {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`[${where}] ${what}`);
}
