import { pathToFileURL } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleSizes, formatBundleSizes } from '../../infra/bundleSizes';
import { FUNCTION_KINDS } from '../../infra/functionEntries';
import { ENV } from '../../infra/functionEnvironment';
import { STREAM_MAPPING } from '../../infra/streamerEngine';
import { WAKE_UP_EVENT_TYPES } from '../../src/engine';
import { EVENT_SOURCE_MAPPINGS } from '../../src/settings/mappings';
import { toCreateTableInput } from '../../src/tables/createTables';
import { LIST_INDEX_ATTRIBUTES, tableNames, tables } from '../../src/tables/definitions';
import { bundlePath, SYNTH_TIMEOUT_MS, type SynthesizedEngine, synthEngine } from './synthEngine';

type Resource = { Type: string; Properties: Record<string, unknown> };

let synth: SynthesizedEngine;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  synth = synthEngine();
  template = synth.template;
  resources = template.toJSON().Resources as Record<string, Resource>;
}, SYNTH_TIMEOUT_MS);

const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  synth.stack.getLogicalId(construct.node.defaultChild as never);
const tableResource = (role: keyof typeof tables) => {
  const resource = resources[logicalId(synth.engine.tables[role])];
  if (!resource) throw new Error(`no table resource for ${role}`);
  return resource.Properties;
};
const functionLogicalId = (kind: (typeof FUNCTION_KINDS)[number]) =>
  logicalId(synth.engine.functions[kind]);
/** Callers invoke the `live` alias; its `Ref` is the alias ARN. */
const aliasLogicalId = (kind: (typeof FUNCTION_KINDS)[number]) =>
  logicalId(synth.engine.live.aliases[kind]);
/** Whether an event-source mapping invokes `kind`'s `live` alias (`<function name>:live`). */
const invokesAlias = (mapping: Resource, kind: (typeof FUNCTION_KINDS)[number]) => {
  const target = JSON.stringify(mapping.Properties.FunctionName);
  return target.includes(`{"Ref":"${aliasLogicalId(kind)}"}`) && target.includes('":live"');
};
const envOf = (kind: (typeof FUNCTION_KINDS)[number]): Record<string, unknown> => {
  const fn = resources[functionLogicalId(kind)];
  if (!fn) throw new Error(`no function resource for ${kind}`);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
};

describe('tables come from the shared definitions', () => {
  it('are built from the very objects the local stack uses', () => {
    // Prepare / Act: the construct exposes what it built from.
    // Assess: identity, not just equality.
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      expect(synth.engine.tableDefinitions[role]).toBe(tables[role]);
    }
  });

  it('have the keys, attributes and indexes the local stack creates', () => {
    const names = tableNames('streamer-prod');
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      const local = toCreateTableInput(tables[role], names[role]);
      const cloud = tableResource(role);
      expect(cloud.TableName).toBe(local.TableName);
      expect(cloud.KeySchema).toEqual(local.KeySchema);
      expect(cloud.AttributeDefinitions).toEqual(
        expect.arrayContaining(local.AttributeDefinitions ?? []),
      );
      expect((cloud.AttributeDefinitions as unknown[]).length).toBe(
        local.AttributeDefinitions?.length,
      );
      expect(cloud.GlobalSecondaryIndexes ?? []).toEqual(local.GlobalSecondaryIndexes ?? []);
      expect(cloud.BillingMode).toBe('PAY_PER_REQUEST');
    }
  });

  it('project the request view indexes lean: progress updates write none of the list indexes', () => {
    const indexes = tableResource('requestView').GlobalSecondaryIndexes as {
      IndexName: string;
      Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
    }[];
    const projection = Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection]));
    expect(projection).toEqual({
      byConnection: { ProjectionType: 'KEYS_ONLY' },
      byTenantStatus: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LIST_INDEX_ATTRIBUTES] },
      byTenant: {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: [...LIST_INDEX_ATTRIBUTES],
      },
      deadLettered: { ProjectionType: 'ALL' },
    });
    for (const { NonKeyAttributes = [] } of Object.values(projection)) {
      expect(NonKeyAttributes).not.toContain('progress');
      expect(NonKeyAttributes).not.toContain('lastSeq');
    }
  });

  it('stream the requests table as new images, and only it', () => {
    expect(tableResource('requests').StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    for (const role of ['requestView', 'connections', 'subscriptions'] as const) {
      expect(tableResource(role).StreamSpecification).toBeUndefined();
    }
  });

  it('expire items by the TTL attribute of each definition', () => {
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      const attribute = tables[role].timeToLiveAttribute;
      expect(tableResource(role).TimeToLiveSpecification).toEqual(
        attribute ? { AttributeName: attribute, Enabled: true } : undefined,
      );
    }
    expect(tableResource('requestView').TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });

  it('are encrypted, recoverable to a point in time and protected in prod', () => {
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      const table = tableResource(role);
      // SSEEnabled without a key ARN: the AWS-managed KMS key (aws/dynamodb).
      expect(table.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.DeletionProtectionEnabled).toBe(true);
    }
    expect(
      ofType('AWS::DynamoDB::Table').every(
        ([, r]) => (r as { DeletionPolicy?: string }).DeletionPolicy === 'Retain',
      ),
    ).toBe(true);
  });
});

