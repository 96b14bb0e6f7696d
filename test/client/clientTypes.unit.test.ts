import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createClient,
  type RunFrame,
  type RunHandle,
  type RunStatus,
  type StreamerClient,
} from '../../src/client';
import type { StatusData } from '../../src/router/statusData';
import type { DemoWorkflows, GenerateReportInput, GenerateReportOutput } from '../../src/workflows';
import { type FakeServer, startFakeServer } from './fakeServer';
import type { workflows } from './workflowsModule';

// The `@ts-expect-error` lines are the type test: `npm run check` (tsc over
// test/) fails if any of them stops being an error. The functions are never
// called; the runtime test at the bottom sends the well-typed messages.

const report: GenerateReportInput = {
  start_date: '2026-01-01',
  end_date: '2026-03-31',
  format: 'pdf',
  report_type: 'quarterly',
};

function demoWorkflowTypes(client: StreamerClient<DemoWorkflows>) {
  // @ts-expect-error generate_report takes { start_date, end_date, format, report_type }
  client.start('generate_report', { wrong: 1 });
  // @ts-expect-error a format the schema does not allow
  client.start('generate_report', { ...report, format: 'docx' });
  // @ts-expect-error no demo workflow has this action
  client.start('generate_reports', report);
  // @ts-expect-error echo_async needs a message
  client.call('echo_async', {});
  const run = client.start('generate_report', report, { id: 'r1' });
  expectTypeOf(run.result).resolves.toEqualTypeOf<GenerateReportOutput>();
  expectTypeOf(client.call('health')).resolves.toHaveProperty('status');
  expectTypeOf(client.attach<'bulk_operation'>('b1').result).resolves.toHaveProperty('processed');
  // @ts-expect-error attach names an action of the set
  client.attach<'nope'>('b1');
  expectTypeOf(run.events).toEqualTypeOf<AsyncIterable<RunFrame>>();
}

function workflowsModuleTypes(client: StreamerClient<typeof workflows>) {
  const approval = client.start('approval', { subject: 'budget' });
  // @ts-expect-error the approval machine has no such event
  approval.signal({ type: 'not_an_event' });
  // @ts-expect-error APPROVE carries who approved
  approval.signal({ type: 'APPROVE' });
  void approval.signal({ type: 'APPROVE', by: 'ann' });
  void approval.signal({ type: 'REJECT' });
  // Without a declared output type, the result is the machine's output type
  expectTypeOf(approval.result).resolves.toEqualTypeOf<{ approved: boolean }>();

  const expense = client.start('expense_approval', {
    employee: 'ann',
    amountCents: 1_200,
    receipts: ['rcpt-1'],
  });
  // @ts-expect-error expense_approval's events are approve and reject
  expense.signal({ type: 'APPROVE', by: 'ann' });
  void expense.signal({ type: 'approve', approver: 'bob' });
  // @ts-expect-error amountCents is a number
  client.start('expense_approval', { employee: 'ann', amountCents: '12', receipts: [] });
  expectTypeOf(client.call('echo', { any: 'thing' })).resolves.toHaveProperty('received_at');
}

function untypedClientTypes(client: StreamerClient) {
  const run: RunHandle = client.start('anything', { at: 'all' });
  void run.signal({ type: 'ANY', with: 'fields' });
  expectTypeOf(run.result).resolves.toBeUnknown();
}

// Never called: referenced so that tsc checks them.
void [demoWorkflowTypes, workflowsModuleTypes, untypedClientTypes];

// The client's RunStatus describes what the router's `status` answers.
expectTypeOf<StatusData>().toExtend<RunStatus>();

let server: FakeServer | undefined;
afterEach(() => server?.close());

describe('a client typed by its workflows', () => {
  it('sends what the types allow, unchanged', async () => {
    server = await startFakeServer();
    const client = createClient<DemoWorkflows>({ url: server.url, token: 't' });
    client.start('generate_report', report, { id: 'typed-1' });
    const connection = await server.connection(0);
    expect(await connection.take((m) => m.id === 'typed-1')).toEqual({
      action: 'generate_report',
      id: 'typed-1',
      payload: report,
    });
    client.close();
  });
});
