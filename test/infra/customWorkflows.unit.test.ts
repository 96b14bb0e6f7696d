import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FunctionKind, WORKFLOW_FUNCTION_KINDS } from '../../infra/functionEntries';
import { bundlePath, SYNTH_TIMEOUT_MS, type SynthesizedEngine, synthEngine } from './synthEngine';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'customWorkflows', 'index.ts');
let synth: SynthesizedEngine;

beforeAll(() => {
  synth = synthEngine({
    workflows: fixture,
    alarmTopic: (stack) => new Topic(stack, 'OpsAlarms'),
  });
}, SYNTH_TIMEOUT_MS);

const bundleOf = (kind: FunctionKind) => readFileSync(bundlePath(synth, kind), 'utf8');

/** A `$default` message as API Gateway delivers it, from an authorized connection. */
const message = (body: unknown) => ({
  requestContext: {
    routeKey: '$default',
    eventType: 'MESSAGE',
    connectionId: 'conn-1',
    messageId: 'msg-1',
    requestId: 'req-1',
    apiId: 'api123',
    domainName: 'api123.execute-api.eu-west-1.amazonaws.com',
    stage: 'prod',
    connectedAt: 1,
    requestTimeEpoch: 1,
    authorizer: { userId: 'user-1', tenantId: 'tenant-1' },
  },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

describe('a user-defined workflow module outside src/', () => {
  it('is bundled into the runner instead of the demo workflows', () => {
    const runner = bundleOf('runner');
    expect(runner).toContain('invoice_reconciliation');
    expect(runner).toContain('ledger_ping');
    expect(runner).not.toContain('generate_report');
    expect(runner).not.toContain('bulk_operation');
  });

  it('is bundled into every function that needs the registry, and into no other', () => {
    for (const kind of WORKFLOW_FUNCTION_KINDS) {
      expect(bundleOf(kind)).toContain('invoice_reconciliation');
    }
    for (const kind of ['authorizer', 'connect', 'disconnect'] as const) {
      expect(bundleOf(kind)).not.toContain('invoice_reconciliation');
    }
  });
});

describe('the deployed router bundle', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("answers the user's own inline action, and knows no demo action", async () => {
    // Prepare: the settings the CDK app gives the router (no AWS call is made for an inline action).
    for (const [name, value] of Object.entries({
      REQUESTS_TABLE: 'streamer-prod-Requests',
      REQUEST_VIEW_TABLE: 'streamer-prod-RequestView',
      CONNECTIONS_TABLE: 'streamer-prod-Connections',
      SUBSCRIPTIONS_TABLE: 'streamer-prod-Subscriptions',
      WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://api123.execute-api.eu-west-1.amazonaws.com/prod',
      AWS_REGION: 'eu-west-1',
    })) {
      vi.stubEnv(name, value);
    }
    const { handler } = (await import(pathToFileURL(bundlePath(synth, 'router')).href)) as {
      handler: (event: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    // Act
    const mine = await handler(message({ action: 'ledger_ping', id: 'm1' }));
    const demo = await handler(message({ action: 'generate_report', id: 'm2', payload: {} }));
    // Assess: the route response carries the frame.
    expect(JSON.parse(mine.body)).toMatchObject({
      type: 'response',
      request_id: 'm1',
      success: true,
      data: { ledger: 'up' },
    });
    expect(JSON.parse(demo.body)).toMatchObject({
      type: 'error',
      request_id: 'm2',
      error: { code: 'INVALID_ACTION' },
    });
  }, 60_000); // loading a ~1 MB bundle on a shared machine
});

describe('an alarm topic', () => {
  it('receives every alarm and its recovery', () => {
    const topicId = synth.stack.getLogicalId(
      synth.stack.node.findChild('OpsAlarms').node.defaultChild as never,
    );
    const alarms = Object.values(
      synth.template.findResources('AWS::CloudWatch::Alarm') as Record<
        string,
        { Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] } }
      >,
    );
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });
});
