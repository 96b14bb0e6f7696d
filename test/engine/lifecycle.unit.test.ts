import { describe, expect, it } from 'vitest';
import {
  cancelRequest,
  createWorkflowRegistry,
  NonRetryableError,
  type Workflow,
} from '../../src/engine';
import { createDemoWorkflows } from '../../src/workflows';
import { CrashingStore, SimulatedCrash, stepsOf, withStepHook } from './support/faults';
import { createHarness } from './support/harness';
import { checkInvariants } from './support/invariants';

// Every lifecycle path of every async demo workflow, at every step the
// machine invokes (enumerated from the machine definition): success, a
// retried failure, exhausted retries, a fatal error, cancellation, timeout
// and both kinds of crash. Given a workflow and a fault at a step, when the
// request runs until it settles, then the log and the view tell that story.

const demos = createDemoWorkflows({ speed: 500 });
const inputs: Record<string, unknown> = {
  echo_async: { message: 'hello', timestamp: 1 },
  generate_report: {
    start_date: '2024-01-01',
    end_date: '2024-03-31',
    format: 'csv',
    report_type: 'quarterly',
  },
  process_data: {
    dataset_id: 'sales-2024',
    operations: ['dedupe', 'aggregate'],
    output_format: 'csv',
  },
  bulk_operation: { items: Array.from({ length: 42 }, (_, i) => ({ id: i })), batch_size: 10 },
  flaky_step: { failures: 0 },
};
const asyncDemos: Workflow[] = [
  demos.echo_async,
  demos.generate_report,
  demos.process_data,
  demos.bulk_operation,
  demos.flaky_step,
];

function given(workflow: Workflow) {
  const harness = createHarness(createWorkflowRegistry([workflow]));
  return harness;
}

async function expectHealthy(harness: ReturnType<typeof createHarness>): Promise<void> {
  checkInvariants(harness.registry, await harness.log(), harness.deadLetters, true);
}

