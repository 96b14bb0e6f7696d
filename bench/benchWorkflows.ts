import { setup } from 'xstate';
import { z } from 'zod';
import {
  createWorkflowRegistry,
  defineHandler,
  defineWorkflow,
  type WorkflowRegistry,
} from '../src/engine';
import { createDemoWorkflows, createEcho, sleep } from '../src/workflows';

/** The one-step no-op async workflow of the async end-to-end scenario. */
export const NOOP_ACTION = 'bench_noop';
/** The progress-reporting workflow of the progress latency scenario. */
export const PROGRESS_ACTION = 'bench_progress';
/** One long step (`{ ms }`), the neighbour of the dispatch scenario. */
export const LONG_ACTION = 'bench_long';
/** Waits for a `go` signal, then completes: the signal of the dispatch scenario. */
export const WAIT_ACTION = 'bench_wait';
/** The demo 3-step workflow (fetch rows → aggregate → render, about 2 s of steps), priced by the cost scenario. */
export const REPORT_ACTION = 'generate_report';

const progressInput = z.object({
  updates: z.number().int().positive().max(100),
  intervalMs: z.number().int().positive(),
});

/**
 * The workflows the bench's local stack serves: the demo `echo` (sync),
 * `bench_noop` (async, one step that does nothing: what is measured is the
 * engine and its storage), `bench_progress` (async, one step that reports
 * progress `updates` times, `intervalMs` apart, stamping each report with
 * the wall clock in its metadata), `bench_long` (one step that sleeps `ms`),
 * `bench_wait` (waits for a `go` signal) and the demo `generate_report` at its own speed.
 */
export function createBenchRegistry(): WorkflowRegistry {
  return createWorkflowRegistry([
    createEcho(),
    createDemoWorkflows({ speed: 1 }).generate_report,
    defineHandler({
      action: LONG_ACTION,
      estimatedDuration: 60_000,
      input: z.object({ ms: z.number().int().positive().max(60_000) }),
      retry: { maxAttempts: 1 },
      process: async ({ ms }, { signal }) => {
        await sleep(ms, signal);
        return { slept: ms };
      },
    }),
    waitForGo(),
    defineHandler({
      action: NOOP_ACTION,
      estimatedDuration: 60_000,
      input: z.unknown(),
      retry: { maxAttempts: 1 },
      process: async () => ({ ok: true }),
    }),
    defineHandler({
      action: PROGRESS_ACTION,
      estimatedDuration: 60_000,
      input: progressInput,
      retry: { maxAttempts: 1 },
      process: async ({ updates, intervalMs }, { progress, signal, now }) => {
        for (let k = 1; k <= updates; k++) {
          // Below 95 %, so the batcher's interval (not its flush-at-once rule) applies.
          progress.report(Math.floor((k * 90) / updates), `update ${k}`, { reportedAt: now() });
          await sleep(intervalMs, signal);
        }
        return { updates };
      },
    }),
  ]);
}

/** `bench_wait`: no step, a machine that waits for `go` and ends. */
function waitForGo() {
  const machine = setup({ types: {} as { events: { type: 'go' } } }).createMachine({
    id: WAIT_ACTION,
    initial: 'waiting',
    states: { waiting: { on: { go: 'done' } }, done: { type: 'final' } },
  });
  return defineWorkflow({
    action: WAIT_ACTION,
    version: 1,
    estimatedDuration: 60_000,
    input: z.unknown(),
    retry: { maxAttempts: 1 },
    machine,
  });
}