describe('queues', () => {
  it('has a FIFO dead-letter queue de-duplicated by message id, not content', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'streamer-prod-dead-letters.fifo',
      FifoQueue: true,
      ContentBasedDeduplication: false,
    });
  });

  it('feeds the runner from a standard wake-up queue: one wake-up per invocation, a bounded number at once', () => {
    const wakeUps = logicalId(synth.engine.wakeUpQueue);
    expect(resources[wakeUps]?.Properties.FifoQueue).toBeUndefined();
    const runner = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      invokesAlias(r, 'runner'),
    );
    expect(runner.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': [wakeUps, 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: EVENT_SOURCE_MAPPINGS.runner.batchSize,
        ScalingConfig: { MaximumConcurrency: EVENT_SOURCE_MAPPINGS.runner.maxConcurrency },
      }),
    ]);
    // Its own concurrency: no other function can take the runner's, nor the runner theirs.
    expect(resources[logicalId(synth.engine.functions.runner)]?.Properties).toMatchObject({
      ReservedConcurrentExecutions: EVENT_SOURCE_MAPPINGS.runner.maxConcurrency,
    });
  });

  it('alarms when the runner falls behind its wake-ups (age of the oldest message)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(synth.engine.wakeUpQueue), 'QueueName'] },
        },
      ],
      Threshold: 20 * 60,
    });
  });
});

describe('stream mappings', () => {
  const mappingOf = (kind: 'processor' | 'projector') => {
    const found = ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      invokesAlias(r, kind),
    );
    expect(found).toHaveLength(1);
    return found[0]?.[1].Properties as Record<string, unknown>;
  };

  it.each(['processor', 'projector'] as const)(
    '%s reads the requests stream with finite retries and age, bisect, partial failures and an SQS on-failure destination',
    (kind) => {
      const mapping = mappingOf(kind);
      expect(mapping.EventSourceArn).toEqual({
        'Fn::GetAtt': [logicalId(synth.engine.tables.requests), 'StreamArn'],
      });
      expect(mapping.MaximumRetryAttempts).toBe(STREAM_MAPPING[kind].retryAttempts);
      expect(mapping.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(mapping.MaximumRetryAttempts).toBeLessThan(10_000);
      expect(mapping.MaximumRecordAgeInSeconds).toBe(STREAM_MAPPING[kind].maxRecordAge.toSeconds());
      expect(mapping.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
      expect(mapping.BisectBatchOnFunctionError).toBe(true);
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.DestinationConfig).toEqual({
        OnFailure: {
          Destination: { 'Fn::GetAtt': [logicalId(synth.engine.failedEventsQueue), 'Arn'] },
        },
      });
    },
  );

  it('wakes the processor only for inserts of the events that can make work due', () => {
    const filters = (mappingOf('processor').FilterCriteria as { Filters: { Pattern: string }[] })
      .Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { NewImage: { types: { SS: [...WAKE_UP_EVENT_TYPES] } } },
      },
      {
        eventName: ['INSERT'],
        dynamodb: { NewImage: { type: { S: [...WAKE_UP_EVENT_TYPES] } } },
      },
    ]);
    expect(WAKE_UP_EVENT_TYPES).not.toContain('step.progress');
    expect(WAKE_UP_EVENT_TYPES).not.toContain('step.checkpointed');
  });

  it('wakes the projector for every inserted event', () => {
    const filters = (mappingOf('projector').FilterCriteria as { Filters: { Pattern: string }[] })
      .Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'] }]);
  });
});

