/**
 * The error every check of the kit throws: which invariant broke, for which
 * request, and — when it comes from {@link checkLifecycle} — the seed, the
 * replay path and the shrunk schedule as a readable history.
 *
 * @example
 * try {
 *   await checkLifecycle(expenseApproval, { numRuns: 50 });
 * } catch (error) {
 *   if (error instanceof InvariantViolation) console.log(error.invariant, error.seed, error.history);
 *   throw error;
 * }
 */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  /** The DESIGN §4 invariant, e.g. `'4 (one runner per step)'`. */
  readonly invariant: string;
  /** The tenant-scoped key of the request it broke for, when it is about one. */
  readonly requestKey: string | undefined;
  /** What was seen. */
  readonly detail: string;
  /** The fast-check seed of the failing run (rerun with `checkLifecycle(…, { seed, path })`). */
  readonly seed: number | undefined;
  /** The fast-check path of the shrunk counterexample. */
  readonly path: string | undefined;
  /** The shrunk schedule: the commands, then the resulting log of each request. */
  readonly history: string | undefined;

  constructor(fields: {
    readonly invariant: string;
    readonly detail: string;
    readonly requestKey?: string | undefined;
    readonly seed?: number | undefined;
    readonly path?: string | undefined;
    readonly history?: string | undefined;
    readonly cause?: unknown;
  }) {
    super(messageOf(fields), fields.cause !== undefined ? { cause: fields.cause } : undefined);
    this.invariant = fields.invariant;
    this.detail = fields.detail;
    this.requestKey = fields.requestKey;
    this.seed = fields.seed;
    this.path = fields.path;
    this.history = fields.history;
  }

  /** The same violation with the run that found it (seed, path, history) attached. */
  withRun(run: { seed: number; path?: string | undefined; history: string }): InvariantViolation {
    return new InvariantViolation({
      invariant: this.invariant,
      detail: this.detail,
      requestKey: this.requestKey,
      ...run,
      cause: this.cause,
    });
  }
}

function messageOf(fields: {
  readonly invariant: string;
  readonly detail: string;
  readonly requestKey?: string | undefined;
  readonly seed?: number | undefined;
  readonly path?: string | undefined;
  readonly history?: string | undefined;
}): string {
  const about = fields.requestKey ? ` for ${fields.requestKey}` : '';
  const head = `Invariant ${fields.invariant} broken${about}: ${fields.detail}`;
  if (fields.seed === undefined) return head;
  const replay = `seed: ${fields.seed}${fields.path ? `, path: "${fields.path}"` : ''}`;
  return `${head}\n${replay} (rerun with checkLifecycle(workflow, { seed, path }))\n${fields.history ?? ''}`;
}

/**
 * A machine path ({@link machinePaths}) did not end where the machine's
 * graph says: the engine and the bare machine disagree.
 *
 * @example
 * await runMachinePath(workflow, path).catch((error) => {
 *   if (error instanceof PathMismatchError) console.log(error.path, error.detail);
 * });
 */
export class PathMismatchError extends Error {
  override readonly name = 'PathMismatchError';
  /** The path's name (its events and expected end). */
  readonly path: string;
  readonly detail: string;
  constructor(fields: { readonly path: string; readonly detail: string }) {
    super(`Path ${fields.path}: ${fields.detail}`);
    this.path = fields.path;
    this.detail = fields.detail;
  }
}

/**
 * {@link checkLifecycle} ran every schedule without a single request accepted:
 * every input it was given was refused by the workflow's input schema, so no
 * invariant was exercised. Fix the `inputs` option.
 *
 * @example
 * await checkLifecycle(workflow, { inputs: [{}] }).catch((error) => {
 *   if (error instanceof NothingAcceptedError) console.log(error.action);
 * });
 */
export class NothingAcceptedError extends Error {
  override readonly name = 'NothingAcceptedError';
  /** The action whose input schema refused every input. */
  readonly action: string;
  constructor(action: string, numRuns: number) {
    super(
      `checkLifecycle(${action}): none of ${numRuns} schedules got a request accepted — every input was refused by the workflow's input schema. Give inputs it accepts.`,
    );
    this.action = action;
  }
}
