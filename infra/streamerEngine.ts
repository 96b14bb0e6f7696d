import { join, resolve } from 'node:path';
import { Annotations, Duration } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type TableDefinition,
  type TableRole,
  tableNames,
  tables,
} from '../src/tables/definitions';
import { assertEsbuildInstalled, bundlingProject } from './bundlingProject';
import { type FunctionKind, resolveEntries, shippedHandlers } from './functionEntries';
import { type FunctionEnvironmentValues, functionEnvironment } from './functionEnvironment';
import { SettingError } from './settingError';
import { type StageSettings, stageSettings } from './stages';
import { StreamerAlarms } from './streamerAlarms';
import { processorFilters, projectorFilters } from './streamFilters';
import { tableFromDefinition } from './tableFromDefinition';

/** How the authorizer verifies tokens (DESIGN §5: RS256 only). */
export interface JwtSettings {
  /** PEM-encoded RSA public key (SPKI). Give this or {@link jwksUrl}. */
  readonly publicKeyPem?: string;
  /** URL of a JSON Web Key Set (fetched by the authorizer, cached per container). */
  readonly jwksUrl?: string;
  /** Required `iss`, when set. */
  readonly issuer?: string;
  /** Accepted `aud` value(s), when set. */
  readonly audience?: string | readonly string[];
  /** Only these `tenant_id`s may connect, when set. */
  readonly allowedTenants?: readonly string[];
  /** Leeway for `exp` / `nbf`, 0–300 s (the authorizer's default is 5). */
  readonly clockToleranceSeconds?: number;
}

/** Sizing of one Lambda function. */
export interface FunctionSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
}

/** Props of {@link StreamerEngine}. */
export interface StreamerEngineProps {
  /** Names, removal policy, throttling and log retention of the environment. Default: `stageSettings('dev')`. */
  readonly stage?: StageSettings;
  /** Token verification for the `$connect` authorizer. */
  readonly jwt: JwtSettings;
  /**
   * Path of the module whose `workflows` export (an array of workflows from
   * `defineWorkflow` / `defineHandler`) is bundled into the router, processor,
   * projector and timer. Required when the construct comes from the installed
   * package; in this repository the default is `infra/demoWorkflows.ts`.
   */
  readonly workflows?: string;
  /** @deprecated The former name of {@link workflows}. */
  readonly workflowsModule?: string;
  /**
   * The project the functions are bundled in (holds the lock file and the
   * `node_modules` esbuild resolves from). Default: the nearest folder at or
   * above the workflows module that holds a lock file.
   */
  readonly projectRoot?: string;
  /** Where every alarm notifies, when given. */
  readonly alarmTopic?: ITopic;
  /** Overrides of memory and timeout per function. */
  readonly sizing?: Partial<Record<FunctionKind, FunctionSizing>>;
}

/** Defaults per function; the workflow runners get CPU (memory) and the longest budgets. */
export const DEFAULT_SIZING: Readonly<Record<FunctionKind, FunctionSizing>> = {
  authorizer: { memorySize: 512, timeout: Duration.seconds(10) },
  connect: { memorySize: 256, timeout: Duration.seconds(10) },
  disconnect: { memorySize: 256, timeout: Duration.seconds(10) },
  // API Gateway waits at most 29 s for an integration; sync work is ≤ 5 s by contract.
  router: { memorySize: 1024, timeout: Duration.seconds(29) },
  processor: { memorySize: 1024, timeout: Duration.minutes(5) },
  projector: { memorySize: 512, timeout: Duration.minutes(1) },
  timer: { memorySize: 1024, timeout: Duration.minutes(5) },
};

/** Settings of one stream mapping. */
export interface StreamMappingSettings {
  readonly batchSize: number;
  /** Retries of a failing batch (bisected each time) before it goes to the failed-events queue. */
  readonly retryAttempts: number;
  /** Records older than this go to the failed-events queue instead of blocking the shard. */
  readonly maxRecordAge: Duration;
}

/** Stream mapping settings (DESIGN §7: never Lambda's 24-hour, shard-blocking defaults). */
export const STREAM_MAPPING: {
  readonly processor: StreamMappingSettings;
  readonly projector: StreamMappingSettings;
  readonly parallelizationFactor: number;
} = {
  processor: { batchSize: 10, retryAttempts: 5, maxRecordAge: Duration.hours(1) },
  projector: { batchSize: 100, retryAttempts: 5, maxRecordAge: Duration.hours(1) },
  /** Records of different requests are processed in parallel, each request's in order. */
  parallelizationFactor: 10,
};

const INFRA_DIR = import.meta.dirname;

/**
 * The whole Streamer engine on AWS: the four tables from the shared
 * definitions, the WebSocket API with its JWT authorizer, the seven Lambda
 * functions, the stream mappings, the queues (FIFO dead letters, wake-up
 * timers, failed stream batches) and alarms, around your `workflows` module.
 *
 * @example
 * import { StreamerEngine, stageSettings } from 'streamer-engine/cdk';
 * new StreamerEngine(stack, 'Engine', {
 *   workflows: join(__dirname, 'workflows.ts'),
 *   stage: stageSettings('prod'),
 *   jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com/' },
 * });
 */