describe('WebSocket API', () => {
  it('guards $connect with the Lambda REQUEST authorizer reading the Authorization query string', () => {
    const [[authorizerId, authorizer] = []] = ofType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.Authorization'],
    });
    expect(JSON.stringify(authorizer?.Properties.AuthorizerUri)).toContain(
      aliasLogicalId('authorizer'),
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('has $connect, $disconnect and a two-way $default route', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect']);
    const defaultRoute = routes.find((r) => r.RouteKey === '$default');
    expect(defaultRoute?.RouteResponseSelectionExpression).toBe('$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', {
      RouteResponseKey: '$default',
    });
  });

  it('throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 2_000, ThrottlingBurstLimit: 5_000 },
    });
  });

  it('gives the frame posters the Management API endpoint and ManageConnections on this API only', () => {
    const apiId = logicalId(synth.engine.webSocketApi);
    for (const kind of ['router', 'projector'] as const) {
      const env = envOf(kind);
      expect(JSON.stringify(env[ENV.managementEndpoint])).toMatch(
        new RegExp(
          `"https://",\\{"Ref":"${apiId}"\\},".execute-api.eu-west-1.",\\{"Ref":"AWS::URLSuffix"\\},"/prod"`,
        ),
      );
      expect(
        statementsOf(kind).filter((s) => actionsOf(s).includes('execute-api:ManageConnections')),
      ).toEqual([
        expect.objectContaining({
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':execute-api:eu-west-1:123456789012:',
                { Ref: apiId },
                '/prod/*/@connections/*',
              ],
            ],
          },
        }),
      ]);
    }
    for (const kind of ['authorizer', 'connect', 'disconnect', 'processor', 'runner'] as const) {
      expect(statementsOf(kind).flatMap(actionsOf)).not.toContain('execute-api:ManageConnections');
    }
  });
});

