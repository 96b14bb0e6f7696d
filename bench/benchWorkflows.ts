import { z } from 'zod';
import { createWorkflowRegistry, defineHandler, type WorkflowRegistry } from '../src/engine';
import { createDemoWorkflows, createEcho, sleep } from '../src/workflows';

/** The one-step no-op async workflow of the async end-to-end scenario. */
export const NOOP_ACTION = 'bench_noop';
/** The progress-reporting workflow of the progress latency scenario. */
export const PROGRESS_ACTION = 'bench_progress';
/** The demo 3-step workflow (fetch rows → aggregate → render, about 2 s of steps), priced by the cost scenario. */
export const REPORT_ACTION = 'generate_report';

const progressInput = z.object({
  updates: z.number().int().positive().max(100),
  intervalMs: z.number().int().positive(),
});

/**
 * The workflows the bench's local stack serves: the demo `echo` (sync),
 * `bench_noop` (async, one step that does nothing: what is measured is the
 * engine and its storage) and `bench_progress` (async, one step that reports
 * progress `updates` times, `intervalMs` apart, stamping each report with
 * the wall clock in its metadata), and the demo `generate_report` at its own speed.
 */
export function createBenchRegistry(): WorkflowRegistry {
  return createWorkflowRegistry([
    createEcho(),
    createDemoWorkflows({ speed: 1 }).generate_report,
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
