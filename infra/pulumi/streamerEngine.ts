import { join, resolve } from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type IndexProjection,
  projectionOf,
  type RequestViewIndexProjection,
  type TableDefinition,
  type TableNames,
  type TableRole,
  tableNames,
  tablesWith,
} from '../../src/tables/definitions';
import {
  BUNDLE,
  DEFAULT_SIZING,
  type FunctionSizing,
  LIVE_ALIAS,
  STREAM_MAPPING,
  WAKE_UP_MAPPING,
  WAKE_UP_MAX_RECEIVES,
  wakeUpVisibilityTimeout,
} from '../engineSettings';
import { FUNCTION_KINDS, type FunctionKind } from '../functionEntries';
import { functionEnvironment } from '../functionEnvironment';
import type { StageSettings } from '../stages';
import type { JwtSettings } from '../streamerEngine';
import {
  type FilterPattern,
  processorFilterPatterns,
  projectorFilterPatterns,
} from '../streamFilters';
import {
  TENANT_THROTTLED_MINUTES,
  TENANT_THROTTLED_PER_MINUTE,
  tenantInsightRules,
  topThrottledExpression,
} from '../tenantInsights';
import { bundleFunctions } from './bundle';
import { functionStatements } from './policies';

/** Where the functions run when the engine goes into a VPC (yours: subnets and security groups). */
export interface PulumiVpcSettings {
  /** Private subnets with a NAT route (frames go to the public Management API). */
  readonly subnetIds: pulumi.Input<string>[];
  /** Security groups allowing HTTPS out. */
  readonly securityGroupIds: pulumi.Input<string>[];
}

/** Arguments of {@link StreamerEngine}. */
export interface StreamerEngineArgs {
  /** The same stage settings as the CDK construct (`stageSettings('prod')`). */
  readonly stage: StageSettings;
  readonly jwt: JwtSettings;
  /** Path of your module exporting `workflows` (as the CDK construct's `workflows`). Default: the demo workflows. */
  readonly workflows?: string;
  /** The repository root holding `src/lambdas`. Default: the parent of `infra/`. */
  readonly projectRoot?: string;
  readonly sizing?: Partial<Record<FunctionKind, FunctionSizing>>;
  /** Run every function but the authorizer in these subnets. */
  readonly vpc?: PulumiVpcSettings;
  /** ARN of a customer-managed KMS key for the tables and queues. */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** Where every alarm notifies, when given. */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /**
   * How the request view's indexes are projected, as the CDK construct's
   * `requestViewIndexProjection`. Default `'lean'`. A stack deployed before
   * the indexes were lean can say `'all'` to keep them; otherwise the next
   * `pulumi up` rebuilds the three indexes (docs/deploy.md).
   */
  readonly requestViewIndexProjection?: RequestViewIndexProjection;
}

interface Queues {
  readonly deadLetter: aws.sqs.Queue;
  readonly wakeUp: aws.sqs.Queue;
  readonly failedEvents: aws.sqs.Queue;
}

const INFRA_DIR = join(import.meta.dirname, '..');

/**
 * The Streamer engine as a Pulumi component, built from the same
 * definitions as the CDK construct: the tables of `src/tables/definitions.ts`,
 * the function entries, environment, bundling settings, stream filters,
 * mapping bounds and least-privilege access table of `infra/`. Every caller
 * invokes the `live` alias. What it does not do (CodeDeploy traffic
 * shifting, VPC endpoints, the CloudTrail option, cdk-nag) is listed in
 * docs/decisions/infra-pulumi.md.
 *
 * @example
 * const engine = new StreamerEngine('streamer', {
 *   stage: stageSettings('prod'),
 *   jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
 *   workflows: 'examples/expense-approval/workflows.ts',
 * });
 * export const url = engine.webSocketUrl;
 */
export class StreamerEngine extends pulumi.ComponentResource {
  readonly tables: Readonly<Record<TableRole, aws.dynamodb.Table>>;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly wakeUpQueue: aws.sqs.Queue;
  readonly failedEventsQueue: aws.sqs.Queue;
  readonly functions: Readonly<Record<FunctionKind, aws.lambda.Function>>;
  /** The `live` alias of each function: what the API, the authorizer and the mappings invoke. */
  readonly aliases: Readonly<Record<FunctionKind, aws.lambda.Alias>>;
  readonly api: aws.apigatewayv2.Api;
  readonly apiStage: aws.apigatewayv2.Stage;
  readonly authorizer: aws.apigatewayv2.Authorizer;
  /** `wss://…/<stage>`: what clients connect to. */
  readonly webSocketUrl: pulumi.Output<string>;
  /** `https://…/<stage>`: where frames are posted. */
  readonly managementEndpoint: pulumi.Output<string>;
  readonly #stage: StageSettings;
  readonly #names: TableNames;

