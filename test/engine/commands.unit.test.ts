import { describe, expect, it } from 'vitest';
import {
  createWorkflowRegistry,
  EventNotAcceptedError,
  InputValidationError,
  isSync,
  NotDeadLetteredError,
  RequestFinishedError,
  RequestNotFoundError,
  redriveRequest,
  replay,
  runInline,
  signalRequest,
  validateInput,
  WorkflowVersionMismatchError,
} from '../../src/engine';
import { createDemoWorkflows } from '../../src/workflows';
import { createApprovalWorkflow } from './support/approvalWorkflow';
import { withStepHook } from './support/faults';
import { createHarness } from './support/harness';
import { checkInvariants } from './support/invariants';

const demos = createDemoWorkflows({ speed: 500 });

describe('acceptRequest', () => {
  it('given a repeated client id in the same tenant, when accepted again, then no second request starts', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.echo_async]));
    expect(await harness.submit('echo_async', { message: 'a' })).toMatchObject({
      created: true,
      requestKey: 'acme#r1',
    });
    const again = await harness.submit('echo_async', { message: 'b' });
    expect(again).toMatchObject({
      created: false,
      requestKey: 'acme#r1',
      existing: { seq: 1, data: { input: { message: 'a' } } },
    });
    expect(await harness.types()).toEqual(['request.accepted']);
  });

  it('given invalid input, when accepted, then it throws readable issues and stores nothing', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.generate_report]));
    const error = await harness
      .submit('generate_report', {
        start_date: '2024-13-45',
        end_date: '2024-01-01',
        format: 'doc',
        report_type: 'monthly',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).issues.map((i) => i.path)).toEqual([
      'start_date',
      'format',
    ]);
    expect(await harness.types()).toEqual([]);
  });
});

describe('validateInput and isSync', () => {
  it('reports path + message for each problem, including workflow-level checks', async () => {
    expect(
      await validateInput(demos.generate_report, {
        start_date: '2024-02-01',
        end_date: '2024-01-01T00:00:00Z',
        format: 'csv',
        report_type: 'custom',
      }),
    ).toEqual({
      ok: false,
      issues: [{ path: 'end_date', message: 'must not be before start_date' }],
    });
    const bulk = await validateInput(demos.bulk_operation, { items: [], batch_size: 500 });
    expect(bulk.ok).toBe(false);
    expect(!bulk.ok && bulk.issues.map((i) => i.path)).toEqual(['items', 'batch_size']);
    expect(
      await validateInput(demos.process_data, {
        dataset_id: 'd',
        operation: 'x',
        operations: ['y'],
      }),
    ).toMatchObject({
      ok: false,
      issues: [{ path: 'operations' }],
    });
  });

  it('tells sync (≤ 5 s) from async workflows', () => {
    expect([demos.echo, demos.health].map(isSync)).toEqual([true, true]);
    expect(
      [demos.echo_async, demos.generate_report, demos.process_data, demos.bulk_operation].map(
        isSync,
      ),
    ).toEqual([false, false, false, false]);
  });
});

