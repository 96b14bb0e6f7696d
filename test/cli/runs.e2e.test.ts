import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { createClient, type ListData, type StreamerClient } from '../../src/client';
import { createWorkflowRegistry } from '../../src/engine';
import { LOCAL_AWS } from '../../src/local/localAws';
import { stackInfoOf, writeStackInfo } from '../../src/local/stackInfo';
import { createDemoWorkflows } from '../../src/workflows';
import { waitFor } from '../local/waitFor';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';
import { type PtyRun, runCli, runCliInPty, runCliJson } from './cliRunner';

// Each `streamer runs` command, run as a user runs it — a separate process
// with no flags, finding the local stack through its stack info file (the
// URL and the dev key) — against the real local stack.
let harness: StackHarness;
let cwd: string;
let client: StreamerClient;
const ptys: PtyRun[] = [];
const expense = { employee: 'ann', amountCents: 1_200, receipts: ['rcpt-1', 'rcpt-2'] };

beforeAll(async () => {
  const demos = Object.values(createDemoWorkflows({ speed: 2 }));
  harness = await startStackHarness({
    registry: createWorkflowRegistry([...demos, expenseApproval]),
  });
  const { stack } = harness;
  const identity = stack.devIdentity;
  if (!identity) throw new Error('the stack did not generate a dev key');
  cwd = mkdtempSync(join(tmpdir(), 'streamer-cli-'));
  const published = writeStackInfo(stackInfoOf(stack), join(cwd, '.streamer', 'local-stack.json'));
  expect(published.written).toBe(true);
  // The CLI signs in as npm start's dev-user of dev-tenant; the test drives runs there as another user.
  client = createClient({
    url: stack.url,
    token: await identity.mintToken({ sub: 'test-driver', tenant_id: 'dev-tenant' }),
  });
});
afterAll(async () => {
  client?.close();
  for (const pty of ptys) pty.kill();
  await harness?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('streamer runs list', () => {
  it("lists the dev tenant's runs with filters and pages, and nobody else's", async () => {
    await client.start('echo_async', { message: 'one' }, { id: 'list-1' }).result;
    await client.start('echo_async', { message: 'two' }, { id: 'list-2' }).result;
    client.start('expense_approval', expense, { id: 'list-3' });
    await waitFor(
      'the views',
      async () => {
        const { json } = await runCliJson<ListData>(cwd, [
          'runs',
          'list',
          '--action',
          'echo_async',
          '--status',
          'completed',
        ]);
        return json.runs.length === 2;
      },
      60_000,
    );
    const { code, json } = await runCliJson<ListData>(cwd, ['runs', 'list', '--since', '1h']);
    expect(code).toBe(0);
    expect(json.runs.map((run) => run.request_id).slice(0, 3)).toEqual([
      'list-3',
      'list-2',
      'list-1',
    ]);
    const page = await runCliJson<ListData>(cwd, ['runs', 'list', '--limit', '1']);
    expect(page.json.runs).toHaveLength(1);
    const next = await runCliJson<ListData>(cwd, [
      'runs',
      'list',
      '--limit',
      '1',
      '--cursor',
      page.json.cursor ?? '',
    ]);
    expect(next.json.runs[0]?.request_id).not.toBe(page.json.runs[0]?.request_id);
    expect(
      (await runCliJson<ListData>(cwd, ['runs', 'list', '--limit', '1', '--all'])).json.runs.length,
    ).toBeGreaterThanOrEqual(3);
    const other = await runCliJson<ListData>(cwd, ['runs', 'list', '--tenant', 'someone-else']);
    expect(other.json.runs).toEqual([]);
    const text = await runCli(cwd, ['runs', 'list', '--action', 'echo_async']);
    expect(text.stdout).toMatch(/RUN\s+ACTION\s+STATUS/);
    expect(text.stdout).toMatch(/list-2\s+echo_async\s+COMPLETED\s+100%/);
  });
});

describe('streamer runs show', () => {
  it('prints the run, each step attempt with its duration, and the event log', async () => {
    await client.start('flaky_step', { failures: 1 }, { id: 'show-1' }).result;
    const { code, json } = await runCliJson<{
      run: { status: string; state: unknown; finished: boolean };
      steps: {
        row: string;
        kind: string;
        attempt?: number;
        duration_ms: number;
        outcome?: string;
      }[];
      events: { seq: number; type: string }[];
    }>(cwd, ['runs', 'show', 'show-1']);
    expect(code).toBe(0);
    expect(json.run).toMatchObject({ status: 'COMPLETED', finished: true });
    const attempts = json.steps.filter((s) => s.kind === 'attempt');
    expect(attempts.map((s) => [s.row, s.attempt, s.outcome])).toEqual([
      ['prepare', 1, 'completed'],
      ['call', 1, 'retrying'],
      ['call', 2, 'completed'],
    ]);
    expect(json.steps.some((s) => s.kind === 'retry_wait')).toBe(true);
    for (const step of json.steps) expect(step.duration_ms).toBeGreaterThanOrEqual(0);
    expect(json.events[0]).toMatchObject({ seq: 1, type: 'request.accepted' });
    expect(json.events.at(-1)?.type).toBe('request.completed');
    const text = await runCli(cwd, ['runs', 'show', 'show-1']);
    expect(text.stdout).toMatch(/call\s+backoff\s+/);
    expect(text.stdout).toMatch(/call\s+attempt 2\s+\S+.*completed/);
    const hidden = await runCliJson<{ error: { code: string } }>(cwd, [
      'runs',
      'show',
      'show-1',
      '--tenant',
      'someone-else',
    ]);
    expect(hidden).toEqual({
      code: 1,
      json: { error: expect.objectContaining({ code: 'NOT_FOUND' }) },
    });
  });
});

/** The connections of the CLI's own identity, dev-user of dev-tenant. */
async function cliConnections(): Promise<string[]> {
  const { Items = [] } = await harness.stack.dynamo.send(
    new ScanCommand({ TableName: harness.stack.tables.connections, ConsistentRead: true }),
  );
  return Items.map((item) => unmarshall(item))
    .filter((item) => item.tenantId === 'dev-tenant' && item.userId === 'dev-user')
    .map((item) => String(item.connectionId));
}

describe('streamer runs watch', () => {
  it('draws a progress bar in a terminal up to 100 %, through a dropped connection', async () => {
    // An expense approval: its receipts are checked (40 %), then it waits for a person.
    client.start('expense_approval', expense, { id: 'watch-1' });
    const pty = runCliInPty(cwd, ['runs', 'watch', 'watch-1']);
    ptys.push(pty);
    await pty.waitFor(/40% \| Checked 2 receipts/);
    // While it waits, the server drops the CLI's connection (Management API DELETE).
    const management = new ApiGatewayManagementApiClient({
      endpoint: harness.stack.managementEndpoint,
      ...LOCAL_AWS,
    });
    let dropped = 0;
    for (const connectionId of await cliConnections()) {
      // A row whose $disconnect is still being recorded is already gone.
      await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId })).then(
        () => dropped++,
        () => undefined,
      );
    }
    management.destroy();
    expect(dropped).toBe(1);
    await pty.waitFor(/reconnected 1×/);
    // The approval comes; the watch, on its new connection, follows the run to the end.
    await client.signal('watch-1', { type: 'approve', approver: 'bob' });
    expect(await pty.exited).toBe(0);
    const output = pty.output();
    expect(output).toMatch(/█{40} 100% \| complete \(reconnected 1×\)/);
    expect(output).toMatch(/result \{"paid":true,"transferId":"tr-watch-1"\}/);
  });

  it('prints one JSON frame per line with --json, ending in the terminal frame', async () => {
    await client.start('echo_async', { message: 'json' }, { id: 'watch-2' }).result;
    const result = await runCli(cwd, ['runs', 'watch', 'watch-2', '--json']);
    const frames = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; percentage?: number });
    expect(result.code).toBe(0);
    expect(frames.at(-1)?.type).toBe('complete');
    expect(frames.filter((f) => f.type === 'progress').at(-1)?.percentage).toBe(100);
  });
});