export class StreamerEngine extends Construct {
  /** The DynamoDB tables, by role. */
  readonly tables: Readonly<Record<TableRole, Table>>;
  /** The shared definitions each table was built from (the very objects of `src/tables/definitions.ts`). */
  readonly tableDefinitions: Readonly<Record<TableRole, TableDefinition>>;
  /** FIFO queue receiving exactly one message per dead-lettered request. */
  readonly deadLetterQueue: Queue;
  /** Standard queue of delayed wake-ups (retry backoff, lease expiry), consumed by the timer. */
  readonly wakeUpQueue: Queue;
  /** Where the stream mappings and the timer park records they could not process. */
  readonly failedEventsQueue: Queue;
  /** The Lambda functions, by role. */
  readonly functions: Readonly<Record<FunctionKind, NodejsFunction>>;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  /** `wss://…/<stage>`: what clients connect to. */
  readonly webSocketUrl: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: where frames are posted. */
  readonly managementEndpoint: string;
  readonly alarms: StreamerAlarms;

  constructor(scope: Construct, id: string, props: StreamerEngineProps) {
    super(scope, id);
    const stage = props.stage ?? stageSettings('dev');
    const workflowsModule = resolve(props.workflows ?? props.workflowsModule ?? demoWorkflows());
    const project = bundlingProject(workflowsModule, props.projectRoot);
    const projectRoot = project.root;
    assertEsbuildInstalled(projectRoot);
    validateJwt(props.jwt);
    if (!props.jwt.publicKeyPem && !props.jwt.jwksUrl) {
      Annotations.of(this).addWarningV2(
        'streamer:jwtKey',
        'No JWT key configured: the authorizer will reject every connection. Set jwtPublicKey or jwksUrl (see docs/deploy.md).',
      );
    }

    // Tables, straight from the shared definitions.
    const names = tableNames(stage.prefix);
    this.tableDefinitions = tables;
    const table = (role: TableRole) =>
      tableFromDefinition(this, tables[role], {
        tableName: names[role],
        removalPolicy: stage.removalPolicy,
        deletionProtection: stage.deletionProtection,
      });
    this.tables = {
      requests: table('requests'),
      requestView: table('requestView'),
      connections: table('connections'),
      subscriptions: table('subscriptions'),
    };

    // Queues.
    const sizing = { ...DEFAULT_SIZING, ...props.sizing };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${stage.prefix}-dead-letters.fifo`,
      fifo: true,
      // The back end de-duplicates with MessageDeduplicationId a digest of `<requestKey>#<seq>`, never by content.
      contentBasedDeduplication: false,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: stage.removalPolicy,
    });
    this.failedEventsQueue = new Queue(this, 'FailedEventsQueue', {
      queueName: `${stage.prefix}-failed-events`,
      retentionPeriod: stage.queueRetention,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: stage.removalPolicy,
    });
    this.wakeUpQueue = new Queue(this, 'WakeUpQueue', {
      queueName: `${stage.prefix}-wake-ups`,
      // AWS's guidance for SQS event sources: at least six times the consumer's timeout.
      visibilityTimeout: Duration.seconds(sizing.timer.timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: stage.removalPolicy,
      deadLetterQueue: { queue: this.failedEventsQueue, maxReceiveCount: 10 },
    });

    // API first (without routes), so functions can be given its management endpoint.
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: stage.prefix,
      description: `Streamer WebSocket API (${stage.stage})`,
    });
    this.webSocketStage = new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: stage.stage,
      autoDeploy: true,
      throttle: stage.throttle,
    });
    this.webSocketUrl = this.webSocketStage.url;
    this.managementEndpoint = this.webSocketStage.callbackUrl;

    // Functions.
    const { entries } = resolveEntries({
      projectRoot,
      workflowsModule,
      handlers: shippedHandlers(),
    });
    const values: FunctionEnvironmentValues = {
      stage: stage.stage,
      tableNames: names,
      deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
      wakeUpQueueUrl: this.wakeUpQueue.queueUrl,
      managementEndpoint: this.managementEndpoint,
      jwt: props.jwt,
    };
    const lambda = (kind: FunctionKind): NodejsFunction => {
      const logGroup = new LogGroup(this, `${pascal(kind)}Logs`, {
        logGroupName: `/aws/lambda/${stage.prefix}-${kind}`,
        retention: stage.logRetention,
        removalPolicy: stage.removalPolicy,
      });
      return new NodejsFunction(this, `${pascal(kind)}Function`, {
        functionName: `${stage.prefix}-${kind}`,
        entry: entries[kind],
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        tracing: Tracing.ACTIVE,
        memorySize: sizing[kind].memorySize,
        timeout: sizing[kind].timeout,
        logGroup,
        projectRoot,
        depsLockFilePath: project.lockFile,
        environment: functionEnvironment(kind, values),
        bundling: {
          forceDockerBundling: false,
          // Sizes are printed once, after synth (infra/bundleSizes.ts).
          logLevel: LogLevel.WARNING,
          format: OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: true,
          sourceMapMode: SourceMapMode.EXTERNAL,
          sourcesContent: false,
          // Bundle the AWS SDK too: the version we tested, not whatever the runtime ships.
          bundleAwsSDK: true,
          mainFields: ['module', 'main'],
          // Some CommonJS dependencies call require(); give the ESM bundle one.
          banner:
            "import { createRequire as __streamerCreateRequire } from 'node:module'; const require = __streamerCreateRequire(import.meta.url);",
        },
      });
    };
    this.functions = {
      authorizer: lambda('authorizer'),
      connect: lambda('connect'),
      disconnect: lambda('disconnect'),
      router: lambda('router'),
      processor: lambda('processor'),
      projector: lambda('projector'),
      timer: lambda('timer'),
    };
    const fn = this.functions;

    // Routes: the authorizer guards $connect; $default answers through the route response.
    const authorizer = new WebSocketLambdaAuthorizer('JwtAuthorizer', fn.authorizer, {
      authorizerName: `${stage.prefix}-jwt`,
      identitySource: ['route.request.querystring.Authorization'],
    });
    this.webSocketApi.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', fn.connect),
      authorizer,
    });
    this.webSocketApi.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration('DisconnectIntegration', fn.disconnect),
    });
    this.webSocketApi.addRoute('$default', {
      integration: new WebSocketLambdaIntegration('RouterIntegration', fn.router),
      returnResponse: true,
    });

    // Stream mappings: both read the log's stream, each only for the events it handles.
    const streamMapping = (settings: StreamMappingSettings, filters: Record<string, unknown>[]) =>
      new DynamoEventSource(this.tables.requests, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: settings.batchSize,
        retryAttempts: settings.retryAttempts,
        maxRecordAge: settings.maxRecordAge,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        parallelizationFactor: STREAM_MAPPING.parallelizationFactor,
        onFailure: new SqsDlq(this.failedEventsQueue),
        filters,
      });
    fn.processor.addEventSource(streamMapping(STREAM_MAPPING.processor, processorFilters()));
    fn.projector.addEventSource(streamMapping(STREAM_MAPPING.projector, projectorFilters()));
    fn.timer.addEventSource(
      new SqsEventSource(this.wakeUpQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // Least privilege: each function gets the tables, queues and API it uses, nothing more.
    const t = this.tables;
    t.connections.grantWriteData(fn.connect);
    t.connections.grantWriteData(fn.disconnect);
    t.subscriptions.grantReadWriteData(fn.disconnect);
    for (const runner of [fn.router, fn.processor, fn.timer]) t.requests.grantReadWriteData(runner);
    t.subscriptions.grantReadWriteData(fn.router);
    t.connections.grantReadWriteData(fn.router);
    t.requests.grantReadData(fn.projector);
    t.requestView.grantReadWriteData(fn.projector);
    t.subscriptions.grantReadWriteData(fn.projector);
    t.connections.grantReadWriteData(fn.projector);
    for (const runner of [fn.processor, fn.timer]) {
      this.wakeUpQueue.grantSendMessages(runner);
      this.deadLetterQueue.grantSendMessages(runner);
    }
    for (const poster of [fn.router, fn.projector]) {
      this.webSocketStage.grantManagementApiAccess(poster);
    }

    this.alarms = new StreamerAlarms(this, 'Alarms', {
      prefix: stage.prefix,
      functions: this.functions,
      streamConsumers: [fn.processor, fn.projector],
      tables: Object.values(this.tables),
      queuesThatMustStayEmpty: [this.deadLetterQueue, this.failedEventsQueue],
      ...(props.alarmTopic && { topic: props.alarmTopic }),
    });
  }
}

