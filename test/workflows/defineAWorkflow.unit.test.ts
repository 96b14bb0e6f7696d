import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import {
  acceptRequest,
  createWorkflowRegistry,
  type DeadLetterMessage,
  EventValidationError,
  runRequest,
  signalRequest,
} from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { foldRequestView } from '../../src/projections/requestView';

// The README ("Define a workflow") and docs/workflows.md show the starter
// app's examples/expense-approval/workflows.ts verbatim, imports and all
// (`streamer-engine` resolves to src/ here, as tsconfig.json and
// vitest.config.ts say), and the run below; this test keeps both true.

describe('docs/workflows.md and README example', () => {
  it('both show the example file verbatim', () => {
    const docs = readFileSync(new URL('../../docs/workflows.md', import.meta.url), 'utf8');
    const source = readFileSync(
      new URL('../../examples/expense-approval/workflows.ts', import.meta.url),
      'utf8',
    );
    expect(source).toContain("from 'streamer-engine';");
    expect(docs).toContain(source.trim());
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(source.trim());
  });

  it('the README\'s "Test it" shows the starter app\'s test verbatim', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const test = readFileSync(
      new URL('../../examples/expense-approval/workflows.test.ts', import.meta.url),
      'utf8',
    );
    const excerpt = test.slice(test.indexOf('import assert'), test.indexOf("test('fails at once"));
    expect(excerpt).toContain("from 'streamer-engine/runtime'");
    expect(readme).toContain(excerpt.trim());
  });

  it('runs: checks receipts, waits for approval, pays, completes', async () => {
    const store = new InMemoryEventStore();
    const registry = createWorkflowRegistry([expenseApproval]);
    const deadLetters: DeadLetterMessage[] = [];
    const clock = () => Date.UTC(2025, 0, 1);
    const run = () =>
      runRequest({
        store,
        registry,
        requestKey: 'acme#exp-1',
        clock,
        remainingTimeMs: () => 60_000,
        deadLetterSink: { send: async (m) => void deadLetters.push(m) },
      });

    await acceptRequest(store, {
      workflow: expenseApproval,
      tenantId: 'acme',
      userId: 'ann',
      requestId: 'exp-1',
      input: { employee: 'ann', amountCents: 4_200, receipts: ['rcpt-1', 'rcpt-2'] },
      now: clock(),
    });
    expect(await run()).toMatchObject({ kind: 'waiting_for_signal', state: 'awaitingApproval' });
    await signalRequest(
      store,
      registry,
      'acme#exp-1',
      { type: 'approve', approver: 'bob' },
      {
        tenantId: 'acme',
        userId: 'bob',
        now: clock(),
      },
    );
    expect(await run()).toMatchObject({
      kind: 'completed',
      output: { paid: true, transferId: 'tr-exp-1' },
    });
    expect(foldRequestView(await store.read('acme#exp-1'))).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
    });
    expect(deadLetters).toEqual([]);
  });

  it('refuses an approval whose approver is not a name, and stores nothing', async () => {
    const store = new InMemoryEventStore();
    const registry = createWorkflowRegistry([expenseApproval]);
    await acceptRequest(store, {
      workflow: expenseApproval,
      tenantId: 'acme',
      userId: 'ann',
      requestId: 'exp-3',
      input: { employee: 'ann', amountCents: 10, receipts: ['rcpt-1'] },
      now: 0,
    });
    await runRequest({
      store,
      registry,
      requestKey: 'acme#exp-3',
      clock: () => 0,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async () => {} },
    });
    const before = await store.read('acme#exp-3');
    const context = { tenantId: 'acme', userId: 'bob', now: 1 };
    const signal = (event: { type: string; [key: string]: unknown }) =>
      signalRequest(store, registry, 'acme#exp-3', event, context).catch((e: unknown) => e);
    const badApprover = await signal({ type: 'approve', approver: { name: 'bob' } });
    expect(badApprover).toBeInstanceOf(EventValidationError);
    expect((badApprover as EventValidationError).issues).toEqual([
      { path: 'approver', message: expect.any(String) },
    ]);
    const unknownEvent = await signal({ type: 'escalate' });
    expect(unknownEvent).toBeInstanceOf(EventValidationError);
    expect((unknownEvent as EventValidationError).issues[0]?.path).toBe('type');
    expect(await store.read('acme#exp-3')).toEqual(before);
    // A valid approval is stored as its schema's output: unknown fields are dropped.
    await signalRequest(
      store,
      registry,
      'acme#exp-3',
      { type: 'approve', approver: 'bob', extra: '<script>' },
      context,
    );
    expect((await store.read('acme#exp-3')).at(-1)?.data).toEqual({
      event: { type: 'approve', approver: 'bob' },
    });
  });

  it('fails at once on a bad receipt (non-retryable)', async () => {
    const store = new InMemoryEventStore();
    const registry = createWorkflowRegistry([expenseApproval]);
    await acceptRequest(store, {
      workflow: expenseApproval,
      tenantId: 'acme',
      userId: 'ann',
      requestId: 'exp-2',
      input: { employee: 'ann', amountCents: 1, receipts: ['photo.jpg'] },
      now: 0,
    });
    const outcome = await runRequest({
      store,
      registry,
      requestKey: 'acme#exp-2',
      clock: () => 0,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async () => {} },
    });
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: { message: 'photo.jpg is not a receipt id', retryable: false },
    });
  });
});