  constructor(name: string, args: StreamerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super('streamer:index:StreamerEngine', name, {}, opts);
    const { stage } = args;
    this.#stage = stage;
    this.#names = tableNames(stage.prefix);
    const definitions = tablesWith(args.requestViewIndexProjection);
    const table = (role: TableRole) =>
      this.#table(definitions[role], this.#names[role], args.kmsKeyArn);
    this.tables = {
      requests: table('requests'),
      requestView: table('requestView'),
      connections: table('connections'),
      subscriptions: table('subscriptions'),
      flowControl: table('flowControl'),
      rateLimits: table('rateLimits'),
    };
    const sizing = { ...DEFAULT_SIZING, ...args.sizing };
    const queues = this.#queues(sizing.runner, args.kmsKeyArn);
    this.deadLetterQueue = queues.deadLetter;
    this.wakeUpQueue = queues.wakeUp;
    this.failedEventsQueue = queues.failedEvents;

    this.api = new aws.apigatewayv2.Api(
      `${name}-api`,
      {
        name: stage.prefix,
        description: `Streamer WebSocket API (${stage.stage})`,
        protocolType: 'WEBSOCKET',
        routeSelectionExpression: '$request.body.action',
      },
      this.#child(),
    );
    this.apiStage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: this.api.id,
        name: stage.stage,
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: stage.throttle.rateLimit,
          throttlingBurstLimit: stage.throttle.burstLimit,
        },
      },
      this.#child(),
    );
    this.webSocketUrl = pulumi.interpolate`${this.api.apiEndpoint}/${stage.stage}`;
    this.managementEndpoint = this.api.apiEndpoint.apply(
      (endpoint) => `${endpoint.replace(/^wss:\/\//, 'https://')}/${stage.stage}`,
    );

    const built = this.#functions(name, args, sizing, queues);
    this.functions = built.functions;
    this.aliases = built.aliases;
    this.authorizer = this.#routes(name);
    this.#mappings(name);
    this.#alarms(name, args.alarmTopicArn);
    this.#tenantMonitoring(name, args.alarmTopicArn);
    this.registerOutputs({
      webSocketUrl: this.webSocketUrl,
      managementEndpoint: this.managementEndpoint,
      requestsTableName: this.tables.requests.name,
      deadLetterQueueUrl: this.deadLetterQueue.url,
    });
  }

  #child(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    const retain = this.#stage.removalPolicy === RemovalPolicy.RETAIN;
    return { parent: this, ...(retain && { retainOnDelete: true }), ...extra };
  }

  /** One table from a shared definition: on demand, PITR, KMS, TTL and stream as the definition says. */
  #table(definition: TableDefinition, tableName: string, kmsKeyArn?: pulumi.Input<string>) {
    const keys = [
      definition.partitionKey,
      definition.sortKey,
      ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    const attributes = [
      ...new Map(keys.filter((k) => k !== undefined).map((k) => [k.name, k])).values(),
    ];
    return new aws.dynamodb.Table(
      `${this.#stage.prefix}-${definition.id}`,
      {
        name: tableName,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: definition.partitionKey.name,
        ...(definition.sortKey && { rangeKey: definition.sortKey.name }),
        attributes: attributes.map((k) => ({ name: k.name, type: k.type })),
        globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
          name: index.indexName,
          hashKey: index.partitionKey.name,
          ...(index.sortKey && { rangeKey: index.sortKey.name }),
          ...toPulumiProjection(projectionOf(index)),
        })),
        ...(definition.timeToLiveAttribute && {
          ttl: { attributeName: definition.timeToLiveAttribute, enabled: true },
        }),
        ...(definition.stream && { streamEnabled: true, streamViewType: definition.stream }),
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, ...(kmsKeyArn && { kmsKeyArn }) },
        deletionProtectionEnabled: this.#stage.deletionProtection,
      },
      this.#child(),
    );
  }

  #queues(runner: FunctionSizing, kmsKeyArn?: pulumi.Input<string>): Queues {
    const { prefix, queueRetention } = this.#stage;
    const encryption = kmsKeyArn ? { kmsMasterKeyId: kmsKeyArn } : { sqsManagedSseEnabled: true };
    const queue = (id: string, args: aws.sqs.QueueArgs) => {
      const created = new aws.sqs.Queue(
        `${prefix}-${id}`,
        { ...encryption, ...args },
        this.#child(),
      );
      // SSL only, as the CDK construct's enforceSSL.
      new aws.sqs.QueuePolicy(
        `${prefix}-${id}-ssl-only`,
        {
          queueUrl: created.url,
          policy: pulumi.jsonStringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sqs:*',
                Resource: created.arn,
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          }),
        },
        { parent: this },
      );
      return created;
    };
    const fourteenDays = 14 * 24 * 3600;
    const deadLetter = queue('dead-letters', {
      name: `${prefix}-dead-letters.fifo`,
      fifoQueue: true,
      contentBasedDeduplication: false,
      messageRetentionSeconds: fourteenDays,
    });
    const failedEvents = queue('failed-events', {
      name: `${prefix}-failed-events`,
      messageRetentionSeconds: queueRetention.toSeconds(),
    });
    const wakeUp = queue('wake-ups', {
      name: `${prefix}-wake-ups`,
      visibilityTimeoutSeconds: wakeUpVisibilityTimeout(runner.timeout).toSeconds(),
      messageRetentionSeconds: fourteenDays,
      redrivePolicy: pulumi.jsonStringify({
        deadLetterTargetArn: failedEvents.arn,
        maxReceiveCount: WAKE_UP_MAX_RECEIVES,
      }),
    });
    return { deadLetter, wakeUp, failedEvents };
  }

  #functions(
    name: string,
    args: StreamerEngineArgs,
    sizing: Record<FunctionKind, FunctionSizing>,
    queues: Queues,
  ) {
    const projectRoot = resolve(args.projectRoot ?? join(INFRA_DIR, '..'));
    const workflowsModule = resolve(args.workflows ?? join(INFRA_DIR, 'demoWorkflows.ts'));
    const bundles = bundleFunctions({ projectRoot, workflowsModule });
    const values = {
      stage: this.#stage.stage,
      tableNames: this.#names,
      deadLetterQueueUrl: queues.deadLetter.url,
      wakeUpQueueUrl: queues.wakeUp.url,
      managementEndpoint: this.managementEndpoint,
      jwt: args.jwt,
      ...(this.#stage.flowControl && { flowControl: this.#stage.flowControl }),
    };
    const functions = {} as Record<FunctionKind, aws.lambda.Function>;
    const aliases = {} as Record<FunctionKind, aws.lambda.Alias>;
    for (const kind of FUNCTION_KINDS) {
      const environment = functionEnvironment(kind, values);
      const spec = { name, kind, bundle: bundles[kind], sizing: sizing[kind], environment };
      functions[kind] = this.#function(spec, queues, args);
      aliases[kind] = new aws.lambda.Alias(
        `${name}-${kind}-live`,
        {
          name: LIVE_ALIAS,
          functionName: functions[kind].name,
          functionVersion: functions[kind].version,
        },
        { parent: this },
      );
    }
    return { functions, aliases };
  }

  /** One function with its log group and role, publishing a version on every code or setting change. */
  #function(
    spec: {
      name: string;
      kind: FunctionKind;
      bundle: string;
      sizing: FunctionSizing;
      environment: Record<string, pulumi.Input<string>>;
    },
    queues: Queues,
    args: StreamerEngineArgs,
  ): aws.lambda.Function {
    const { name, kind } = spec;
    const fnName = `${this.#stage.prefix}-${kind}`;
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-${kind}-logs`,
      { name: `/aws/lambda/${fnName}`, retentionInDays: this.#stage.logRetention },
      this.#child(),
    );
    const role = this.#role(name, kind, logGroup, queues, args);
    const vpc = kind === 'authorizer' ? undefined : args.vpc;
    return new aws.lambda.Function(
      `${name}-${kind}`,
      {
        name: fnName,
        description: `Streamer ${kind} (${this.#stage.stage})`,
        role: role.arn,
        runtime: BUNDLE.runtime,
        architectures: [BUNDLE.architecture],
        handler: BUNDLE.handler,
        code: new pulumi.asset.FileArchive(spec.bundle),
        memorySize: spec.sizing.memorySize,
        timeout: spec.sizing.timeout.toSeconds(),
        environment: { variables: spec.environment },
        tracingConfig: { mode: 'Active' },
        loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
        publish: true,
        ...(vpc && {
          vpcConfig: { subnetIds: vpc.subnetIds, securityGroupIds: vpc.securityGroupIds },
        }),
      },
      { parent: this, dependsOn: [logGroup] },
    );
  }

  #role(
    name: string,
    kind: FunctionKind,
    logGroup: aws.cloudwatch.LogGroup,
    queues: Queues,
    args: StreamerEngineArgs,
  ): aws.iam.Role {
    const role = new aws.iam.Role(
      `${name}-${kind}-role`,
      {
        description: `Streamer ${kind} (${this.#stage.stage})`,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      },
      { parent: this },
    );
    const statements = functionStatements(kind, {
      tables: this.tables,
      requestsStreamArn: this.tables.requests.streamArn,
      queues: {
        deadLetter: queues.deadLetter.arn,
        wakeUp: queues.wakeUp.arn,
        failedEvents: queues.failedEvents.arn,
      },
      stageExecutionArn: pulumi.interpolate`${this.api.executionArn}/${this.#stage.stage}`,
      logGroupArn: logGroup.arn,
      ...(args.kmsKeyArn && { kmsKeyArn: args.kmsKeyArn }),
    });
    new aws.iam.RolePolicy(
      `${name}-${kind}-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements }),
      },
      { parent: this },
    );
    if (args.vpc && kind !== 'authorizer') {
      new aws.iam.RolePolicyAttachment(
        `${name}-${kind}-vpc-access`,
        {
          role: role.name,
          policyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
        },
        { parent: this },
      );
    }
    return role;
  }

  /** The authorizer guards $connect; $default answers through the route response; all invoke `live`. */
  #routes(name: string): aws.apigatewayv2.Authorizer {
    const stageArn = pulumi.interpolate`${this.api.executionArn}/${this.#stage.stage}`;
    const permit = (kind: FunctionKind, id: string, sourceArn: pulumi.Input<string>) =>
      new aws.lambda.Permission(
        `${name}-${kind}-${id}-invoke`,
        {
          action: 'lambda:InvokeFunction',
          function: this.functions[kind].name,
          qualifier: LIVE_ALIAS,
          principal: 'apigateway.amazonaws.com',
          sourceArn,
        },
        { parent: this },
      );
    const authorizer = new aws.apigatewayv2.Authorizer(
      `${name}-jwt`,
      {
        apiId: this.api.id,
        name: `${this.#stage.prefix}-jwt`,
        authorizerType: 'REQUEST',
        authorizerUri: this.aliases.authorizer.invokeArn,
        identitySources: ['route.request.querystring.Authorization'],
      },
      { parent: this },
    );
    permit(
      'authorizer',
      'authorizer',
      pulumi.interpolate`${this.api.executionArn}/authorizers/${authorizer.id}`,
    );
    const route = (
      routeKey: string,
      kind: FunctionKind,
      extra: Partial<aws.apigatewayv2.RouteArgs>,
    ) => {
      const integration = new aws.apigatewayv2.Integration(
        `${name}-${kind}-integration`,
        {
          apiId: this.api.id,
          integrationType: 'AWS_PROXY',
          integrationUri: this.aliases[kind].invokeArn,
        },
        { parent: this },
      );
      permit(kind, 'route', pulumi.interpolate`${stageArn}/${routeKey}`);
      return new aws.apigatewayv2.Route(
        `${name}-${kind}-route`,
        {
          apiId: this.api.id,
          routeKey,
          target: pulumi.interpolate`integrations/${integration.id}`,
          ...extra,
        },
        { parent: this },
      );
    };
    route('$connect', 'connect', { authorizationType: 'CUSTOM', authorizerId: authorizer.id });
    route('$disconnect', 'disconnect', {});
    const defaultRoute = route('$default', 'router', {
      routeResponseSelectionExpression: '$default',
    });
    new aws.apigatewayv2.RouteResponse(
      `${name}-default-route-response`,
      { apiId: this.api.id, routeId: defaultRoute.id, routeResponseKey: '$default' },
      { parent: this },
    );
    return authorizer;
  }

  #mappings(name: string): void {
    const filters = (patterns: FilterPattern[]) => ({
      filters: patterns.map((pattern) => ({ pattern: JSON.stringify(pattern) })),
    });
    const stream = (kind: 'processor' | 'projector', patterns: FilterPattern[]) =>
      new aws.lambda.EventSourceMapping(
        `${name}-${kind}-stream`,
        {
          eventSourceArn: this.tables.requests.streamArn,
          functionName: this.aliases[kind].arn,
          startingPosition: 'TRIM_HORIZON',
          batchSize: STREAM_MAPPING[kind].batchSize,
          maximumRetryAttempts: STREAM_MAPPING[kind].retryAttempts,
          maximumRecordAgeInSeconds: STREAM_MAPPING[kind].maxRecordAge.toSeconds(),
          bisectBatchOnFunctionError: true,
          functionResponseTypes: ['ReportBatchItemFailures'],
          parallelizationFactor: STREAM_MAPPING.parallelizationFactor,
          destinationConfig: { onFailure: { destinationArn: this.failedEventsQueue.arn } },
          filterCriteria: filters(patterns),
        },
        { parent: this },
      );
    stream('processor', processorFilterPatterns());
    stream('projector', projectorFilterPatterns());
    new aws.lambda.EventSourceMapping(
      `${name}-runner-wake-ups`,
      {
        eventSourceArn: this.wakeUpQueue.arn,
        functionName: this.aliases.runner.arn,
        batchSize: WAKE_UP_MAPPING.batchSize,
        scalingConfig: { maximumConcurrency: WAKE_UP_MAPPING.maxConcurrency },
        functionResponseTypes: ['ReportBatchItemFailures'],
      },
      { parent: this },
    );
  }

  /** The CDK construct's per-tenant Contributor Insights rules and throttled-tenant alarm (infra/tenantInsights.ts). */
  #tenantMonitoring(name: string, topicArn?: pulumi.Input<string>): void {
    const prefix = this.#stage.prefix;
    const dependsOn = Object.values(this.functions);
    const rules = tenantInsightRules(prefix).map(
      (rule) =>
        new aws.cloudwatch.ContributorInsightRule(
          `${name}-${rule.name.slice(prefix.length + 1)}`,
          { ruleName: rule.name, ruleState: 'ENABLED', ruleDefinition: JSON.stringify(rule.body) },
          { parent: this, dependsOn },
        ),
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-TenantThrottled`,
      {
        name: `${prefix}-TenantThrottled`,
        alarmDescription: `One tenant had messages refused with RATE_LIMITED at least ${TENANT_THROTTLED_PER_MINUTE} times a minute for ${TENANT_THROTTLED_MINUTES} minutes (docs/flow-control.md).`,
        metricQueries: [
          { id: 'top', expression: topThrottledExpression(prefix), period: 60, returnData: true },
        ],
        threshold: TENANT_THROTTLED_PER_MINUTE,
        evaluationPeriods: TENANT_THROTTLED_MINUTES,
        datapointsToAlarm: TENANT_THROTTLED_MINUTES,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        ...(topicArn && { alarmActions: [topicArn], okActions: [topicArn] }),
      },
      { parent: this, dependsOn: rules },
    );
  }

  /** The CDK construct's queue and function alarms (table throttles are not ported). */
  #alarms(name: string, topicArn?: pulumi.Input<string>): void {
    const actions = topicArn ? { alarmActions: [topicArn], okActions: [topicArn] } : {};
    const alarm = (
      id: string,
      args: Omit<
        aws.cloudwatch.MetricAlarmArgs,
        'name' | 'evaluationPeriods' | 'comparisonOperator'
      > & { comparisonOperator?: string },
    ) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        {
          name: `${this.#stage.prefix}-${id}`,
          evaluationPeriods: 1,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          treatMissingData: 'notBreaching',
          ...actions,
          ...args,
        },
        { parent: this },
      );
    for (const [id, queue] of [
      ['DeadLetterQueueNotEmpty', this.deadLetterQueue],
      ['FailedEventsQueueNotEmpty', this.failedEventsQueue],
    ] as const) {
      alarm(id, {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queue.name },
        statistic: 'Maximum',
        period: 60,
        threshold: 1,
      });
    }
    for (const kind of FUNCTION_KINDS) {
      const pascalKind = kind.charAt(0).toUpperCase() + kind.slice(1);
      alarm(`${pascalKind}Errors`, {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: this.functions[kind].name },
        statistic: 'Sum',
        period: 300,
        threshold: 1,
      });
    }
  }
}

/** A shared index projection as the Pulumi (Terraform) provider's GSI arguments take it. */
function toPulumiProjection(projection: IndexProjection): {
  projectionType: IndexProjection['type'];
  nonKeyAttributes?: string[];
} {
  return projection.type === 'INCLUDE'
    ? { projectionType: 'INCLUDE', nonKeyAttributes: [...projection.attributes] }
    : { projectionType: projection.type };
}