describe('Lambda functions', () => {
  it('run Node.js 22 on ARM64 with active tracing', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(FUNCTION_KINDS.length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('are bundles Node loads as ES modules, each exporting `handler`', async () => {
    for (const kind of FUNCTION_KINDS) {
      const bundle = (await import(pathToFileURL(bundlePath(synth, kind)).href)) as {
        handler?: unknown;
      };
      expect(typeof bundle.handler, kind).toBe('function');
    }
  }, 60_000); // seven ~1 MB bundles on a shared machine

  it('report their bundle sizes, as `npm run synth` prints them', () => {
    const sizes = bundleSizes(synth.engine.functions, synth.assemblyDir);
    expect(sizes.map((s) => s.name)).toEqual([...FUNCTION_KINDS]);
    for (const size of sizes) {
      expect(size.codeBytes).toBeGreaterThan(1_000);
      expect(size.totalBytes).toBeGreaterThanOrEqual(size.codeBytes);
    }
    const printed = formatBundleSizes(sizes);
    for (const kind of FUNCTION_KINDS)
      expect(printed).toMatch(new RegExp(`${kind}\\s+\\d+\\.\\d KiB`));
  });

  it('give the back end every setting its config requires', () => {
    const required = [
      ENV.requestsTable,
      ENV.requestViewTable,
      ENV.connectionsTable,
      ENV.subscriptionsTable,
      ENV.deadLetterQueueUrl,
      ENV.wakeUpQueueUrl,
      ENV.managementEndpoint,
    ];
    for (const kind of ['projector', 'runner'] as const) {
      const env = envOf(kind);
      expect(Object.keys(env)).toEqual(expect.arrayContaining(required));
      expect(env[ENV.requestsTable]).toBe('streamer-prod-Requests');
    }
    // The processor only dispatches: the wake-up queue is all it is told about.
    expect(Object.keys(envOf('processor'))).toContain(ENV.wakeUpQueueUrl);
    expect(Object.keys(envOf('processor'))).not.toContain(ENV.requestsTable);
  });

  it('give the front door exactly what its config reads', () => {
    for (const kind of ['connect', 'disconnect', 'router'] as const) {
      expect(envOf(kind)).toMatchObject({
        [ENV.requestsTable]: 'streamer-prod-Requests',
        [ENV.connectionsTable]: 'streamer-prod-Connections',
        [ENV.subscriptionsTable]: 'streamer-prod-Subscriptions',
      });
      expect(Object.keys(envOf(kind))).not.toContain(ENV.deadLetterQueueUrl);
    }
    expect(Object.keys(envOf('router'))).toContain(ENV.managementEndpoint);
  });

  it('give the authorizer the JWT settings and no table names', () => {
    const env = envOf('authorizer');
    expect(env).toMatchObject({
      [ENV.jwksUrl]: 'https://auth.example.com/.well-known/jwks.json',
      [ENV.jwtIssuer]: 'https://auth.example.com/',
    });
    expect(Object.keys(env)).not.toContain(ENV.requestsTable);
  });
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const statementsOf = (kind: (typeof FUNCTION_KINDS)[number]): Statement[] => {
  const roleId = logicalId(synth.engine.functions[kind].role as never);
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};

/** Actions AWS does not scope to a resource: they can only be granted on `*`. */
const UNSCOPABLE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'dynamodb:ListStreams',
]);

describe('least privilege', () => {
  it('grants no wildcard actions, and `*` resources only for actions AWS cannot scope', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(
      ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) {
        expect(action).not.toMatch(/(^\*$)|(:\*$)/);
      }
      if (resourcesOf(statement).includes('*')) {
        expect(actionsOf(statement).filter((a) => !UNSCOPABLE_ACTIONS.has(a))).toEqual([]);
      }
    }
  });

  const tableGrants = (kind: (typeof FUNCTION_KINDS)[number]) =>
    new Set(
      statementsOf(kind)
        .filter((s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams'),
        )
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r).match(/"Engine(\w+?)[0-9A-F]{8}"/)?.[1]),
    );

  it('lets each function touch only the tables it uses', () => {
    expect(tableGrants('authorizer')).toEqual(new Set());
    expect(tableGrants('connect')).toEqual(new Set(['Connections']));
    expect(tableGrants('disconnect')).toEqual(new Set(['Connections', 'Subscriptions']));
    expect(tableGrants('processor')).toEqual(new Set(['Requests']));
    expect(tableGrants('runner')).toEqual(new Set(['Requests', 'FlowControl']));
    expect(tableGrants('projector')).toEqual(
      new Set(['Requests', 'RequestView', 'Connections', 'Subscriptions']),
    );
    // The router reads the request view for `list`.
    expect(tableGrants('router')).toEqual(
      new Set(['Requests', 'RequestView', 'Connections', 'Subscriptions', 'RateLimits']),
    );
  });

  it('lets only the runner send dead letters, and the processor and the runner wake-ups', () => {
    const senders = (queue: { node: { defaultChild?: unknown } }) =>
      FUNCTION_KINDS.filter((kind) =>
        statementsOf(kind).some(
          (s) =>
            actionsOf(s).includes('sqs:SendMessage') &&
            JSON.stringify(s.Resource).includes(`"${logicalId(queue)}"`),
        ),
      );
    expect(senders(synth.engine.deadLetterQueue)).toEqual(['runner']);
    expect(senders(synth.engine.wakeUpQueue)).toEqual(['processor', 'runner']);
  });

  it('gives the projector read-only access to the event log', () => {
    const writes = statementsOf('projector').filter(
      (s) =>
        actionsOf(s).includes('dynamodb:PutItem') &&
        JSON.stringify(s.Resource).includes(`"${logicalId(synth.engine.tables.requests)}"`),
    );
    expect(writes).toEqual([]);
  });

  it('lets the router query the request view (list) and update it (subscription versions)', () => {
    const onView = statementsOf('router')
      .filter((s) =>
        JSON.stringify(s.Resource).includes(`"${logicalId(synth.engine.tables.requestView)}"`),
      )
      .flatMap(actionsOf);
    expect(onView).toContain('dynamodb:Query');
    expect(onView).toContain('dynamodb:UpdateItem');
    expect(envOf('router')[ENV.requestViewTable]).toBe('streamer-prod-RequestView');
  });
});

