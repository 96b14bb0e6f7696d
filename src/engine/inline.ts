import type { RecordedError } from '../events/lifecycle';
import { InMemoryEventStore } from '../events/memory/inMemoryEventStore';
import { acceptRequest } from './commands';
import type { InputIssue } from './errors';
import { type EngineLogger, silentLogger } from './logger';
import type { ProgressUpdate } from './progressReporter';
import { toJson, toRecordedError } from './recordedError';
import { createWorkflowRegistry, validateInput } from './registry';
import { runRequest } from './runner';
import type { StepContext } from './step';
import type { Workflow } from './workflow';

/** What {@link runInline} needs. */
export interface InlineDeps {
  readonly clock: () => number;
  readonly logger?: EngineLogger;
  /** Aborts the work (e.g. the caller gave up). */
  readonly signal?: AbortSignal;
  /** Receives each progress report, unbatched. */
  readonly onProgress?: (update: ProgressUpdate) => void;
  readonly tenantId?: string;
  readonly userId?: string;
  /** The client's request id, handed to steps as `requestId`. Default `inline`. */
  readonly requestId?: string;
}

/** The answer of {@link runInline}. */
export type InlineResult<TOutput = unknown> =
  | { readonly ok: true; readonly output: TOutput }
  | { readonly ok: false; readonly reason: 'invalid_input'; readonly issues: readonly InputIssue[] }
  | { readonly ok: false; readonly reason: 'failed'; readonly error: RecordedError };

/**
 * Runs a short workflow to its end in this process and answers with its
 * result, for the router's sync path. Nothing is stored. A handler
 * (`defineHandler`) is called directly; a machine runs through the same
 * runner as durable requests, on a throw-away log. Retryable failures are
 * tried again (after their backoff) up to `retry.maxAttempts`.
 *
 * @example
 * const result = await runInline(registry.require('echo'), payload, { clock: Date.now });
 * if (result.ok) reply(result.output);
 */
export async function runInline<TInput, TOutput>(
  workflow: Workflow<TInput, TOutput>,
  input: unknown,
  deps: InlineDeps,
): Promise<InlineResult<TOutput>> {
  const validated = await validateInput(workflow, input);
  if (!validated.ok) return { ok: false, reason: 'invalid_input', issues: validated.issues };
  if (workflow.handler) return runHandler(workflow, workflow.handler, validated.value, deps);
  return runMachine(workflow as Workflow, validated.value, deps) as Promise<InlineResult<TOutput>>;
}

async function runHandler<TInput, TOutput>(
  workflow: Workflow<TInput, TOutput>,
  handler: NonNullable<Workflow<TInput, TOutput>['handler']>,
  input: TInput,
  deps: InlineDeps,
): Promise<InlineResult<TOutput>> {
  let checkpoint: unknown;
  let highest = 0;
  const signal = deps.signal ?? new AbortController().signal;
  for (let attempt = 1; ; attempt++) {
    const context: StepContext<TInput> = {
      input,
      stepInput: undefined,
      stepId: 'process',
      requestId: deps.requestId ?? 'inline',
      tenantId: deps.tenantId ?? 'inline',
      checkpoint,
      saveCheckpoint: async (data) => {
        checkpoint = toJson(data);
      },
      progress: {
        report: (percentage, message, metadata) => {
          highest = Math.max(highest, Math.min(100, Math.max(0, percentage)));
          deps.onProgress?.({ percentage: highest, message, ...(metadata ? { metadata } : {}) });
        },
      },
      signal,
      attempt,
      logger: deps.logger ?? silentLogger,
      now: deps.clock,
    };
    try {
      return { ok: true, output: await handler(input, context) };
    } catch (thrown) {
      const error = toRecordedError(thrown);
      if (!error.retryable || attempt >= workflow.retry.maxAttempts || signal.aborted) {
        return { ok: false, reason: 'failed', error };
      }
    }
  }
}

async function runMachine(
  workflow: Workflow,
  input: unknown,
  deps: InlineDeps,
): Promise<InlineResult> {
  // A throw-away log with the stores' own limits: an inline run is held to the same rules.
  const store = new InMemoryEventStore();
  const registry = createWorkflowRegistry([workflow]);
  const accepted = await acceptRequest(store, {
    workflow,
    tenantId: deps.tenantId ?? 'inline',
    userId: deps.userId ?? 'inline',
    requestId: deps.requestId ?? 'inline',
    input,
    now: deps.clock(),
  });
  const failures: RecordedError[] = [];
  for (;;) {
    const outcome = await runRequest({
      store,
      registry,
      requestKey: accepted.requestKey,
      clock: deps.clock,
      remainingTimeMs: () => 15 * 60_000,
      deadLetterSink: { send: async (message) => void failures.push(...message.errors) },
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    switch (outcome.kind) {
      case 'completed':
        return { ok: true, output: outcome.output };
      case 'failed':
      case 'dead_lettered':
        return { ok: false, reason: 'failed', error: outcome.error };
      case 'retry_scheduled':
        await sleep(Math.max(0, outcome.retryAt - deps.clock()), deps.signal);
        if (deps.signal?.aborted)
          return { ok: false, reason: 'failed', error: toRecordedError(deps.signal.reason) };
        continue;
      case 'waiting_for_signal':
        return {
          ok: false,
          reason: 'failed',
          error: {
            name: 'WaitingForSignal',
            message: `${workflow.action} waits for an external event: it cannot run inline`,
            retryable: false,
          },
        };
      default:
        continue;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
