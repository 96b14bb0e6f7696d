import { join, resolve } from 'node:path';
import { Annotations, Duration } from 'aws-cdk-lib';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  type BundlingOptions,
  LogLevel,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type RequestViewIndexProjection,
  type TableDefinition,
  type TableNames,
  type TableRole,
  tableNames,
  tablesWith,
} from '../src/tables/definitions';
import { assertEsbuildInstalled, bundlingProject } from './bundlingProject';
import { EngineNetwork, type EngineVpcSettings } from './engineNetwork';
import {
  BUNDLE,
  DEFAULT_SIZING,
  type FunctionSizing,
  STREAM_MAPPING,
  type StreamMappingSettings,
  WAKE_UP_MAPPING,
  WAKE_UP_MAX_RECEIVES,
  wakeUpVisibilityTimeout,
} from './engineSettings';
import { FUNCTION_ACCESS } from './functionAccess';
import {
  FUNCTION_KINDS,
  type FunctionKind,
  resolveEntries,
  shippedHandlers,
} from './functionEntries';
import { type FunctionEnvironmentValues, functionEnvironment } from './functionEnvironment';
import { LiveAliases, pascal } from './liveAliases';
import { acknowledgeSecurityFindings } from './securityFindings';
import { SettingError } from './settingError';
import { type StageSettings, stageSettings } from './stages';
import { StreamerAlarms } from './streamerAlarms';
import {
  type FilterPattern,
  processorFilterPatterns,
  projectorFilterPatterns,
  toCdkFilters,
} from './streamFilters';
import { type AuditLogSettings, TableAuditTrail } from './tableAuditTrail';
import { tableFromDefinition } from './tableFromDefinition';
import { TenantMonitoring } from './tenantMonitoring';

export type { EngineVpcSettings } from './engineNetwork';
export type { FunctionSizing, StreamMappingSettings } from './engineSettings';
export { DEFAULT_SIZING, STREAM_MAPPING } from './engineSettings';
export type { AuditLogSettings } from './tableAuditTrail';

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

/** Props of {@link StreamerEngine}. */
export interface StreamerEngineProps {
  /**
   * Names, removal policy, throttling, log retention and traffic shifting of
   * the environment. Default: `stageSettings('dev')`.
   */
  readonly stage?: StageSettings;
  /** Token verification for the `$connect` authorizer. */
  readonly jwt: JwtSettings;
  /**
   * Path of the module whose `workflows` export (an array of workflows from
   * `defineWorkflow` / `defineHandler`) is bundled into the router, processor,
   * runner. Required when the construct comes from the installed
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
  /**
   * Run every function but the authorizer (which touches no data and may
   * fetch a JWKS from the internet) in your VPC's private subnets.
   */
  readonly vpc?: EngineVpcSettings;
  /**
   * Encrypt the tables and queues with a customer-managed KMS key: yours, or
   * `'create'` for a new one with yearly rotation. Default: AWS-managed keys.
   */
  readonly encryptionKey?: IKey | 'create';
  /** Record DynamoDB data events of the tables in a CloudTrail trail. */
  readonly auditLog?: AuditLogSettings;
  /**
   * Write the WebSocket stage's access log (one line per connect, message and
   * disconnect) to a log group. Default false: API Gateway refuses it until
   * the account's API Gateway CloudWatch role is set, once per account and
   * region (see docs/deploy.md).
   */
  readonly accessLogs?: boolean;
  /**
   * How the request view's indexes are projected. Default `'lean'`: a
   * progress update writes the table alone. A stack deployed before the
   * indexes were lean must say `'all'` (CloudFormation cannot change an
   * index's projection), or migrate in steps: docs/deploy.md, "Upgrading:
   * lean request view indexes".
   */
  readonly requestViewIndexProjection?: RequestViewIndexProjection;
}

/** The queues, by role. */
interface EngineQueues {
  readonly deadLetterQueue: Queue;
  readonly wakeUpQueue: Queue;
  readonly failedEventsQueue: Queue;
}

const INFRA_DIR = import.meta.dirname;

/** `NodejsFunction`'s bundling, from the settings every deploy path shares (`BUNDLE`). */
const BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  // Sizes are printed once, after synth (infra/bundleSizes.ts).
  logLevel: LogLevel.WARNING,
  format: OutputFormat.ESM,
  target: BUNDLE.target,
  minify: BUNDLE.minify,
  sourceMap: true,
  sourceMapMode: SourceMapMode.EXTERNAL,
  sourcesContent: BUNDLE.sourcesContent,
  // Bundle the AWS SDK too: the version we tested, not whatever the runtime ships.
  bundleAwsSDK: true,
  mainFields: [...BUNDLE.mainFields],
  banner: BUNDLE.banner,
};

