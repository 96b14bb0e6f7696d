import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMachine, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import {
  cancelRequest,
  createWorkflowRegistry,
  type DeadLetterMessage,
  type EngineLogger,
  RequestFinishedError,
  redriveRequest,
  runRequest,
  step,
  type Workflow,
  type WorkflowRegistry,
} from '../../src/engine';
import { normalizeRetryPolicy } from '../../src/engine/retry';
import type { StoredEvent } from '../../src/events';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { framesForEvents } from '../../src/projections/progressFeed';
import { foldRequestView } from '../../src/projections/requestView';
import { createApprovalWorkflow } from './support/approvalWorkflow';
import { createHarness, fakeClock } from './support/harness';

// Logs recorded under a definition that cannot run now. The workflows are
// built without defineWorkflow and served by a bare registry, so these tests
// keep exercising the runtime path whatever registration refuses up front.

/** A registry that serves exactly these workflows, with no checks of its own. */
function bareRegistry(...workflows: Workflow[]): WorkflowRegistry {
  const get = (action: string, version?: number) =>
    workflows
      .filter((w) => w.action === action && (version === undefined || w.version === version))
      .sort((a, b) => b.version - a.version)[0];
  return {
    get,
    require(action, version) {
      const workflow = get(action, version);
      if (!workflow) throw new Error(`no ${action}`);
      return workflow;
    },
    actions: () => [...new Set(workflows.map((w) => w.action))].sort(),
  };
}

/** A one-state workflow whose machine is `machine`, as a bare object. */
function workflowWith(machine: Workflow['machine']): Workflow {
  return {
    action: 'broken',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({}),
    retry: normalizeRetryPolicy({ maxAttempts: 3 }),
    machine,
  };
}

const done = step(async () => ({ ok: true }));
/** Invokes a promise actor from another copy of the engine (no step marker here). */
const foreignStep = workflowWith(
  setup({ actors: { done, foreign: fromPromise(async () => 1) } }).createMachine({
    initial: 'first',
    states: {
      first: { invoke: { id: 'first', src: 'done', onDone: 'second' } },
      second: { invoke: { id: 'second', src: 'foreign', onDone: 'end' } },
      end: { type: 'final' },
    },
  }),
);
/** Invokes an actor its setup() does not provide. */
const missingActor = workflowWith(
  createMachine({
    initial: 'waiting',
    states: {
      waiting: { invoke: { id: 'ghost', src: 'ghost', onDone: 'end' } },
      end: { type: 'final' },
    },
  }),
);

interface Run {
  readonly log: StoredEvent[];
  readonly deadLetters: DeadLetterMessage[];
  readonly errors: { message: string; attributes?: Readonly<Record<string, unknown>> }[];
  readonly outcomes: string[];
}

/** Accepts `input` for `accepted` in one registry, then runs it `runs` times with `running`. */
async function acceptThenRun(
  accepted: Workflow,
  running: WorkflowRegistry,
  runs = 3,
): Promise<Run> {
  const store = new InMemoryEventStore();
  const harness = createHarness(bareRegistry(accepted), store);
  await harness.submit(accepted.action, accepted.action === 'approval' ? { amount: 1 } : {});
  const deadLetters: DeadLetterMessage[] = [];
  const errors: Run['errors'] = [];
  const logger: EngineLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (message, attributes) =>
      void errors.push({ message, ...(attributes && { attributes }) }),
  };
  const outcomes: string[] = [];
  const clock = fakeClock();
  for (let i = 0; i < runs; i++) {
    const outcome = await runRequest({
      store,
      registry: running,
      requestKey: harness.key('r1'),
      clock,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async (message) => void deadLetters.push(message) },
      logger,
    });
    outcomes.push(outcome.kind);
  }
  return { log: await harness.log(), deadLetters, errors, outcomes };
}