describe('alarms', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const named = (suffix: string) => {
    const alarm = alarms().find((a) => a.AlarmName === `streamer-prod-${suffix}`);
    if (!alarm) throw new Error(`no alarm streamer-prod-${suffix}`);
    return alarm;
  };

  it('fires when the dead-letter or failed-events queue holds any message', () => {
    for (const [queue, name] of [
      [synth.engine.deadLetterQueue, 'DeadLetterQueueNotEmpty'],
      [synth.engine.failedEventsQueue, 'FailedEventsQueueNotEmpty'],
    ] as const) {
      expect(named(name)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(queue), 'QueueName'] } },
        ],
      });
    }
  });

  it('fires on any error or throttle of any function', () => {
    for (const kind of FUNCTION_KINDS) {
      const name = kind.charAt(0).toUpperCase() + kind.slice(1);
      for (const metric of ['Errors', 'Throttles']) {
        expect(named(`${name}${metric}`)).toMatchObject({
          MetricName: metric,
          Namespace: 'AWS/Lambda',
          Threshold: 1,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(kind) } }],
        });
      }
    }
  });

  it('fires when a stream consumer falls a minute behind', () => {
    for (const [kind, name] of [
      ['processor', 'ProcessorIteratorAge'],
      ['projector', 'ProjectorIteratorAge'],
    ] as const) {
      expect(named(name)).toMatchObject({
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(kind) } }],
      });
    }
  });

  it('fires when the oldest wake-up waited longer than any delay the engine asks for (the runner is behind)', () => {
    expect(named('WakeUpQueueBacklog')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Threshold: 20 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(synth.engine.wakeUpQueue), 'QueueName'] },
        },
      ],
    });
  });

  it('fires when DynamoDB throttles reads or writes on any table', () => {
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      const alarm = named(`${tables[role].id}Throttles`);
      const metrics = alarm.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[];
      expect(
        metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])),
      ).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
      expect(JSON.stringify(alarm.Metrics)).toContain(`"${logicalId(synth.engine.tables[role])}"`);
    }
  });

  it('treats a quiet system as healthy and notifies nobody unless a topic is given', () => {
    for (const alarm of alarms()) {
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmActions).toBeUndefined();
    }
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('naming', () => {
  it('never names a construct Default and names resources by stage', () => {
    expect(synth.engine.node.findAll().some((c) => c.node.id === 'Default')).toBe(false);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'streamer-prod-router',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'streamer-prod',
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: Match.anyValue(),
    });
  });
});