/**
 * The whole Streamer engine on AWS: the six tables from the shared
 * definitions, the WebSocket API with its JWT authorizer, the seven Lambda
 * functions behind `live` aliases (traffic shifted by CodeDeploy when the
 * stage says so), the stream mappings, the queues (FIFO dead letters, wake-up
 * timers, failed stream batches) and alarms, around your `workflows`
 * module; opt into a VPC, a customer-managed key and a data-event
 * trail with `vpc`, `encryptionKey` and `auditLog`.
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
  /** The shared definitions each table was built from (`tablesWith` of `src/tables/definitions.ts`). */
  readonly tableDefinitions: Readonly<Record<TableRole, TableDefinition>>;
  /** FIFO queue receiving exactly one message per dead-lettered request. */
  readonly deadLetterQueue: Queue;
  /** Standard queue of wake-ups, consumed by the runner: immediate ones from the processor, delayed ones for retries, timers and leases. */
  readonly wakeUpQueue: Queue;
  /** Where the stream mappings and the runner park records they could not process. */
  readonly failedEventsQueue: Queue;
  /** The Lambda functions, by role. */
  readonly functions: Readonly<Record<FunctionKind, NodejsFunction>>;
  /** The `live` aliases every caller invokes, and their CodeDeploy deployment groups. */
  readonly live: LiveAliases;
  readonly webSocketApi: WebSocketApi;
  readonly webSocketStage: WebSocketStage;
  /** `wss://…/<stage>`: what clients connect to. */
  readonly webSocketUrl: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: where frames are posted. */
  readonly managementEndpoint: string;
  readonly alarms: StreamerAlarms;
  /** Per-tenant Contributor Insights rules and the alarm on a tenant throttled for long. */
  readonly tenantMonitoring: TenantMonitoring;
  /** The customer-managed key of the tables and queues, when `encryptionKey` was given. */
  readonly encryptionKey?: IKey;
  /** The functions' security group and endpoints, when `vpc` was given. */
  readonly network?: EngineNetwork;
  /** The data-event trail, when `auditLog` was given. */
  readonly auditTrail?: TableAuditTrail;

  constructor(scope: Construct, id: string, props: StreamerEngineProps) {
    super(scope, id);
    const stage = props.stage ?? stageSettings('dev');
    validateJwt(props.jwt);
    if (!props.jwt.publicKeyPem && !props.jwt.jwksUrl) {
      Annotations.of(this).addWarningV2(
        'streamer:jwtKey',
        'No JWT key configured: the authorizer will reject every connection. Set jwtPublicKey or jwksUrl (see docs/deploy.md).',
      );
    }
    const key = this.#encryptionKey(stage, props.encryptionKey);
    if (key) this.encryptionKey = key;
    if (props.vpc) this.network = new EngineNetwork(this, 'Network', props.vpc);

    const names = tableNames(stage.prefix);
    this.tableDefinitions = tablesWith(props.requestViewIndexProjection);
    this.tables = this.#tables(stage, names);
    const sizing = { ...DEFAULT_SIZING, ...props.sizing };
    const queues = this.#queues(stage, sizing.runner);
    this.deadLetterQueue = queues.deadLetterQueue;
    this.wakeUpQueue = queues.wakeUpQueue;
    this.failedEventsQueue = queues.failedEventsQueue;

    // API first (without routes), so functions can be given its management endpoint.
    this.webSocketApi = new WebSocketApi(this, 'WebSocketApi', {
      apiName: stage.prefix,
      description: `Streamer WebSocket API (${stage.stage})`,
    });
    this.webSocketStage = this.#stage(stage, props.accessLogs ?? false);
    this.webSocketUrl = this.webSocketStage.url;
    this.managementEndpoint = this.webSocketStage.callbackUrl;

    this.functions = this.#functions(props, stage, sizing, {
      stage: stage.stage,
      tableNames: names,
      deadLetterQueueUrl: this.deadLetterQueue.queueUrl,
      wakeUpQueueUrl: this.wakeUpQueue.queueUrl,
      managementEndpoint: this.managementEndpoint,
      jwt: props.jwt,
      ...(stage.flowControl && { flowControl: stage.flowControl }),
    });
    this.live = new LiveAliases(this, 'Live', { prefix: stage.prefix, functions: this.functions });
    this.#routes(stage);
    this.#mappings();
    this.#grants();

    this.alarms = this.#alarms(stage, props.alarmTopic);
    this.tenantMonitoring = new TenantMonitoring(this, 'TenantMonitoring', {
      prefix: stage.prefix,
      functions: this.functions,
      ...(props.alarmTopic && { topic: props.alarmTopic }),
    });
    if (props.auditLog) {
      this.auditTrail = new TableAuditTrail(this, 'AuditTrail', {
        ...props.auditLog,
        prefix: stage.prefix,
        tables: Object.values(this.tables),
        removalPolicy: stage.removalPolicy,
      });
    }
    acknowledgeSecurityFindings(this, props.accessLogs ?? false);
  }

  #encryptionKey(stage: StageSettings, key: IKey | 'create' | undefined): IKey | undefined {
    if (key !== 'create') return key;
    return new Key(this, 'EncryptionKey', {
      alias: `alias/${stage.prefix}`,
      description: `Streamer ${stage.stage}: tables and queues`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });
  }

  #stage(stage: StageSettings, accessLogs: boolean): WebSocketStage {
    const logGroup =
      accessLogs &&
      new LogGroup(this, 'AccessLogs', {
        logGroupName: `/aws/apigateway/${stage.prefix}-access`,
        retention: stage.logRetention,
        removalPolicy: stage.removalPolicy,
      });
    return new WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: stage.stage,
      autoDeploy: true,
      throttle: stage.throttle,
      ...(logGroup && { accessLogSettings: { destination: new LogGroupLogDestination(logGroup) } }),
    });
  }

  /** The alarms; with traffic shifting, also what rolls each function's deployment back. */
  #alarms(stage: StageSettings, topic: ITopic | undefined): StreamerAlarms {
    const alarms = new StreamerAlarms(this, 'Alarms', {
      prefix: stage.prefix,
      functions: this.functions,
      streamConsumers: [this.functions.processor, this.functions.projector],
      tables: Object.values(this.tables),
      queuesThatMustStayEmpty: [this.deadLetterQueue, this.failedEventsQueue],
      // A wake-up may be delayed up to SQS's 15 minutes: older than that plus 5, the runner is behind.
      queuesWithBacklog: [{ queue: this.wakeUpQueue, maxAge: Duration.minutes(20) }],
      ...(topic && { topic }),
    });
    if (stage.trafficShifting) {
      const { functionAlarms, queueAlarms } = alarms;
      this.live.shiftTraffic(stage.trafficShifting, (kind) => [
        ...(functionAlarms[kind] ?? []),
        ...queueAlarms,
      ]);
    }
    return alarms;
  }

  /** Tables, straight from the shared definitions. */
  #tables(stage: StageSettings, names: TableNames): Record<TableRole, Table> {
    const table = (role: TableRole) =>
      tableFromDefinition(this, this.tableDefinitions[role], {
        tableName: names[role],
        removalPolicy: stage.removalPolicy,
        deletionProtection: stage.deletionProtection,
        ...(this.encryptionKey && { encryptionKey: this.encryptionKey }),
      });
    return {
      requests: table('requests'),
      requestView: table('requestView'),
      connections: table('connections'),
      subscriptions: table('subscriptions'),
      flowControl: table('flowControl'),
      rateLimits: table('rateLimits'),
    };
  }

  #queues(stage: StageSettings, runner: FunctionSizing): EngineQueues {
    const common: QueueProps = {
      ...(this.encryptionKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: this.encryptionKey }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      removalPolicy: stage.removalPolicy,
    };
    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...common,
      queueName: `${stage.prefix}-dead-letters.fifo`,
      fifo: true,
      // The back end de-duplicates with MessageDeduplicationId a digest of `<requestKey>#<seq>`, never by content.
      contentBasedDeduplication: false,
      retentionPeriod: Duration.days(14),
    });
    const failedEventsQueue = new Queue(this, 'FailedEventsQueue', {
      ...common,
      queueName: `${stage.prefix}-failed-events`,
      retentionPeriod: stage.queueRetention,
    });
    const wakeUpQueue = new Queue(this, 'WakeUpQueue', {
      ...common,
      queueName: `${stage.prefix}-wake-ups`,
      visibilityTimeout: wakeUpVisibilityTimeout(runner.timeout),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: failedEventsQueue, maxReceiveCount: WAKE_UP_MAX_RECEIVES },
    });
    return { deadLetterQueue, wakeUpQueue, failedEventsQueue };
  }

  #functions(
    props: StreamerEngineProps,
    stage: StageSettings,
    sizing: Record<FunctionKind, FunctionSizing>,
    values: FunctionEnvironmentValues,
  ): Record<FunctionKind, NodejsFunction> {
    const workflowsModule = resolve(props.workflows ?? props.workflowsModule ?? demoWorkflows());
    const project = bundlingProject(workflowsModule, props.projectRoot);
    const projectRoot = project.root;
    assertEsbuildInstalled(projectRoot);
    const handlers = shippedHandlers();
    const { entries } = resolveEntries({ projectRoot, workflowsModule, handlers });
    const network = this.network;
    const lambda = (kind: FunctionKind): NodejsFunction => {
      const logGroup = new LogGroup(this, `${pascal(kind)}Logs`, {
        logGroupName: `/aws/lambda/${stage.prefix}-${kind}`,
        retention: stage.logRetention,
        removalPolicy: stage.removalPolicy,
      });
      const inVpc = network && kind !== 'authorizer';
      return new NodejsFunction(this, `${pascal(kind)}Function`, {
        role: this.#role(kind, stage, logGroup, Boolean(inVpc)),
        functionName: `${stage.prefix}-${kind}`,
        description: `Streamer ${kind} (${stage.stage})`,
        entry: entries[kind],
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        tracing: Tracing.ACTIVE,
        memorySize: sizing[kind].memorySize,
        timeout: sizing[kind].timeout,
        // Runs have their own concurrency, which no other function can take (docs/decisions/dispatch-and-run.md).
        ...(kind === 'runner' && { reservedConcurrentExecutions: WAKE_UP_MAPPING.maxConcurrency }),
        logGroup,
        projectRoot,
        depsLockFilePath: project.lockFile,
        environment: functionEnvironment(kind, values),
        ...(inVpc && {
          vpc: network.vpc,
          vpcSubnets: network.subnets,
          securityGroups: [network.securityGroup],
        }),
        bundling: BUNDLING,
      });
    };
    return Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, lambda(kind)])) as Record<
      FunctionKind,
      NodejsFunction
    >;
  }

  /** Its own role: logs to its own log group only (not AWSLambdaBasicExecutionRole's `*`). */
  #role(kind: FunctionKind, stage: StageSettings, logGroup: LogGroup, inVpc: boolean): Role {
    const role = new Role(this, `${pascal(kind)}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Streamer ${kind} (${stage.stage})`,
    });
    logGroup.grantWrite(role);
    if (inVpc) {
      role.addManagedPolicy(
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
    }
    return role;
  }

  /** The authorizer guards $connect; $default answers through the route response. All invoke `live`. */
  #routes(stage: StageSettings): void {
    const live = this.live;
    const authorizer = new WebSocketLambdaAuthorizer('JwtAuthorizer', live.of('authorizer'), {
      authorizerName: `${stage.prefix}-jwt`,
      identitySource: ['route.request.querystring.Authorization'],
    });
    this.webSocketApi.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', live.of('connect')),
      authorizer,
    });
    this.webSocketApi.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration('DisconnectIntegration', live.of('disconnect')),
    });
    this.webSocketApi.addRoute('$default', {
      integration: new WebSocketLambdaIntegration('RouterIntegration', live.of('router')),
      returnResponse: true,
    });
  }

  /** Both stream consumers read the log's stream, each only for the events it handles; the runner reads the wake-ups. */
  #mappings(): void {
    const streamMapping = (settings: StreamMappingSettings, patterns: FilterPattern[]) =>
      new DynamoEventSource(this.tables.requests, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: settings.batchSize,
        retryAttempts: settings.retryAttempts,
        maxRecordAge: settings.maxRecordAge,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        parallelizationFactor: STREAM_MAPPING.parallelizationFactor,
        onFailure: new SqsDlq(this.failedEventsQueue),
        filters: toCdkFilters(patterns),
      });
    const { aliases } = this.live;
    aliases.processor.addEventSource(
      streamMapping(STREAM_MAPPING.processor, processorFilterPatterns()),
    );
    aliases.projector.addEventSource(
      streamMapping(STREAM_MAPPING.projector, projectorFilterPatterns()),
    );
    aliases.runner.addEventSource(
      new SqsEventSource(this.wakeUpQueue, {
        batchSize: WAKE_UP_MAPPING.batchSize,
        maxConcurrency: WAKE_UP_MAPPING.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** Least privilege: each function gets the tables, queues and API of {@link FUNCTION_ACCESS}, nothing more. */
  #grants(): void {
    const sendQueues = { deadLetter: this.deadLetterQueue, wakeUp: this.wakeUpQueue };
    for (const kind of FUNCTION_KINDS) {
      const fn = this.functions[kind];
      const access = FUNCTION_ACCESS[kind];
      for (const [role, mode] of Object.entries(access.tables) as [TableRole, string][]) {
        const table = this.tables[role];
        if (mode === 'read') table.grantReadData(fn);
        else if (mode === 'write') table.grantWriteData(fn);
        else table.grantReadWriteData(fn);
      }
      for (const queue of access.sendTo) sendQueues[queue].grantSendMessages(fn);
      if (access.manageConnections) this.webSocketStage.grantManagementApiAccess(fn);
    }
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
