import { describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { type RunRequestDeps, runRequest } from '../../src/engine';
import { type ProjectorDeps, projectRequest } from '../../src/projections/projector';
import { evolveRequestView, type RequestView } from '../../src/projections/requestView';
import { type CheckLifecycleOptions, checkLifecycle } from '../../src/testing/checkLifecycle';

// Each sharpened invariant of the kit, shown to fail: a fault it guards
// against is injected (through the kit's @internal engine options or a stub)
// and the thrown InvariantViolation must name that invariant.

const base: CheckLifecycleOptions<unknown> = {
  inputs: [{ employee: 'ann', amountCents: 1200, receipts: ['rcpt-1', 'rcpt-2'] }],
  signals: [{ type: 'approve', approver: 'carol' }],
  numRuns: 200,
  seed: 20_250_101,
};

async function violationOf(options: CheckLifecycleOptions<unknown>) {
  const error = await checkLifecycle(expenseApproval, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the kit let the fault through').toBeDefined();
  return error as {
    name: string;
    invariant: string;
    seed: number;
    history: string;
    message: string;
  };
}

/** `projectRequest` with both of its tenant filters deleted: frames go to every candidate. */
async function projectorWithoutTenantFilters(deps: ProjectorDeps, requestKey: string) {
  const stored = await deps.views.get(requestKey);
  const events = await deps.store.read(requestKey, { fromSeq: (stored?.lastSeq ?? 0) + 1 });
  let view = stored;
  for (const event of events) view = evolveRequestView(view, event);
  if (!view || events.length === 0) return;
  const subscribers = await deps.subscriptions.listByRequest(requestKey);
  const recipients = new Set([view.connectionId, ...subscribers.map((s) => s.connectionId)]);
  for (const connectionId of recipients) {
    if (!connectionId) continue;
    for (const event of events) {
      const frame = deps.frameFor(event, view.requestId);
      if (frame) await deps.poster.post(connectionId, frame);
    }
  }
  const saved = await deps.views.save(view);
  // It read the subscribers afresh: it only needs the version they are at.
  if (saved.kind === 'resubscribed') await deps.views.save(view, saved.subscriptionVersion);
}

describe('the sharpened invariants catch the faults they guard against', () => {
  it('invariant 9: a projector without its tenant filters delivers to another tenant', async () => {
    const error = await violationOf({
      ...base,
      engine: { project: projectorWithoutTenantFilters },
    });
    expect(error.name).toBe('InvariantViolation');
    expect(error.invariant).toBe('9 (frames stay in the tenant)');
    expect(error.history).toContain('forgeSubscription');
    expect(error.message).toContain(`seed: ${error.seed}`);
  }, 120_000);

  it('invariant 8: a projector that drops a view field disagrees with the oracle', async () => {
    const project = (deps: ProjectorDeps, requestKey: string) =>
      projectRequest(
        {
          ...deps,
          views: {
            get: (key) => deps.views.get(key),
            save: ({ progressMessage: _dropped, ...view }: RequestView) => deps.views.save(view),
          },
        },
        requestKey,
      );
    const error = await violationOf({ ...base, engine: { project } });
    expect(error.invariant).toBe('8 (view = fold)');
    expect(error.message).toContain('projected view: progressMessage');
  }, 120_000);

  it('invariant 4: a runner whose step deadline never fires overlaps the runner that takes over', async () => {
    // The lease ends (tight budget) while a slow step still runs; with its
    // deadline timer lost the first runner never stops it. The overlap lasts
    // seconds of fake time — far more than one macrotask.
    const lostTimers = (deps: RunRequestDeps) =>
      runRequest({ ...deps, timers: { setTimeout: () => 0, clearTimeout: () => {} } });
    const error = await violationOf({
      ...base,
      faults: ['slow'],
      crashPoints: [],
      engine: { runRequest: lostTimers },
    });
    expect(error.invariant).toBe('4 (one runner per step)');
    expect(error.history).toContain('fault: slow');
  }, 120_000);

  it('invariant 3: a runner whose live state diverges from the fold of its log', async () => {
    const diverging = (deps: RunRequestDeps) =>
      runRequest({
        ...deps,
        onFinish: (state) => {
          const snapshot = state.snapshot;
          const context = { ...snapshot.context, approver: 'mallory' };
          deps.onFinish?.({ ...state, snapshot: { ...snapshot, context } as typeof snapshot });
        },
      });
    const error = await violationOf({ ...base, engine: { runRequest: diverging } });
    expect(error.invariant).toBe('3 (live state = fold)');
    expect(error.message).toContain('state.snapshot.context.approver');
  }, 120_000);

  it('invariant 3, for real: a step that throws a plain error object with non-JSON details', async () => {
    // Found by the kit: toRecordedError kept such an object as it was, so the
    // live runner folded a Date where every replay folds a string. Fixed in
    // src/engine/recordedError.ts; this keeps it fixed.
    const report = await checkLifecycle(expenseApproval, {
      ...base,
      numRuns: 30,
      stubs: {
        checkReceipts: async () => {
          throw {
            name: 'QuotaError',
            message: 'over quota',
            retryable: true,
            details: { at: new Date(0) },
          };
        },
      },
    });
    expect(report.numRuns).toBe(30);
  }, 120_000);

  it('concurrency limit: runs without slots start past the limit of 1 per tenant', async () => {
    // The slot store taken away (an empty flow control: no limits enforced),
    // the limit still watched: a request held mid-step while another of its
    // tenant runs must be caught.
    const error = await violationOf({
      ...base,
      concurrencyPerTenant: 1,
      engine: { flowControl: {} },
    });
    expect(error.invariant).toBe('concurrency limit (no run starts past it)');
    expect(error.message).toContain('limit 1');
  }, 120_000);

  it('concurrency limit: with slots, the same schedules hold it and every queued request settles', async () => {
    const report = await checkLifecycle(expenseApproval, {
      ...base,
      numRuns: 100,
      concurrencyPerTenant: 1,
    });
    expect(report.numRuns).toBe(100);
  }, 120_000);
});