for (const base of asyncDemos) {
  const input = inputs[base.action];
  describe(`${base.action}`, () => {
    it('given valid input, when it runs, then every step runs once and it completes at 100 %', async () => {
      const harness = given(base);
      await harness.submit(base.action, input);
      const outcomes = await harness.settle();
      expect(outcomes.at(-1)?.kind).toBe('completed');
      const log = await harness.log();
      const started = log
        .filter((e) => e.type === 'step.started')
        .map((e) => (e.data as { stepId: string }).stepId);
      expect(started).toEqual(stepsOf(base.machine).map((s) => s.id));
      const view = await harness.view();
      expect(view).toMatchObject({
        status: 'COMPLETED',
        progress: 100,
        action: base.action,
        requestId: 'r1',
      });
      expect(view?.result).toEqual((outcomes.at(-1) as { output: unknown }).output);
      await expectHealthy(harness);
    });

    for (const { id, src } of stepsOf(base.machine)) {
      describe(`at step ${id}`, () => {
        it('given one retryable failure, when it settles, then it retries after the backoff and completes', async () => {
          let calls = 0;
          const flaky = withStepHook(base, src, () => {
            if (++calls === 1) throw new Error('flaky dependency');
          });
          const harness = given({
            ...flaky,
            retry: { ...flaky.retry, initialDelayMs: 10_000, maxDelayMs: 60_000, jitter: false },
          });
          await harness.submit(base.action, input);
          const first = await harness.run();
          expect(first).toMatchObject({ kind: 'retry_scheduled', stepId: id });
          expect((first as { retryAt: number }).retryAt).toBeGreaterThanOrEqual(
            harness.clock() + 9_000,
          );
          expect((await harness.run()).kind).toBe('retry_scheduled');
          expect((await harness.view())?.status).toBe('RETRYING');
          expect((await harness.view())?.retryCount).toBe(1);
          const outcomes = await harness.settle();
          expect(outcomes.at(-1)?.kind).toBe('completed');
          const starts = (await harness.log()).filter(
            (e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === id,
          );
          expect(starts.map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
          await expectHealthy(harness);
        });

        it('given failures on every attempt, when it settles, then it is dead-lettered with one DLQ message', async () => {
          const harness = given(
            withStepHook(base, src, ({ attempt }) => {
              throw new Error(`down (attempt ${attempt})`);
            }),
          );
          await harness.submit(base.action, input);
          const outcomes = await harness.settle();
          expect(outcomes.at(-1)).toMatchObject({ kind: 'dead_lettered' });
          expect(harness.deadLetters).toHaveLength(1);
          expect(harness.deadLetters[0]).toMatchObject({
            requestKey: harness.key('r1'),
            action: base.action,
            attempts: base.retry.maxAttempts,
          });
          expect(harness.deadLetters[0]?.errors.map((e) => e.message)).toEqual(
            Array.from({ length: base.retry.maxAttempts }, (_, i) => `down (attempt ${i + 1})`),
          );
          expect((await harness.view())?.status).toBe('DEAD_LETTERED');
          await expectHealthy(harness);
        });

        it('given a non-retryable error, when it runs, then the request fails at once without a DLQ message', async () => {
          const harness = given(
            withStepHook(base, src, () => {
              throw new NonRetryableError('bad data');
            }),
          );
          await harness.submit(base.action, input);
          const outcomes = await harness.settle();
          expect(outcomes.at(-1)).toMatchObject({
            kind: 'failed',
            error: { message: 'bad data', retryable: false },
          });
          expect(harness.deadLetters).toHaveLength(0);
          expect(await harness.view()).toMatchObject({
            status: 'FAILED',
            error: { code: 'PROCESSING_FAILED', message: 'bad data' },
          });
          await expectHealthy(harness);
        });

        it('given a cancel while the step runs, when the step next writes, then it aborts and nothing else is recorded', async () => {
          let harness!: ReturnType<typeof createHarness>;
          let aborted = false;
          harness = given(
            withStepHook(base, src, async ({ progress, signal }) => {
              await cancelRequest(harness.store, harness.registry, harness.key('r1'), {
                tenantId: harness.tenantId,
                userId: harness.userId,
                now: harness.clock(),
                reason: 'user changed their mind',
              });
              signal.addEventListener('abort', () => {
                aborted = true;
              });
              progress.report(99, 'still going');
            }),
          );
          await harness.submit(base.action, input);
          const outcome = await harness.run();
          expect(outcome.kind).toBe('cancelled');
          expect(aborted).toBe(true);
          const types = await harness.types();
          expect(types.at(-1)).toBe('request.cancelled');
          expect(await harness.view()).toMatchObject({
            status: 'CANCELLED',
            error: { code: 'CANCELLED' },
          });
          expect((await harness.run()).kind).toBe('nothing_to_do');
          await expectHealthy(harness);
        });

        it('given the time budget runs out mid-step, when the next run comes, then it resumes the step and completes', async () => {
          let stalled = false;
          const harness = given(
            withStepHook(base, src, async ({ signal }) => {
              if (stalled) return;
              stalled = true;
              await new Promise((_resolve, reject) =>
                signal.addEventListener('abort', () => reject(signal.reason)),
              );
            }),
          );
          await harness.submit(base.action, input);
          // Runs of 80 ms until the stalled step is the one suspended: on a busy machine an
          // earlier step may run out of the budget too, and is resumed by the next run.
          const suspendedHere = (o: { kind: string; stepId?: string }) =>
            o.kind === 'suspended' && o.stepId === id;
          let outcome = await harness.run('r1', { remainingMs: 80 });
          for (let runs = 1; runs < 100 && !suspendedHere(outcome); runs++)
            outcome = await harness.run('r1', { remainingMs: 80 });
          expect(outcome).toMatchObject({ kind: 'suspended', stepId: id });
          const outcomes = await harness.settle();
          expect(outcomes.at(-1)?.kind).toBe('completed');
          const resumed = (await harness.log()).filter(
            (e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === id,
          );
          expect(resumed.map((e) => e.data)).toMatchObject([
            { attempt: 1 },
            { attempt: 1, resumed: true },
          ]);
          await expectHealthy(harness);
        });

        for (const point of ['after_step_started', 'before_step_outcome'] as const) {
          it(`given a crash ${point.replaceAll('_', ' ')}, when the lease ends, then another run finishes it`, async () => {
            const harness = given(base);
            await harness.submit(base.action, input);
            await expect(
              harness.run('r1', { store: new CrashingStore(harness.store, point, id) }),
            ).rejects.toBeInstanceOf(SimulatedCrash);
            const busy = await harness.run();
            if (point === 'after_step_started') expect(busy).toMatchObject({ kind: 'lost_race' });
            const outcomes = await harness.settle();
            expect(outcomes.at(-1)?.kind).toBe('completed');
            await expectHealthy(harness);
          });
        }
      });
    }
  });
}
