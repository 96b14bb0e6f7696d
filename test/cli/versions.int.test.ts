import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findStrandedVersions,
  formatOpenVersions,
  listOpenVersions,
  type OpenVersion,
  versionsCommand,
} from '../../src/cli/versions';
import { createWorkflowRegistry } from '../../src/engine';
import { type NewEvent, toRequestKey } from '../../src/events';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { foldRequestView } from '../../src/projections/requestView';
import { createDemoWorkflows } from '../../src/workflows';
import { createTestTables, type TestDynamo } from '../support/dynamo';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

let dynamo: TestDynamo;
let versions: OpenVersion[];

/** One request's log, as the engine writes it, and its view, as the projector stores it. */
async function givenRun(
  id: string,
  action: string,
  workflowVersion: number,
  ending: 'running' | 'queued' | 'completed' | 'dead_lettered' | 'cancelled',
  acceptedAt: number,
): Promise<void> {
  const requestKey = toRequestKey('acme', id);
  const event = (type: string, data: unknown, at = acceptedAt): NewEvent => ({
    type,
    at,
    tenantId: 'acme',
    userId: 'ann',
    data,
  });
  const events: NewEvent[] = [
    event('request.accepted', {
      action,
      workflowVersion,
      input: {},
      clientRequestId: id,
      maxAttempts: 3,
    }),
    ending === 'queued'
      ? event('request.queued', { position: 0, limit: 1 }, acceptedAt + 1)
      : event('step.started', { stepId: 'work', attempt: 1 }, acceptedAt + 1),
  ];
  if (ending === 'completed')
    events.push(event('request.completed', { output: {} }, acceptedAt + 2));
  if (ending === 'cancelled') events.push(event('request.cancelled', {}, acceptedAt + 2));
  if (ending === 'dead_lettered') {
    const error = { name: 'Error', message: 'down', retryable: true };
    events.push(event('request.failed', { error, attempts: 3, exhausted: true }, acceptedAt + 2));
    events.push(event('request.dead_lettered', { attempts: 3, errors: [error] }, acceptedAt + 3));
  }
  const store = new DynamoDbEventStore({
    client: dynamo.client,
    tableName: dynamo.tables.requests,
  });
  await store.append(requestKey, 0, events);
  const view = foldRequestView(await store.read(requestKey));
  if (!view) throw new Error(`no view for ${id}`);
  await new DynamoDbRequestViewStore({
    client: dynamo.client,
    tableName: dynamo.tables.requestView,
  }).save(view);
}

beforeAll(async () => {
  // Prepare: runs of two versions of one action and one of another, in every ending.
  dynamo = await createTestTables('versions');
  await Promise.all([
    givenRun('a1', 'expense_approval', 1, 'running', NOW - 3 * DAY),
    givenRun('a2', 'expense_approval', 1, 'running', NOW - 1 * DAY),
    givenRun('a3', 'expense_approval', 1, 'dead_lettered', NOW - 2 * DAY),
    givenRun('a4', 'expense_approval', 1, 'completed', NOW - 5 * DAY),
    givenRun('b1', 'expense_approval', 2, 'running', NOW - DAY / 2),
    givenRun('b2', 'expense_approval', 2, 'cancelled', NOW - DAY / 2),
    givenRun('c1', 'echo_async', 1, 'completed', NOW - DAY),
    // A run waiting for a concurrency slot has not started a step, and will replay its log.
    givenRun('q1', 'process_data', 3, 'queued', NOW - 4 * DAY),
  ]);
  // Act
  versions = await listOpenVersions({ client: dynamo.client, tables: dynamo.tables });
}, 60_000);

afterAll(() => dynamo?.client.destroy());

describe('streamer versions', () => {
  it('lists unfinished runs per action and workflow version, dead-lettered ones apart', () => {
    expect(versions).toEqual([
      {
        action: 'expense_approval',
        workflowVersion: 2,
        open: 1,
        deadLettered: 0,
        oldestCreatedAt: NOW - DAY / 2,
        examples: ['acme#b1'],
      },
      {
        action: 'expense_approval',
        workflowVersion: 1,
        open: 2,
        deadLettered: 1,
        oldestCreatedAt: NOW - 3 * DAY,
        examples: ['acme#a1', 'acme#a2', 'acme#a3'],
      },
      {
        action: 'process_data',
        workflowVersion: 3,
        open: 1,
        deadLettered: 0,
        oldestCreatedAt: NOW - 4 * DAY,
        examples: ['acme#q1'],
      },
    ]);
  });

  it('never lists a version whose runs all finished', () => {
    expect(versions.map((v) => v.action)).not.toContain('echo_async');
  });

  it('catches a deploy whose workflows no longer have a version with unfinished runs', () => {
    const demos = createDemoWorkflows();
    const queuedKept = { ...demos.process_data, version: 3 };
    const v2Only = createWorkflowRegistry([
      { ...demos.echo_async, action: 'expense_approval', version: 2 },
      queuedKept,
    ]);
    const both = createWorkflowRegistry([
      { ...demos.echo_async, action: 'expense_approval', version: 1 },
      { ...demos.echo_async, action: 'expense_approval', version: 2 },
      queuedKept,
    ]);
    const noQueued = createWorkflowRegistry([
      { ...demos.echo_async, action: 'expense_approval', version: 1 },
      { ...demos.echo_async, action: 'expense_approval', version: 2 },
    ]);
    expect(findStrandedVersions(versions, v2Only).map((v) => v.workflowVersion)).toEqual([1]);
    expect(findStrandedVersions(versions, both)).toEqual([]);
    expect(findStrandedVersions(versions, noQueued).map((v) => v.action)).toEqual(['process_data']);
  });

  it('fails the command when the workflows about to be deployed would strand unfinished runs', async () => {
    const demos = createDemoWorkflows();
    const printed: string[] = [];
    const code = await versionsCommand({
      client: dynamo.client,
      tables: dynamo.tables,
      deploying: createWorkflowRegistry([
        { ...demos.echo_async, action: 'expense_approval', version: 2 },
        { ...demos.process_data, version: 3 },
      ]),
      now: NOW,
      print: (text) => printed.push(text),
    });
    expect(code).toBe(1);
    expect(printed.join('\n')).toMatch(/no longer have expense_approval v1, which unfinished runs/);
  });

  it('prints one line per version', () => {
    const printed = formatOpenVersions(versions, NOW).split('\n');
    expect(printed[0]).toMatch(/^action\s+version\s+open\s+dead-lettered\s+oldest$/);
    expect(printed[1]).toMatch(/^expense_approval\s+v2\s+1\s+0\s+0 d$/);
    expect(printed[2]).toMatch(/^expense_approval\s+v1\s+2\s+1\s+3 d$/);
    expect(formatOpenVersions([], NOW)).toMatch(/every workflow version can be retired/);
  });
});
