import { describe, expect, it } from 'vitest';
import { cancelRequest, createWorkflowRegistry, redriveRequest } from '../../src/engine';
import { foldRequestView, type RequestView } from '../../src/projections/requestView';
import { createDemoWorkflows } from '../../src/workflows';
import { withStepHook } from '../engine/support/faults';
import { createHarness } from '../engine/support/harness';

const demos = createDemoWorkflows({ speed: 500 });

/** The view after each event of the log, to read its story. */
async function story(harness: ReturnType<typeof createHarness>): Promise<RequestView['status'][]> {
  const log = await harness.log();
  const statuses = log.map(
    (_, i) => foldRequestView(log.slice(0, i + 1))?.status as RequestView['status'],
  );
  return statuses.filter((status, i) => status !== statuses[i - 1]);
}

describe('request view fold', () => {
  it('given an empty log, then there is no view', () => {
    expect(foldRequestView([])).toBeUndefined();
  });

  it('given an accepted request, then it is PENDING with the request facts and a 7-day ttl', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.echo_async]));
    await harness.submit('echo_async', { message: 'x' });
    const view = await harness.view();
    expect(view).toEqual({
      requestKey: 'acme#r1',
      requestId: 'r1',
      tenantId: 'acme',
      userId: 'ann',
      action: 'echo_async',
      connectionId: 'conn-1',
      status: 'PENDING',
      progress: 0,
      retryCount: 0,
      maxRetries: 2,
      lastSeq: 1,
      createdAt: view?.createdAt,
      ttl: Math.floor((view?.createdAt ?? 0) / 1000) + 7 * 24 * 3600,
    });
  });

  it('given a retried then successful run, then it goes PENDING → PROCESSING → RETRYING → PROCESSING → COMPLETED', async () => {
    let calls = 0;
    const workflow = withStepHook(demos.echo_async, 'respond', () => {
      if (++calls === 1) throw new Error('blip');
    });
    const harness = createHarness(
      createWorkflowRegistry([
        { ...workflow, retry: { ...workflow.retry, initialDelayMs: 5_000, maxDelayMs: 5_000 } },
      ]),
    );
    await harness.submit('echo_async', { message: 'x' });
    await harness.run();
    expect(await harness.view()).toMatchObject({
      status: 'RETRYING',
      retryCount: 1,
      error: { code: 'PROCESSING_FAILED', message: 'blip' },
    });
    expect((await harness.view())?.retryAfter).toBeGreaterThan(harness.clock());
    await harness.settle();
    expect(await story(harness)).toEqual([
      'PENDING',
      'PROCESSING',
      'RETRYING',
      'PROCESSING',
      'COMPLETED',
    ]);
    const view = await harness.view();
    expect(view).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      retryCount: 1,
      result: { echo: 'x' },
    });
    expect(view?.error).toBeUndefined();
    expect(view?.processingEnded).toBeGreaterThanOrEqual(view?.processingStarted ?? Infinity);
  });

  it('given a cancel, then it is CANCELLED with a CANCELLED error and keeps its progress', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.bulk_operation]));
    await harness.submit('bulk_operation', { items: [1, 2, 3, 4], batch_size: 2 });
    await cancelRequest(harness.store, harness.registry, harness.key('r1'), {
      tenantId: 'acme',
      userId: 'ann',
      now: harness.clock(),
      reason: 'no longer needed',
    });
    expect(await harness.view()).toMatchObject({
      status: 'CANCELLED',
      error: { code: 'CANCELLED', message: 'no longer needed' },
      progress: 0,
    });
  });

  it('given exhausted retries, then it ends DEAD_LETTERED (FAILED first)', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.flaky_step]));
    await harness.submit('flaky_step', { failures: 5 });
    await harness.settle();
    expect((await story(harness)).slice(-2)).toEqual(['FAILED', 'DEAD_LETTERED']);
    expect(await harness.view()).toMatchObject({ retryCount: 2, maxRetries: 2 });
  });

  it('given a dead letter, then its view never expires until it is redriven, then 7 days after the redrive', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.flaky_step]));
    await harness.submit('flaky_step', { failures: 3 });
    await harness.settle();
    // A dead letter waits for an operator, however long that takes: no TTL.
    const dead = await harness.view();
    expect(dead?.status).toBe('DEAD_LETTERED');
    expect(dead?.ttl).toBeUndefined();
    // Redriven ten days later, it lives on for another seven days.
    harness.clock.advance(10 * 24 * 3600 * 1000);
    const now = harness.clock();
    await redriveRequest(harness.store, harness.registry, harness.key('r1'), {
      tenantId: harness.tenantId,
      userId: 'ops',
      now,
    });
    const redriven = await harness.view();
    expect(redriven?.status).toBe('PENDING');
    expect(redriven?.ttl).toBe(Math.floor(now / 1000) + 7 * 24 * 3600);
  });

  it('is pure: folding the same log twice gives equal views', async () => {
    const harness = createHarness(createWorkflowRegistry([demos.process_data]));
    await harness.submit('process_data', { dataset_id: 'd' });
    await harness.settle();
    const log = await harness.log();
    expect(foldRequestView(structuredClone(log))).toEqual(foldRequestView(log));
  });
});
