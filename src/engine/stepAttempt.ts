import type { NewEvent } from '../events/event';
import { StepAbortedError } from './errors';
import type { EngineLogger } from './logger';
import { createProgressBatcher, type ProgressUpdate, type Timers } from './progressReporter';
import { toJson } from './recordedError';
import type { StepInvocation } from './replay';
import type { Lease, LostReason, RunLog } from './runLog';
import { type StepContext, type StepFunction, stepFunctionOf } from './step';

/** What running one attempt of a step needs. @internal */
export interface AttemptDeps {
  readonly log: RunLog;
  readonly clock: () => number;
  readonly remainingTimeMs: () => number;
  readonly timers: Timers;
  /** Time kept back at the end of the budget; the step is aborted when only this is left. */
  readonly marginMs: number;
  readonly progressIntervalMs?: number;
  readonly logger: EngineLogger;
}

/**
 * How one attempt ended. `progress` is the newest progress report not yet
 * recorded, to be stored with the outcome.
 * @internal
 */
export type AttemptResult =
  | { readonly kind: 'completed'; readonly output: unknown; readonly progress?: ProgressUpdate }
  | { readonly kind: 'failed'; readonly error: unknown; readonly progress?: ProgressUpdate }
  /** The budget ran out first; the step must be suspended (its checkpoint is stored). */
  | { readonly kind: 'timed_out'; readonly progress?: ProgressUpdate }
  /** The lease went away while it ran: nothing more may be written for it. */
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'lost' };

type AbortReason = 'timeout' | LostReason;

/** The attempt's abort signal and the first reason it was aborted for. */
interface Abort {
  readonly signal: AbortSignal;
  reason(): AbortReason | undefined;
  abort(reason: AbortReason): void;
}

/** An attempt in flight. @internal */
export interface RunningAttempt {
  readonly lease: Lease;
  readonly attempt: number;
  /** Settles with how the attempt ended; never rejects for a step's own failure. */
  readonly done: Promise<AttemptResult>;
  /** Aborts the step: the request ended or the lease went elsewhere. */
  stop(reason: LostReason): void;
}

/**
 * Starts one attempt of a step whose lease this runner holds: builds the
 * step context, aborts the step when the budget runs out, the lease is lost
 * or {@link RunningAttempt.stop} is called, and waits for it (or, once
 * aborted, at most half the margin). Writes the step makes meanwhile
 * (progress, checkpoints) go through the log's one queue.
 * @internal
 */
export function startAttempt(
  deps: AttemptDeps,
  invocation: StepInvocation,
  attempt: number,
  lease: Lease,
): RunningAttempt {
  const abort = createAbort();
  const done = runAttempt(deps, invocation, attempt, lease, abort);
  return { lease, attempt, done, stop: (reason) => abort.abort(reason) };
}

async function runAttempt(
  deps: AttemptDeps,
  invocation: StepInvocation,
  attempt: number,
  lease: Lease,
  abort: Abort,
): Promise<AttemptResult> {
  const fn = stepFunctionOf((invocation.actorRef as unknown as { logic: unknown }).logic);
  if (!fn) throw new Error(`Step ${invocation.stepId} has no function`);
  const writer = createRunningWriter(deps, lease, abort);
  const batcher = createProgressBatcher({
    clock: deps.clock,
    floor: deps.log.state.progress,
    timers: deps.timers,
    ...(deps.progressIntervalMs !== undefined ? { intervalMs: deps.progressIntervalMs } : {}),
    emit: (update) => writer.writeInBackground([progressEvent(deps.log, invocation, update)]),
  });
  const context = stepContext(deps, { invocation, attempt, abort, writer, batcher });
  const settled = await settle(deps, fn, context, abort);
  writer.close();
  const progress = batcher.take();
  await writer.drain();
  return classify(settled, abort.reason(), progress);
}

/** Turns the settled step and the abort reason into the attempt's result. */
function classify(
  settled: Settled,
  reason: AbortReason | undefined,
  progress: ProgressUpdate | undefined,
): AttemptResult {
  if (reason === 'cancelled') return { kind: 'cancelled' };
  if (reason === 'lost') return { kind: 'lost' };
  const extra = progress ? { progress } : {};
  if (settled.ok === true) return { kind: 'completed', output: settled.value, ...extra };
  if (reason === 'timeout') return { kind: 'timed_out', ...extra };
  return { kind: 'failed', error: settled.ok === false ? settled.error : undefined, ...extra };
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown } | { ok: 'unsettled' };