/** This repository's demo workflows; the installed package has none to default to. */
function demoWorkflows(): string {
  if (import.meta.url.endsWith('.ts')) return join(INFRA_DIR, 'demoWorkflows.ts');
  throw new SettingError(
    "StreamerEngine needs `workflows`: the path of your module that exports `workflows`, e.g. { workflows: join(__dirname, 'workflows.ts') }",
  );
}

/** Fails the synth on settings the authorizer would reject at every cold start. */
function validateJwt(jwt: JwtSettings): void {
  if (jwt.publicKeyPem && jwt.jwksUrl) {
    throw new SettingError('Give the JWT key as jwtPublicKey (PEM) or jwksUrl, not both.');
  }
  if (jwt.publicKeyPem && !jwt.publicKeyPem.includes('BEGIN PUBLIC KEY')) {
    throw new SettingError(
      'jwtPublicKey is not a PEM public key (-----BEGIN PUBLIC KEY----- …); pass the file with -c jwtPublicKeyFile=path/to/key.pem.',
    );
  }
  if (jwt.jwksUrl && !URL.canParse(jwt.jwksUrl)) {
    throw new SettingError(`jwksUrl is not a URL: ${jwt.jwksUrl}`);
  }
  const tolerance = jwt.clockToleranceSeconds;
  if (tolerance !== undefined && !(tolerance >= 0 && tolerance <= 300)) {
    throw new SettingError(`clockToleranceSeconds must be 0–300, got ${tolerance}`);
  }
}

function pascal(kind: string): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
