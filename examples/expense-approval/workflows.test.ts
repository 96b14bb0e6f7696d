import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acceptRequest,
  createWorkflowRegistry,
  type DeadLetterMessage,
  foldRequestView,
  InMemoryEventStore,
  runRequest,
  signalRequest,
  toRequestKey,
} from 'streamer-engine/runtime';
import { expenseApproval, workflows } from './workflows';

// The workflow on the engine itself, with the in-memory event store: no
// AWS, no emulators. `npm test` runs it.
const clock = () => Date.UTC(2025, 0, 1);
const registry = createWorkflowRegistry(workflows);

function runner(
  store: InMemoryEventStore,
  requestKey: string,
  deadLetters: DeadLetterMessage[] = [],
) {
  return () =>
    runRequest({
      store,
      registry,
      requestKey,
      clock,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async (message) => void deadLetters.push(message) },
    });
}

test('checks receipts, waits for approval, pays and completes', async () => {
  const store = new InMemoryEventStore();
  const key = toRequestKey('acme', 'exp-1');
  const deadLetters: DeadLetterMessage[] = [];
  const run = runner(store, key, deadLetters);
  await acceptRequest(store, {
    workflow: expenseApproval,
    tenantId: 'acme',
    userId: 'ann',
    requestId: 'exp-1',
    input: { employee: 'ann', amountCents: 4_200, receipts: ['rcpt-1', 'rcpt-2'] },
    now: clock(),
  });

  assert.equal((await run()).kind, 'waiting_for_signal');
  await signalRequest(
    store,
    registry,
    key,
    { type: 'approve', approver: 'bob' },
    {
      tenantId: 'acme',
      userId: 'bob',
      now: clock(),
    },
  );
  const outcome = await run();

  assert.deepEqual(outcome.kind === 'completed' && outcome.output, {
    paid: true,
    transferId: 'tr-exp-1',
  });
  assert.equal(foldRequestView(await store.read(key))?.status, 'COMPLETED');
  assert.deepEqual(deadLetters, []);
});

test('fails at once, without retries, on a receipt that is not a receipt id', async () => {
  const store = new InMemoryEventStore();
  const key = toRequestKey('acme', 'exp-2');
  await acceptRequest(store, {
    workflow: expenseApproval,
    tenantId: 'acme',
    userId: 'ann',
    requestId: 'exp-2',
    input: { employee: 'ann', amountCents: 1, receipts: ['photo.jpg'] },
    now: clock(),
  });

  const outcome = await runner(store, key)();

  assert.equal(outcome.kind, 'failed');
  assert.deepEqual(outcome.kind === 'failed' && outcome.error, {
    name: 'NonRetryableError',
    message: 'photo.jpg is not a receipt id',
    retryable: false,
  });
});