describe('signalRequest', () => {
  it('given a workflow waiting for approval, when approved, then the runner continues to the end', async () => {
    const harness = createHarness(createWorkflowRegistry([createApprovalWorkflow()]));
    await harness.submit('approval', { amount: 120 });
    expect(await harness.run()).toMatchObject({
      kind: 'waiting_for_signal',
      state: 'awaitingApproval',
    });
    await signalRequest(
      harness.store,
      harness.registry,
      harness.key('r1'),
      { type: 'approve', by: 'boss' },
      {
        tenantId: 'acme',
        userId: 'boss',
        now: harness.clock(),
      },
    );
    expect(await harness.run()).toMatchObject({
      kind: 'completed',
      output: { ticket: 'T-120', paid: 120, approvedBy: 'boss' },
    });
    checkInvariants(harness.registry, await harness.log(), harness.deadLetters, true);
  });

  it('given an event the current state does not accept, when signalled, then it is rejected and nothing is stored', async () => {
    const harness = createHarness(createWorkflowRegistry([createApprovalWorkflow()]));
    await harness.submit('approval', { amount: 5 });
    const context = { tenantId: 'acme', userId: 'boss', now: harness.clock() };
    // Still preparing: approval is not possible yet.
    await expect(
      signalRequest(
        harness.store,
        harness.registry,
        harness.key('r1'),
        { type: 'approve' },
        context,
      ),
    ).rejects.toBeInstanceOf(EventNotAcceptedError);
    await harness.run();
    for (const event of [{ type: 'ship' }, { type: 'xstate.done.actor.pay', output: 1 }]) {
      await expect(
        signalRequest(harness.store, harness.registry, harness.key('r1'), event, context),
      ).rejects.toBeInstanceOf(EventNotAcceptedError);
    }
    expect(await harness.types()).not.toContain('request.signalled');
    // Another tenant cannot see it at all.
    await expect(
      signalRequest(
        harness.store,
        harness.registry,
        harness.key('r1'),
        { type: 'approve' },
        { ...context, tenantId: 'evil' },
      ),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
    await signalRequest(
      harness.store,
      harness.registry,
      harness.key('r1'),
      { type: 'reject' },
      context,
    );
    expect(await harness.run()).toMatchObject({ kind: 'completed', output: { paid: 0 } });
    await expect(
      signalRequest(
        harness.store,
        harness.registry,
        harness.key('r1'),
        { type: 'approve' },
        context,
      ),
    ).rejects.toBeInstanceOf(RequestFinishedError);
  });
});

describe('concurrent runners', () => {
  it('given two runs of one request at once, when they race, then each step runs exactly once', async () => {
    const calls: string[] = [];
    const workflow = withStepHook(
      withStepHook(demos.generate_report, 'fetchRows', ({ stepId }) => void calls.push(stepId)),
      'render',
      ({ stepId }) => void calls.push(stepId),
    );
    const harness = createHarness(createWorkflowRegistry([workflow]));
    await harness.submit('generate_report', {
      start_date: '2024-01-01',
      end_date: '2024-01-02',
      format: 'pdf',
      report_type: 'custom',
    });
    const outcomes = await Promise.all([harness.run(), harness.run()]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['completed', 'lost_race']);
    expect(calls).toEqual(['fetchRows', 'render']);
    checkInvariants(harness.registry, await harness.log(), harness.deadLetters, true);
  });
});

describe('versions', () => {
  it('given a log recorded under v1, when only v2 is registered, then replay and run refuse with a typed error', async () => {
    const v1 = createHarness(createWorkflowRegistry([createApprovalWorkflow(1)]));
    await v1.submit('approval', { amount: 1 });
    const log = await v1.log();
    const v2 = createWorkflowRegistry([createApprovalWorkflow(2)]);
    expect(() => replay(v2, log)).toThrow(WorkflowVersionMismatchError);
    expect(() => replay(v2, log)).toThrow(/recorded with approval v1 but v2 is registered/);
    // With both registered, old requests finish on their own version.
    const both = createWorkflowRegistry([createApprovalWorkflow(1), createApprovalWorkflow(2)]);
    expect(replay(both, log).workflow.version).toBe(1);
    expect(both.get('approval')?.version).toBe(2);
  });
});

describe('redriveRequest', () => {
  it('given a dead-lettered request, when redriven, then the failed step gets fresh attempts and completed steps stay done', async () => {
    let calls = 0;
    const prepared: number[] = [];
    const workflow = withStepHook(
      withStepHook(demos.flaky_step, 'prepare', ({ attempt }) => void prepared.push(attempt)),
      'call',
      () => {
        calls += 1;
        if (calls <= 3) throw new Error(`outage ${calls}`);
      },
    );
    const harness = createHarness(createWorkflowRegistry([workflow]));
    await harness.submit('flaky_step', { failures: 0 });
    expect((await harness.settle()).at(-1)?.kind).toBe('dead_lettered');
    const context = { tenantId: 'acme', userId: 'ops', now: harness.clock(), by: 'ops' };
    await redriveRequest(harness.store, harness.registry, harness.key('r1'), context);
    expect((await harness.view())?.status).toBe('PENDING');
    const outcomes = await harness.settle();
    expect(outcomes.at(-1)?.kind).toBe('completed');
    expect(prepared).toEqual([1]);
    expect(harness.deadLetters).toHaveLength(1);
    expect(await harness.view()).toMatchObject({ status: 'COMPLETED', progress: 100 });
    checkInvariants(harness.registry, await harness.log(), harness.deadLetters, true);
    await expect(
      redriveRequest(harness.store, harness.registry, harness.key('r1'), context),
    ).rejects.toBeInstanceOf(NotDeadLetteredError);
  });
});

describe('runInline', () => {
  it('answers echo and health inline', async () => {
    const clock = () => Date.UTC(2025, 0, 2, 3, 4, 5);
    expect(await runInline(demos.echo, { hi: [1, 2] }, { clock })).toEqual({
      ok: true,
      output: { echo: { hi: [1, 2] }, action: 'echo', received_at: '2025-01-02T03:04:05.000Z' },
    });
    expect(await runInline(demos.health, undefined, { clock })).toEqual({
      ok: true,
      output: { status: 'healthy', timestamp: '2025-01-02T03:04:05.000Z', version: '0.1.0' },
    });
  });

  it('runs a machine workflow inline, retrying, and reports invalid input as issues', async () => {
    const progress: number[] = [];
    const result = await runInline(
      demos.flaky_step,
      { failures: 1 },
      { clock: Date.now, onProgress: (u) => progress.push(u.percentage) },
    );
    expect(result).toMatchObject({ ok: true, output: { succeeded_on_attempt: 2 } });
    expect(await runInline(demos.flaky_step, { failures: 'x' }, { clock: Date.now })).toMatchObject(
      {
        ok: false,
        reason: 'invalid_input',
        issues: [{ path: 'failures' }],
      },
    );
    expect(await runInline(demos.flaky_step, { fatal: true }, { clock: Date.now })).toMatchObject({
      ok: false,
      reason: 'failed',
      error: { retryable: false },
    });
  });
});