/**
 * Calls the step and waits for it to settle, or, once it is aborted, for
 * half the margin more: a step that ignores its signal is left behind.
 */
async function settle(
  deps: AttemptDeps,
  fn: StepFunction,
  context: StepContext,
  abort: Abort,
): Promise<Settled> {
  const deadline = deps.timers.setTimeout(
    () => abort.abort('timeout'),
    Math.max(0, deps.remainingTimeMs() - deps.marginMs),
  );
  const settled = Promise.resolve()
    .then(() => fn(context))
    .then(
      (value): Settled => ({ ok: true, value }),
      (error: unknown): Settled => ({ ok: false, error }),
    );
  const abandoned = new Promise<Settled>((resolve) => {
    abort.signal.addEventListener('abort', () => {
      deps.timers.setTimeout(() => resolve({ ok: 'unsettled' }), deps.marginMs / 2);
    });
  });
  const result = await Promise.race([settled, abandoned]);
  deps.timers.clearTimeout(deadline);
  return result;
}

function createAbort(): Abort {
  const controller = new AbortController();
  let first: AbortReason | undefined;
  return {
    signal: controller.signal,
    reason: () => first,
    abort(reason) {
      if (first) return;
      first = reason;
      controller.abort(new StepAbortedError(reason));
    },
  };
}

/** The running step's writes, chained so they land one at a time in call order. */
interface RunningWriter {
  /** Appends `events`; rejects with `StepAbortedError` when they cannot be stored. */
  write(events: readonly NewEvent[]): Promise<void>;
  /** Like `write`, for reports nobody awaits: a failure is logged, not thrown. */
  writeInBackground(events: readonly NewEvent[]): void;
  /** No write is accepted after this. */
  close(): void;
  readonly closed: boolean;
  /** Resolves when every accepted write has settled. */
  drain(): Promise<void>;
}

function createRunningWriter(deps: AttemptDeps, lease: Lease, abort: Abort): RunningWriter {
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  const writeNow = async (events: readonly NewEvent[]): Promise<void> => {
    const refused = abort.reason() ?? (closed ? 'lost' : undefined);
    if (refused) throw new StepAbortedError(refused);
    const result = await deps.log.writeWhileRunning(events, lease);
    if (result.kind === 'written') return;
    if (result.kind === 'contended') throw new StepAbortedError('lost');
    abort.abort(result.reason);
    throw new StepAbortedError(abort.reason() ?? result.reason);
  };
  const writer: RunningWriter = {
    write(events) {
      const write = chain.then(() => writeNow(events));
      chain = write.catch(() => {});
      return write;
    },
    writeInBackground(events) {
      writer.write(events).catch((error: unknown) => {
        if (!(error instanceof StepAbortedError))
          deps.logger.warn('progress not recorded', { error: String(error) });
      });
    },
    close: () => {
      closed = true;
    },
    get closed() {
      return closed;
    },
    drain: () => chain.then(() => undefined),
  };
  return writer;
}

/** The context handed to the step function. */
function stepContext(
  deps: AttemptDeps,
  parts: {
    readonly invocation: StepInvocation;
    readonly attempt: number;
    readonly abort: Abort;
    readonly writer: RunningWriter;
    readonly batcher: ReturnType<typeof createProgressBatcher>;
  },
): StepContext {
  const { invocation, writer, batcher } = parts;
  const state = deps.log.state;
  return {
    input: state.input,
    stepInput: invocation.stepInput,
    stepId: invocation.stepId,
    requestId: state.requestId,
    tenantId: state.tenantId,
    checkpoint: invocation.hasCheckpoint ? invocation.checkpoint : undefined,
    saveCheckpoint: (checkpoint) =>
      writer.write([
        deps.log.event('step.checkpointed', {
          stepId: invocation.stepId,
          checkpoint: toJson(checkpoint),
        }),
      ]),
    progress: {
      report: (percentage, message, metadata) =>
        !writer.closed && batcher.report(percentage, message, metadata),
    },
    signal: parts.abort.signal,
    attempt: parts.attempt,
    logger: deps.logger,
    now: deps.clock,
  };
}

/** The `step.progress` event of an update. @internal */
export function progressEvent(
  log: RunLog,
  invocation: Pick<StepInvocation, 'stepId'>,
  update: ProgressUpdate,
): NewEvent {
  return log.event('step.progress', { stepId: invocation.stepId, ...toJson(update) });
}
