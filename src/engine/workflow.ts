import { type AnyStateMachine, assign, setup } from 'xstate';
import { type ConcurrencyOptions, type ConcurrencyRule, normalizeConcurrency } from './concurrency';
import type { InputIssue } from './errors';
import { hashHex } from './hash';
import { assertRunnableMachine } from './machineCheck';
import { normalizeRetryPolicy, type RetryPolicy } from './retry';
import type { StandardSchemaV1 } from './standardSchema';
import { type StepContext, step } from './step';

/** Requests estimated to take at most this long are answered inline by the router. */
export const SYNC_THRESHOLD_MS = 5_000;

/**
 * A registered workflow: what the router and the runner need to know about an action.
 *
 * The type parameters beyond input and output only carry types to clients
 * (`createClient<typeof workflows>()` in `streamer-engine/client`): the
 * literal action name, the machine (for the events `signal` accepts) and the
 * schema's input type (what a client sends). Their defaults keep
 * `Workflow<In, Out>` and plain `Workflow` meaning what they always meant.
 */
export interface Workflow<
  TInput = unknown,
  TOutput = unknown,
  TAction extends string = string,
  TMachine extends AnyStateMachine = AnyStateMachine,
  TPayload = unknown,
> {
  /** The client's `action` name. */
  readonly action: TAction;
  /**
   * Bump it whenever the machine changes: logs recorded under another
   * version refuse to replay (`WorkflowVersionMismatchError`).
   */
  readonly version: number;
  /** Expected run time; at most {@link SYNC_THRESHOLD_MS} means "answer inline". */
  readonly estimatedDuration: number;
  /** Standard Schema of the input (zod, valibot …): it accepts `TPayload`, validates to `TInput`. */
  readonly input: StandardSchemaV1<TPayload, TInput>;
  /**
   * Extra checks after the schema (the Go `Validate`), returning readable
   * issues. (Method syntax keeps `Workflow<X>` assignable to `Workflow`.)
   */
  validate?(input: TInput): readonly InputIssue[] | undefined;
  /** Schemas of the external events the workflow accepts, by event type (see {@link WorkflowOptions.signals}). */
  readonly signals?: SignalSchemas;
  readonly retry: Required<RetryPolicy>;
  /** Runs with work in progress at once, per key (`docs/flow-control.md`); undefined: the engine's default per tenant. */
  readonly concurrency?: ConcurrencyRule;
  /** The XState v5 machine; its input is the validated request input, its output the result. */
  readonly machine: TMachine;
  /** Set by {@link defineHandler}: the single function, called directly for inline runs. */
  handler?(input: TInput, context: StepContext<TInput>): Promise<TOutput>;
  /** Phantom field carrying the output type. */
  readonly __output?: TOutput;
}

/** Standard Schemas of external events, by event type. */
export type SignalSchemas = Readonly<Record<string, StandardSchemaV1>>;

/** Options of {@link defineWorkflow} (the type parameters as in {@link Workflow}). */
export interface WorkflowOptions<
  TInput,
  TAction extends string = string,
  TMachine extends AnyStateMachine = AnyStateMachine,
  TPayload = unknown,
> {
  readonly action: TAction;
  readonly version: number;
  readonly estimatedDuration: number;
  readonly input: StandardSchemaV1<TPayload, TInput>;
  readonly validate?: (input: TInput) => readonly InputIssue[] | undefined;
  /**
   * The external events (`signal`) the workflow accepts, each with a Standard
   * Schema of the whole event (`type` included). When given, a signal must be
   * of a listed type and match its schema, or it is refused
   * (`EventValidationError`, nothing stored); the schema's output is what is
   * stored and fed to the machine. Without it, events go in as sent.
   *
   * @example
   * signals: { approve: z.object({ type: z.literal('approve'), approver: z.string().min(1) }) }
   */
  readonly signals?: SignalSchemas;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * At most `limit` runs per key with work in progress; the others wait in
   * line. Without it the engine's default per-tenant limit applies.
   */
  readonly concurrency?: ConcurrencyOptions<TInput>;
  readonly machine: TMachine;
}

/**
 * Declares a workflow: a plain XState v5 machine whose invoked actors are
 * durable steps (see {@link step}). The machine's `input` is the validated
 * request input; a final state's `output` becomes the request's result; an
 * unhandled step error fails the request.
 *
 * @example
 * export const generateReport = defineWorkflow({
 *   action: 'generate_report',
 *   version: 1,
 *   estimatedDuration: 120_000,
 *   input: z.object({ from: z.string(), to: z.string() }),
 *   retry: { maxAttempts: 4, initialDelayMs: 1_000, backoffRate: 2, maxDelayMs: 60_000 },
 *   machine: setup({ actors: { fetchRows, render } }).createMachine({ ... }),
 * });
 */
export function defineWorkflow<
  TInput,
  TOutput = unknown,
  const TAction extends string = string,
  TMachine extends AnyStateMachine = AnyStateMachine,
  TPayload = unknown,