describe('blue/green deploys', () => {
  it('invoke every function through its `live` alias on the function’s current version', () => {
    const aliases = ofType('AWS::Lambda::Alias');
    expect(aliases).toHaveLength(FUNCTION_KINDS.length);
    for (const kind of FUNCTION_KINDS) {
      const alias = resources[aliasLogicalId(kind)];
      expect(alias?.Properties).toMatchObject({
        Name: 'live',
        FunctionName: { Ref: functionLogicalId(kind) },
        FunctionVersion: { 'Fn::GetAtt': [expect.any(String), 'Version'] },
      });
      const versionId = (
        (alias as Resource).Properties.FunctionVersion as { 'Fn::GetAtt': [string] }
      )['Fn::GetAtt'][0];
      expect(resources[versionId]?.Type).toBe('AWS::Lambda::Version');
    }
  });

  it('point every event-source mapping, integration and the authorizer at an alias, never at $LATEST', () => {
    const aliasIds = new Set(FUNCTION_KINDS.map(aliasLogicalId));
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [, mapping] of mappings) {
      expect(FUNCTION_KINDS.some((kind) => invokesAlias(mapping, kind))).toBe(true);
    }
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(3);
    for (const [, integration] of integrations) {
      const uri = JSON.stringify(integration.Properties.IntegrationUri);
      expect([...aliasIds].some((id) => uri.includes(`"${id}"`))).toBe(true);
      expect(FUNCTION_KINDS.some((kind) => uri.includes(`"${functionLogicalId(kind)}"`))).toBe(
        false,
      );
    }
    // API Gateway may invoke the aliases it calls (and only them).
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions).toHaveLength(4);
    for (const [, permission] of permissions) {
      expect(aliasIds.has((permission.Properties.FunctionName as { Ref: string }).Ref)).toBe(true);
    }
  });

  it('shift prod traffic with a CodeDeploy canary per alias, rolling back on failure, stop or alarm', () => {
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(FUNCTION_KINDS.length);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: expect.arrayContaining([
            'DEPLOYMENT_FAILURE',
            'DEPLOYMENT_STOP_ON_REQUEST',
            'DEPLOYMENT_STOP_ON_ALARM',
          ]),
        },
        AlarmConfiguration: { Enabled: true },
      });
    }
    for (const kind of FUNCTION_KINDS) {
      const alias = resources[aliasLogicalId(kind)] as Resource & { UpdatePolicy?: unknown };
      expect(alias.UpdatePolicy).toMatchObject({
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: expect.any(String) },
          DeploymentGroupName: {
            Ref: logicalId(synth.engine.live.deploymentGroups?.[kind] as never),
          },
        },
      });
    }
  });

  it("roll a function back on its own errors, a consumer's iterator age, and any dead letter or dropped batch", () => {
    const alarmNames = (kind: (typeof FUNCTION_KINDS)[number]) => {
      const group = resources[logicalId(synth.engine.live.deploymentGroups?.[kind] as never)];
      const alarms = (
        (group as Resource).Properties.AlarmConfiguration as { Alarms: { Name: { Ref: string } }[] }
      ).Alarms;
      return alarms.map((a) => resources[a.Name.Ref]?.Properties.AlarmName).sort();
    };
    expect(alarmNames('processor')).toEqual([
      'streamer-prod-DeadLetterQueueNotEmpty',
      'streamer-prod-FailedEventsQueueNotEmpty',
      'streamer-prod-ProcessorErrors',
      'streamer-prod-ProcessorIteratorAge',
    ]);
    expect(alarmNames('router')).toEqual([
      'streamer-prod-DeadLetterQueueNotEmpty',
      'streamer-prod-FailedEventsQueueNotEmpty',
      'streamer-prod-RouterErrors',
    ]);
  });

  it('update the router’s alias only after every runner’s alias finished shifting', () => {
    const router = resources[aliasLogicalId('router')] as Resource & { DependsOn?: string[] };
    expect(router.DependsOn).toEqual(
      expect.arrayContaining(
        ['processor', 'projector', 'runner'].map((k) => aliasLogicalId(k as never)),
      ),
    );
  });
});

describe('flow control and per-tenant monitoring', () => {
  it('give the router its rate limits and the runner its default concurrency, from the stage', () => {
    expect(envOf('router')).toMatchObject({
      [ENV.rateLimitsTable]: 'streamer-prod-RateLimits',
      [ENV.tenantMessagesPerSecond]: '1000',
      [ENV.connectionMessagesPerSecond]: '100',
      [ENV.tenantStartsPerSecond]: '100',
    });
    expect(envOf('runner')).toMatchObject({
      [ENV.flowControlTable]: 'streamer-prod-FlowControl',
      [ENV.concurrencyPerTenant]: '50',
    });
    expect(Object.keys(envOf('runner'))).not.toContain(ENV.rateLimitsTable);
    for (const kind of ['processor', 'projector'] as const) {
      expect(Object.keys(envOf(kind))).not.toContain(ENV.flowControlTable);
    }
  });

  it('rank tenants with Contributor Insights rules keyed on the tenant_id of every log line', () => {
    const rules = ofType('AWS::CloudWatch::InsightRule').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.RuleName).sort()).toEqual([
      'streamer-prod-tenant-failures',
      'streamer-prod-tenant-messages',
      'streamer-prod-tenant-queue-wait',
      'streamer-prod-tenant-throttles',
    ]);
    for (const rule of rules) {
      const body = JSON.parse(rule.RuleBody as string);
      expect(body.Contribution.Keys).toEqual(['$.tenant_id']);
      expect(
        body.LogGroupNames.every((name: string) => name.startsWith('/aws/lambda/streamer-prod-')),
      ).toBe(true);
    }
  });

  it('alarm when one tenant is throttled for long, from the top contributor, not a metric per tenant', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'streamer-prod-TenantThrottled',
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      Threshold: 60,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression:
            'INSIGHT_RULE_METRIC("streamer-prod-tenant-throttles", "MaxContributorValue")',
        }),
      ]),
    });
  });
});
