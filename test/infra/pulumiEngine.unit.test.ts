import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { STREAM_MAPPING } from '../../infra/engineSettings';
import { FUNCTION_KINDS, WORKFLOW_FUNCTION_KINDS } from '../../infra/functionEntries';
import { ENV } from '../../infra/functionEnvironment';
import { processorFilterPatterns } from '../../infra/streamFilters';
import { LIST_INDEX_ATTRIBUTES, tableNames, tables } from '../../src/tables/definitions';
import { SYNTH_TIMEOUT_MS } from './synthEngine';

/** A resource the program registered, with its inputs resolved. */
interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const fixture = join(import.meta.dirname, '..', 'fixtures', 'customWorkflows', 'index.ts');
const registered: Registered[] = [];

/** What AWS would compute for a resource, enough for everything the component references. */
function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const physical = String(inputs.name ?? name);
  const arn = `arn:aws:${type.split(':')[1]?.split('/')[0]}:eu-west-1:123456789012:${physical}`;
  switch (type) {
    case 'aws:dynamodb/table:Table':
      return { arn, streamArn: `${arn}/stream/2026-12-01T00:00:00.000` };
    case 'aws:sqs/queue:Queue':
      return { arn, url: `https://sqs.eu-west-1.amazonaws.com/123456789012/${physical}` };
    case 'aws:apigatewayv2/api:Api':
      return {
        apiEndpoint: 'wss://api123.execute-api.eu-west-1.amazonaws.com',
        executionArn: 'arn:aws:execute-api:eu-west-1:123456789012:api123',
      };
    case 'aws:lambda/function:Function':
      return { arn, version: '1', invokeArn: `${arn}/invocations` };
    case 'aws:lambda/alias:Alias':
      return {
        arn: `arn:aws:lambda:eu-west-1:123456789012:function:${inputs.functionName}:live`,
        invokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/functions/${inputs.functionName}:live/invocations`,
      };
    default:
      return { arn };
  }
}

let engine: import('../../infra/pulumi').StreamerEngine;

beforeAll(async () => {
  // Prepare: Pulumi's runtime mocks record every registration; no CLI, no credentials, no AWS.
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, ...computed(args.type, args.name, args.inputs) },
        };
      },
      call: (args) => args.inputs,
    },
    'streamer',
    'test',
    false,
  );
  // Act: the component is imported after the mocks are set, as Pulumi's docs require.
  const { StreamerEngine, stageSettings } = await import('../../infra/pulumi');
  engine = new StreamerEngine('streamer', {
    stage: stageSettings('prod'),
    jwt: {
      jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
      issuer: 'https://auth.example.com/',
    },
    workflows: fixture,
  });
  // Assess after every registration has gone through (disconnect drains the queue of pending ones).
  await resolved(engine.webSocketUrl);
  await pulumi.runtime.disconnect();
}, SYNTH_TIMEOUT_MS);

const resolved = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => output.apply((value) => resolve(value)));
const ofType = (type: string) => registered.filter((r) => r.type === type);
const only = (type: string, predicate: (r: Registered) => boolean) => {
  const found = ofType(type).filter(predicate);
  expect(found, type).toHaveLength(1);
  return found[0] as Registered;
};

describe('the Pulumi component', () => {
  it('creates every table from the shared definitions, the event log streaming new images', () => {
    const names = tableNames('streamer-prod');
    const created = ofType('aws:dynamodb/table:Table');
    expect(created.map((t) => t.inputs.name).sort()).toEqual(Object.values(names).sort());
    for (const role of Object.keys(tables) as (keyof typeof tables)[]) {
      const definition = tables[role];
      const table = only('aws:dynamodb/table:Table', (t) => t.inputs.name === names[role]);
      expect(table.inputs).toMatchObject({
        billingMode: 'PAY_PER_REQUEST',
        hashKey: definition.partitionKey.name,
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
      });
      expect(
        (table.inputs.globalSecondaryIndexes as { name: string }[]).map((i) => i.name),
      ).toEqual(definition.globalIndexes.map((i) => i.indexName));
    }
    const view = only('aws:dynamodb/table:Table', (t) => t.inputs.name === names.requestView);
    const projection = Object.fromEntries(
      (
        view.inputs.globalSecondaryIndexes as {
          name: string;
          projectionType: string;
          nonKeyAttributes?: string[];
        }[]
      ).map((i) => [i.name, [i.projectionType, i.nonKeyAttributes]]),
    );
    expect(projection).toEqual({
      byConnection: ['KEYS_ONLY', undefined],
      byTenantStatus: ['INCLUDE', [...LIST_INDEX_ATTRIBUTES]],
      byTenant: ['INCLUDE', [...LIST_INDEX_ATTRIBUTES]],
      deadLettered: ['ALL', undefined],
    });
    const requests = only('aws:dynamodb/table:Table', (t) => t.inputs.name === names.requests);
    expect(requests.inputs).toMatchObject({
      rangeKey: 'seq',
      streamEnabled: true,
      streamViewType: 'NEW_IMAGE',
    });
  });

  it("bundles the user's workflows into the functions that need them, and deploys that bundle", async () => {
    const functions = ofType('aws:lambda/function:Function');
    expect(functions).toHaveLength(FUNCTION_KINDS.length);
    for (const fn of functions) {
      expect(fn.inputs).toMatchObject({
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        tracingConfig: { mode: 'Active' },
        publish: true,
      });
      const kind = String(fn.inputs.name).replace('streamer-prod-', '');
      // A FileArchive of the bundle's directory (its path is a promise inside Pulumi's asset).
      const archive = fn.inputs.code as { path: Promise<string> };
      const bundle = readFileSync(join(await archive.path, 'index.mjs'), 'utf8');
      const isWorkflowKind = (WORKFLOW_FUNCTION_KINDS as readonly string[]).includes(kind);
      expect(bundle.includes('invoice_reconciliation'), kind).toBe(isWorkflowKind);
      expect(bundle).not.toContain('generate_report');
    }
  });

  it('gives each function the settings its config reads, the same as the CDK app', () => {
    const envOf = (kind: string) =>
      (
        only('aws:lambda/function:Function', (f) => f.inputs.name === `streamer-prod-${kind}`)
          .inputs.environment as { variables: Record<string, string> }
      ).variables;
    expect(envOf('processor')).toMatchObject({
      [ENV.wakeUpQueueUrl]:
        'https://sqs.eu-west-1.amazonaws.com/123456789012/streamer-prod-wake-ups',
    });
    expect(Object.keys(envOf('processor'))).not.toContain(ENV.requestsTable);
    expect(envOf('runner')).toMatchObject({
      [ENV.requestsTable]: 'streamer-prod-Requests',
      [ENV.deadLetterQueueUrl]:
        'https://sqs.eu-west-1.amazonaws.com/123456789012/streamer-prod-dead-letters.fifo',
      [ENV.managementEndpoint]: 'https://api123.execute-api.eu-west-1.amazonaws.com/prod',
    });
    expect(envOf('authorizer')).toMatchObject({
      [ENV.jwksUrl]: 'https://auth.example.com/.well-known/jwks.json',
      [ENV.jwtIssuer]: 'https://auth.example.com/',
    });
    expect(Object.keys(envOf('authorizer'))).not.toContain(ENV.requestsTable);
  });

  it('maps the stream onto the live aliases with bounded retries and age, bisect, partial failures and an on-failure queue', () => {
    const mappings = ofType('aws:lambda/eventSourceMapping:EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const kind of ['processor', 'projector'] as const) {
      const mapping = only('aws:lambda/eventSourceMapping:EventSourceMapping', (m) =>
        String(m.inputs.functionName).endsWith(`streamer-prod-${kind}:live`),
      );
      expect(mapping.inputs).toMatchObject({
        eventSourceArn: expect.stringContaining('streamer-prod-Requests/stream/'),
        startingPosition: 'TRIM_HORIZON',
        maximumRetryAttempts: STREAM_MAPPING[kind].retryAttempts,
        maximumRecordAgeInSeconds: 3600,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ['ReportBatchItemFailures'],
        destinationConfig: {
          onFailure: { destinationArn: expect.stringContaining('failed-events') },
        },
      });
    }
    const processor = only('aws:lambda/eventSourceMapping:EventSourceMapping', (m) =>
      String(m.inputs.functionName).endsWith('processor:live'),
    );
    expect(processor.inputs.filterCriteria).toEqual({
      filters: processorFilterPatterns().map((p) => ({ pattern: JSON.stringify(p) })),
    });
    only('aws:lambda/eventSourceMapping:EventSourceMapping', (m) =>
      String(m.inputs.functionName).endsWith('runner:live'),
    );
  });

  it('guards $connect with the REQUEST authorizer on the live alias, reading the Authorization query string', () => {
    const authorizer = only('aws:apigatewayv2/authorizer:Authorizer', () => true);
    expect(authorizer.inputs).toMatchObject({
      authorizerType: 'REQUEST',
      identitySources: ['route.request.querystring.Authorization'],
      authorizerUri: expect.stringContaining('streamer-prod-authorizer:live'),
    });
    const routes = ofType('aws:apigatewayv2/route:Route');
    expect(routes.map((r) => r.inputs.routeKey).sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
    ]);
    expect(routes.find((r) => r.inputs.routeKey === '$connect')?.inputs).toMatchObject({
      authorizationType: 'CUSTOM',
      authorizerId: 'streamer-jwt-id',
    });
    expect(
      routes.find((r) => r.inputs.routeKey === '$default')?.inputs.routeResponseSelectionExpression,
    ).toBe('$default');
    for (const integration of ofType('aws:apigatewayv2/integration:Integration')) {
      expect(String(integration.inputs.integrationUri)).toMatch(/:live\/invocations$/);
    }
  });

  it('grants least privilege: the projector only reads the log, only the frame posters manage connections', async () => {
    const statementsOf = (kind: string) =>
      JSON.parse(
        String(
          only('aws:iam/rolePolicy:RolePolicy', (p) => p.name === `streamer-${kind}-policy`).inputs
            .policy,
        ),
      ).Statement as { Action: string[]; Resource: string[] }[];
    const onLog = (kind: string) =>
      statementsOf(kind)
        .filter((s) =>
          s.Resource.includes('arn:aws:dynamodb:eu-west-1:123456789012:streamer-prod-Requests'),
        )
        .flatMap((s) => s.Action);
    expect(onLog('projector')).toContain('dynamodb:Query');
    expect(onLog('projector')).not.toContain('dynamodb:PutItem');
    expect(onLog('runner')).toContain('dynamodb:PutItem');
    expect(onLog('processor')).toEqual([]);
    // The router's `list` queries the request view; `subscribe` updates its subscription version.
    const onView = statementsOf('router')
      .filter((s) => s.Resource.some((r) => r.includes(':streamer-prod-RequestView')))
      .flatMap((s) => s.Action);
    expect(onView).toContain('dynamodb:Query');
    expect(onView).toContain('dynamodb:UpdateItem');
    for (const kind of FUNCTION_KINDS) {
      const manages = statementsOf(kind).some((s) =>
        s.Action.includes('execute-api:ManageConnections'),
      );
      expect(manages, kind).toBe(kind === 'router' || kind === 'projector');
      for (const statement of statementsOf(kind)) {
        expect(statement.Action.some((a) => a.endsWith(':*'))).toBe(false);
      }
    }
  });

  it('exposes the WebSocket URL and the Management API endpoint', async () => {
    expect(await resolved(engine.webSocketUrl)).toBe(
      'wss://api123.execute-api.eu-west-1.amazonaws.com/prod',
    );
    expect(await resolved(engine.managementEndpoint)).toBe(
      'https://api123.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });
});