>(
  options: WorkflowOptions<TInput, TAction, TMachine, TPayload>,
): Workflow<TInput, TOutput, TAction, TMachine, TPayload> {
  if (!/^[A-Za-z0-9_.:-]+$/.test(options.action)) {
    throw new RangeError(
      `Workflow action must be letters, digits, _ . : -, got "${options.action}"`,
    );
  }
  if (!Number.isInteger(options.version) || options.version < 1) {
    throw new RangeError(`Workflow ${options.action}: version must be a whole number >= 1`);
  }
  if (!(options.estimatedDuration >= 0)) {
    throw new RangeError(`Workflow ${options.action}: estimatedDuration must be >= 0 ms`);
  }
  assertRunnableMachine(options.action, options.machine);
  return {
    action: options.action,
    version: options.version,
    estimatedDuration: options.estimatedDuration,
    input: options.input,
    ...(options.validate ? { validate: options.validate } : {}),
    ...(options.signals ? { signals: options.signals } : {}),
    retry: normalizeRetryPolicy(options.retry),
    ...withConcurrency(options.action, options.concurrency),
    machine: options.machine,
  };
}

function withConcurrency(
  action: string,
  options: ConcurrencyOptions<never> | undefined,
): { concurrency?: ConcurrencyRule } {
  const concurrency = normalizeConcurrency(action, options);
  return concurrency ? { concurrency } : {};
}

/** Options of {@link defineHandler}: the one-function shape of the original Go `Handler`. */
export interface HandlerOptions<
  TInput,
  TOutput,
  TAction extends string = string,
  TPayload = unknown,
> {
  readonly action: TAction;
  /** Defaults to 1. */
  readonly version?: number;
  readonly estimatedDuration: number;
  readonly input: StandardSchemaV1<TPayload, TInput>;
  readonly validate?: (input: TInput) => readonly InputIssue[] | undefined;
  readonly retry?: Partial<RetryPolicy>;
  /** As in {@link WorkflowOptions.concurrency} (async handlers only: inline runs take no slot). */
  readonly concurrency?: ConcurrencyOptions<TInput>;
  /** Does the work; reports progress through `context.progress`. */
  readonly process: (input: TInput, context: StepContext<TInput>) => Promise<TOutput>;
}

/**
 * Declares a one-step workflow from a single function. Short ones
 * (`estimatedDuration` ≤ 5 s) are answered inline by the router; long ones run
 * durably like any workflow (one step called `process`).
 *
 * @example
 * export const echo = defineHandler({
 *   action: 'echo',
 *   estimatedDuration: 10,
 *   input: z.unknown(),
 *   process: async (payload, { now }) => ({ echo: payload, received_at: now() }),
 * });
 */
export function defineHandler<
  TInput,
  TOutput,
  const TAction extends string = string,
  TPayload = unknown,
>(
  options: HandlerOptions<TInput, TOutput, TAction, TPayload>,
): Workflow<TInput, TOutput, TAction, AnyStateMachine, TPayload> {
  const process = step<TOutput, TInput>(async (context) => options.process(context.input, context));
  const machine = setup({
    types: {} as { context: { output?: unknown }; input: unknown; output: unknown },
    actors: { process },
  }).createMachine({
    id: options.action,
    initial: 'processing',
    context: {},
    states: {
      processing: {
        invoke: {
          id: 'process',
          src: 'process',
          onDone: { target: 'done', actions: assign({ output: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }: { context: { output?: unknown } }) => context.output,
  });
  const workflow = defineWorkflow<TInput, TOutput, TAction, AnyStateMachine, TPayload>({
    action: options.action,
    version: options.version ?? 1,
    estimatedDuration: options.estimatedDuration,
    input: options.input,
    ...(options.validate ? { validate: options.validate } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    machine,
  });
  return { ...workflow, handler: options.process };
}

/**
 * Whether the router answers `workflow` inline (estimatedDuration ≤ 5 s)
 * rather than accepting it as a durable request.
 */
export function isSync(workflow: Pick<Workflow, 'estimatedDuration'>): boolean {
  return workflow.estimatedDuration <= SYNC_THRESHOLD_MS;
}

/**
 * A stable fingerprint of a machine's structure: states, transitions,
 * targets, invokes, tags, and the names of its guards, actions and delays
 * (not of its steps: their outputs are in the log). Function bodies are left
 * out because their source text changes with the bundler; a changed inline
 * action shows up in the golden tests' snapshot comparison instead. Golden
 * history tests compare it so a changed machine needs a version bump.
 */
export function machineFingerprint(machine: AnyStateMachine): string {
  const implementations = machine.implementations as unknown as Record<
    string,
    Record<string, unknown>
  >;
  const named = ['guards', 'actions', 'delays'].map((kind) =>
    Object.keys(implementations[kind] ?? {}).sort(),
  );
  const text = JSON.stringify([machine.definition, named], (_key, value: unknown) =>
    typeof value === 'function' ? 'ƒ' : value,
  );
  return hashHex(text);
}