/** The request ended once: one request.failed, one dead letter, one error frame, one log line. */
function expectFailedOnce(run: Run, cause: RegExp): void {
  const failed = run.log.filter((e) => e.type === 'request.failed');
  expect(failed).toHaveLength(1);
  expect(failed[0]?.data).toMatchObject({
    attempts: 0,
    exhausted: true,
    unrunnable: true,
    error: { retryable: false, message: expect.stringMatching(cause) },
  });
  expect(run.log.filter((e) => e.type === 'request.dead_lettered')).toHaveLength(1);
  expect(run.deadLetters).toHaveLength(1);
  expect(run.deadLetters[0]).toMatchObject({ requestId: 'r1', attempts: 0 });
  const frames = framesForEvents(run.log, 'r1');
  expect(frames.filter((f) => f.type === 'error')).toEqual([
    expect.objectContaining({
      request_id: 'r1',
      error: expect.objectContaining({
        code: 'PROCESSING_FAILED',
        message: expect.stringMatching(cause),
      }),
    }),
  ]);
  expect(JSON.stringify(frames)).not.toContain('acme#');
  expect(foldRequestView(run.log)?.status).toBe('DEAD_LETTERED');
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]?.attributes).toMatchObject({
    action: expect.any(String),
    cause: expect.any(String),
  });
  // Later deliveries find it finished and change nothing.
  expect(run.outcomes.slice(1)).toEqual(['nothing_to_do', 'nothing_to_do']);
}

describe('a request the registered workflows cannot run', () => {
  // XState warns about the missing actor on every fold; the tests assert what the engine does.
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  it('given a log of a version no longer registered, then it fails once, clearly, and is dead-lettered', async () => {
    const run = await acceptThenRun(
      createApprovalWorkflow(1),
      createWorkflowRegistry([createApprovalWorkflow(2)]),
    );
    expect(run.outcomes[0]).toBe('dead_lettered');
    expectFailedOnce(run, /approval v1 cannot run .*v1 is not registered \(v2 is\)/);
    expect(run.errors[0]).toMatchObject({
      message: expect.stringContaining('cannot run'),
      attributes: { action: 'approval', workflowVersion: 1 },
    });
  });

  it('given a log of a workflow no longer registered at all, then it fails once and is dead-lettered', async () => {
    const run = await acceptThenRun(createApprovalWorkflow(1), bareRegistry());
    expectFailedOnce(run, /approval v1 cannot run .*no workflow of that action is registered/);
  });

  it('given a machine invoking an actor its setup() lacks, then it fails once naming the invoke', async () => {
    const run = await acceptThenRun(missingActor, bareRegistry(missingActor));
    expectFailedOnce(run, /broken v1 cannot run .*not registered \(invoke id "ghost"\)/);
  });

  it('given a step marker from another copy of the engine, then the completed step is kept and the request fails once', async () => {
    const run = await acceptThenRun(foreignStep, bareRegistry(foreignStep));
    expectFailedOnce(run, /broken v1 cannot run .*"second" that is not a step/);
    // The step that did run is on the log, so a redrive after the fix does not run it again.
    expect(run.log.filter((e) => e.type === 'step.completed')).toHaveLength(1);
  });

  it('refuses a cancel as finished, and a redrive while it still cannot run says why', async () => {
    const run = await acceptThenRun(missingActor, bareRegistry(missingActor), 1);
    const store = new InMemoryEventStore();
    await store.append('acme#r1', 0, run.log);
    const context = { tenantId: 'acme', userId: 'ops', now: 1 };
    await expect(
      cancelRequest(store, bareRegistry(missingActor), 'acme#r1', context),
    ).rejects.toBeInstanceOf(RequestFinishedError);
    await expect(
      redriveRequest(store, bareRegistry(missingActor), 'acme#r1', context),
    ).rejects.toThrow(/not registered \(invoke id "ghost"\)/);
  });

  it('once a deploy can run it, a redrive starts it again and it completes', async () => {
    const v1 = createApprovalWorkflow(1);
    const run = await acceptThenRun(v1, createWorkflowRegistry([createApprovalWorkflow(2)]), 1);
    const store = new InMemoryEventStore();
    await store.append('acme#r1', 0, run.log);
    const fixed = createWorkflowRegistry([v1, createApprovalWorkflow(2)]);
    await redriveRequest(store, fixed, 'acme#r1', { tenantId: 'acme', userId: 'ops', now: 2 });
    const harness = createHarness(fixed, store);
    const outcomes = await harness.settle();
    expect(outcomes.at(-1)?.kind).toBe('waiting_for_signal');
    expect(foldRequestView(await harness.log())?.status).toBe('PROCESSING');
  });
});
