import type { AnyStateMachine, EventFromLogic, OutputFrom } from 'xstate';
import type { StandardSchemaV1 } from '../engine/standardSchema';

/**
 * The part of a workflow (a `defineWorkflow` / `defineHandler` result) the
 * client reads its types from. Only types: import the workflows module with
 * `import type`, so no workflow code reaches the client's bundle.
 */
export interface WorkflowLike {
  readonly action: string;
  readonly input: StandardSchemaV1<unknown, unknown>;
  readonly machine: AnyStateMachine;
  readonly __output?: unknown;
}

/**
 * The workflows a client is typed with: an array of workflows (what a
 * workflows module exports as `workflows`) or an object of them by action
 * (like `DemoWorkflows`).
 */
export type WorkflowSet = readonly WorkflowLike[] | object;

/** What an untyped client accepts: any action, any payload. */
export type AnyWorkflows = readonly WorkflowLike[];

type IsAny<T> = 0 extends 1 & T ? true : false;

type WorkflowsIn<W> = Extract<W extends readonly unknown[] ? W[number] : W[keyof W], WorkflowLike>;

/** The action names of a workflow set (`string` for an untyped client). */
export type ActionOf<W> = WorkflowsIn<W>['action'];

/** The workflow(s) of `W` named `A`; every workflow when the set is untyped. */
type Named<W, A> =
  string extends ActionOf<W> ? WorkflowsIn<W> : Extract<WorkflowsIn<W>, { readonly action: A }>;

type SchemaPayload<S> =
  S extends StandardSchemaV1<infer TPayload, infer TInput>
    ? unknown extends TPayload
      ? TInput
      : TPayload
    : unknown;

/** What a client sends as the payload of action `A`: the schema's input type. */
export type PayloadOf<W, A> = SchemaPayload<Named<W, A>['input']>;

type MachineOutput<M extends AnyStateMachine> =
  IsAny<OutputFrom<M>> extends true ? unknown : OutputFrom<M>;

type OutputOfWorkflow<F> = F extends {
  readonly __output?: infer O;
  readonly machine: infer M extends AnyStateMachine;
}
  ? unknown extends O
    ? MachineOutput<M>
    : O
  : unknown;

/** The result of action `A`: the workflow's declared output, else its machine's output type. */
export type ResultOf<W, A> = OutputOfWorkflow<Named<W, A>>;

/** Any XState event: what an untyped machine may accept. */
export interface AnySignalEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

type UserEvents<E> = E extends { readonly type: `xstate.${string}` } ? never : E;

type MachineEvents<M extends AnyStateMachine> =
  IsAny<EventFromLogic<M>> extends true
    ? AnySignalEvent
    : string extends EventFromLogic<M>['type']
      ? AnySignalEvent
      : UserEvents<EventFromLogic<M>>;

type SignalOfWorkflow<F> = F extends { readonly machine: infer M extends AnyStateMachine }
  ? MachineEvents<M>
  : never;

/** The events `run.signal` takes for action `A`: the machine's own event types. */
export type SignalOf<W, A> = SignalOfWorkflow<Named<W, A>>;

/** The rest parameters of a payload: optional when `undefined` is a valid payload. */
export type PayloadArgs<P> = undefined extends P ? [payload?: P] : [payload: P];
