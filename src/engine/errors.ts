/**
 * Errors the engine raises on purpose. Each carries the facts a caller needs
 * to act on it (which request, which workflow, which event) and a `retryable`
 * flag: `true` when the same call may succeed later, `false` when it never will.
 */

/** Base class of every error the engine raises on purpose. */
export abstract class EngineError extends Error {
  /** Whether trying the same operation again may succeed. */
  abstract readonly retryable: boolean;
}

/** No workflow is registered for `action`. */
export class UnknownWorkflowError extends EngineError {
  override readonly name = 'UnknownWorkflowError';
  readonly retryable = false;
  constructor(readonly action: string) {
    super(`No workflow is registered for action "${action}": register it in the WorkflowRegistry`);
  }
}

/**
 * The log was recorded under another version of the workflow than the one
 * registered now. Replaying it against a changed machine could silently take
 * other paths, so the engine refuses. Keep the old version registered (under
 * the same action) until its requests have finished, or redrive them anew.
 */
export class WorkflowVersionMismatchError extends EngineError {
  override readonly name = 'WorkflowVersionMismatchError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly action: string,
    readonly recordedVersion: number,
    readonly registeredVersion: number,
  ) {
    super(
      `Request ${requestKey} was recorded with ${action} v${recordedVersion} but v${registeredVersion} is registered: register v${recordedVersion} too (registry.register(old)) or let those requests finish before deploying`,
    );
  }
}

/** The request's log is empty (never accepted), or belongs to another tenant. */
export class RequestNotFoundError extends EngineError {
  override readonly name = 'RequestNotFoundError';
  readonly retryable = false;
  constructor(readonly requestKey: string) {
    super(`Request ${requestKey} does not exist`);
  }
}

/** The request already ended (completed, failed or cancelled): nothing was stored. */
export class RequestFinishedError extends EngineError {
  override readonly name = 'RequestFinishedError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly terminalType: string,
    readonly attempted: string,
  ) {
    super(`Cannot ${attempted} request ${requestKey}: it already ended with ${terminalType}`);
  }
}

/**
 * An external event the workflow does not accept in its current state. It
 * was not stored; send it when the workflow waits for it.
 */
export class EventNotAcceptedError extends EngineError {
  override readonly name = 'EventNotAcceptedError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly eventType: string,
    readonly state: unknown,
  ) {
    super(
      `Request ${requestKey} does not accept event "${eventType}" in state ${JSON.stringify(state)}: nothing was stored`,
    );
  }
}

/** A readable problem with a workflow's input: where, and what is wrong. */
export interface InputIssue {
  /** Dotted path into the input (`items.3.id`); empty for the input as a whole. */
  readonly path: string;
  readonly message: string;
}

/** The input does not match the workflow's schema. */
export class InputValidationError extends EngineError {
  override readonly name = 'InputValidationError';
  readonly retryable = false;
  constructor(
    readonly action: string,
    readonly issues: readonly InputIssue[],
  ) {
    super(
      `Invalid input for ${action}: ${issues.map((issue) => `${issue.path || '(input)'}: ${issue.message}`).join('; ')}`,
    );
  }
}

/**
 * A signal's event does not match the schema the workflow declares for its
 * type (`signals` on `defineWorkflow`), or its type is not declared. Nothing
 * was stored.
 */
export class EventValidationError extends EngineError {
  override readonly name = 'EventValidationError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly eventType: string,
    readonly issues: readonly InputIssue[],
  ) {
    super(
      `Invalid event "${eventType}" for request ${requestKey}: ${issues.map((issue) => `${issue.path || '(event)'}: ${issue.message}`).join('; ')}; nothing was stored`,
    );
  }
}

/**
 * Throw this (or any error with `retryable: false`) from a step to fail it
 * at once, without using the remaining attempts: bad data, a refused
 * permission, anything that cannot succeed by trying again.
 *
 * @example
 * if (!row) throw new NonRetryableError(`dataset ${id} does not exist`, { details: { id } });
 */
export class NonRetryableError extends Error {
  override readonly name: string = 'NonRetryableError';
  readonly retryable = false;
  readonly details?: unknown;
  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options);
    this.details = options?.details;
  }
}

/**
 * A step's signal aborted: the runner ran out of time, the request was
 * cancelled, or another runner took the step over. Steps may throw it (or let
 * `signal.throwIfAborted()` do so). When the signal did abort, the runner
 * records no failure for it; thrown without an abort, it is an ordinary
 * retryable step failure.
 */
export class StepAbortedError extends Error {
  override readonly name = 'StepAbortedError';
  constructor(readonly reason: 'timeout' | 'cancelled' | 'lost') {
    super(`Step aborted: ${reason}`);
  }
}

/** A machine invokes an actor that was not declared with `step()`; the engine can only run steps. */
export class NotAStepError extends EngineError {
  override readonly name = 'NotAStepError';
  readonly retryable = false;
  constructor(
    readonly action: string,
    readonly actorId: string,
  ) {
    super(
      `Workflow ${action} invokes actor "${actorId}" that is not a step: wrap its logic with step(fn) so the engine can run it durably`,
    );
  }
}

/** Raised when redrive is asked for a request that is not dead-lettered. */
export class NotDeadLetteredError extends EngineError {
  override readonly name = 'NotDeadLetteredError';
  readonly retryable = false;
  constructor(readonly requestKey: string) {
    super(
      `Request ${requestKey} is not dead-lettered: only dead-lettered requests can be redriven`,
    );
  }
}

/**
 * A machine invokes an actor by a name that `setup({ actors })` does not
 * register: XState would spawn nothing and the request would wait forever.
 * Raised when the workflow is defined or registered (naming the state); and
 * when a log recorded under another definition is replayed (naming the
 * invoke id XState left without a child), which ends that request as unrunnable.
 */
export class UnregisteredActorError extends EngineError {
  override readonly name = 'UnregisteredActorError';
  readonly retryable = false;
  constructor(
    readonly action: string,
    readonly actorName: string,
    readonly stateId?: string,
  ) {
    super(
      stateId === undefined
        ? `Workflow ${action} invokes an actor that is not registered (invoke id "${actorName}"): add its src to setup({ actors: { … } }) as a step(fn)`
        : `Workflow ${action} invokes actor "${actorName}" (in state ${stateId}) that is not registered: add it to setup({ actors: { ${actorName}: step(fn) } })`,
    );
  }
}

/** `machine` is not an XState v5 state machine (built with `setup(…).createMachine(…)`). */
export class NotAMachineError extends EngineError {
  override readonly name = 'NotAMachineError';
  readonly retryable = false;
  constructor(readonly action: string) {
    super(
      `Workflow ${action}: \`machine\` is not an XState v5 machine; build it with setup({ actors }).createMachine({ … })`,
    );
  }
}