describe('streamer runs signal and cancel', () => {
  async function waitingExpense(id: string): Promise<void> {
    client.start('expense_approval', expense, { id });
    await waitFor(`${id} waiting for approval`, () =>
      client.history(id).then(
        (h) => h.current.state === 'awaitingApproval',
        () => false,
      ),
    );
  }

  it('sends the approval, refuses an event the workflow does not accept, and cancels', async () => {
    await waitingExpense('sig-1');
    const bad = await runCliJson<{ error: { code: string; details: { reason: string } } }>(cwd, [
      'runs',
      'signal',
      'sig-1',
      '{"type":"approve","approver":{}}',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.json.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { reason: 'invalid_event' },
    });
    const sent = await runCliJson<{ signalled: boolean; event_type: string; seq: number }>(cwd, [
      'runs',
      'signal',
      'sig-1',
      '{"type":"approve","approver":"cli"}',
    ]);
    expect(sent).toMatchObject({ code: 0, json: { signalled: true, event_type: 'approve' } });
    await waitFor('sig-1 paid', async () => (await client.status('sig-1')).status === 'COMPLETED');

    await waitingExpense('sig-2');
    const cancelled = await runCliJson<{ cancelled: boolean }>(cwd, [
      'runs',
      'cancel',
      'sig-2',
      '--reason',
      'duplicate claim',
    ]);
    expect(cancelled).toMatchObject({ code: 0, json: { cancelled: true } });
    expect(await client.status('sig-2')).toMatchObject({
      status: 'CANCELLED',
      error: { message: 'duplicate claim' },
    });
    const again = await runCli(cwd, ['runs', 'cancel', 'sig-2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('VALIDATION_ERROR');
    const notJson = await runCli(cwd, ['runs', 'signal', 'sig-1', 'approve']);
    expect(notJson).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('The event is not JSON'),
    });
  });
});

describe('streamer runs redrive', () => {
  it('restarts a dead-lettered run and reports it as JSON', async () => {
    const run = client.start('flaky_step', { failures: 3 }, { id: 'dlq-1' });
    await run.result.catch(() => undefined);
    await waitFor(
      'the dead letter',
      async () => (await client.status('dlq-1')).status === 'DEAD_LETTERED',
      60_000,
    );
    const { code, json } = await runCliJson<{ redriven: string[] }>(cwd, ['runs', 'redrive']);
    expect(code).toBe(0);
    expect(json.redriven).toContain('dev-tenant#dlq-1');
  });
});

describe('streamer dashboard build', () => {
  it('writes the dashboard as static files with a config.json', async () => {
    const out = join(cwd, 'site');
    const { code, json } = await runCliJson<{ files: string[] }>(cwd, [
      'dashboard',
      'build',
      '--out',
      out,
      '--url',
      'wss://example.test/prod',
    ]);
    expect(code).toBe(0);
    expect(json.files).toEqual(
      expect.arrayContaining(['index.html', 'dashboard.js', 'dashboard.css', 'config.json']),
    );
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual({
      url: 'wss://example.test/prod',
    });
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('src="dashboard.js"');
  });
});
