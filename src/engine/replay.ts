import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  initialTransition,
  transition,
} from 'xstate';
import type { StoredEvent } from '../events/event';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';
import {
  NotAStepError,
  RequestNotFoundError,
  UnknownWorkflowError,
  UnregisteredActorError,
  WorkflowVersionMismatchError,
} from './errors';
import type { WorkflowRegistry } from './registry';
import { stepFunctionOf } from './step';
import type { Workflow } from './workflow';

/** Where one invocation of a step stands, as folded from the log. */
export interface StepInvocation {
  /** The invoke id; `step.*` events name it. */
  readonly stepId: string;
  /** The child actor of this invocation (a re-entered state spawns a new one). */
  readonly actorRef: AnyActorRef;
  /** The invoke's mapped `input`. */
  readonly stepInput: unknown;
  /** The last attempt started, 0 before the first. */
  attempt: number;
  /**
   * `pending`: never started; `running`: a runner holds the lease;
   * `retry_wait`: failed, next attempt at `retryAt`; `suspended`: handed over
   * by a runner that ran out of time.
   */
  status: 'pending' | 'running' | 'retry_wait' | 'suspended';
  /** `seq` of the `step.started` of the current lease. */
  startedSeq?: number;
  leaseUntil?: number;
  retryAt?: number;
  hasCheckpoint: boolean;
  checkpoint?: unknown;
  /** Errors of this invocation's failed attempts, oldest first. */
  errors: RecordedError[];
}

/** A failure that ended the request's current epoch. */
export interface RequestFailure {
  readonly error: RecordedError;
  readonly attempts: number;
  readonly exhausted: boolean;
  readonly errors: readonly RecordedError[];
  readonly stepId?: string;
  /** `seq` of the `request.failed` event. */
  readonly seq: number;
  /** The registered workflows could not run the log when it failed (nothing to restore on redrive). */
  readonly unrunnable?: boolean;
}

/** The folded state of a request: its machine snapshot plus the engine's bookkeeping. */
export interface RequestState {
  readonly requestKey: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly action: string;
  readonly requestId: string;
  readonly connectionId?: string;
  readonly input: unknown;
  readonly maxAttempts: number;
  readonly workflow: Workflow;
  /** The XState snapshot, folded with the pure `transition`. */
  snapshot: AnyMachineSnapshot;
  /** `seq` of the last event folded (the version to append after). */
  version: number;
  /** Live step invocations by step id, in the machine's order. */
  steps: Map<string, StepInvocation>;
  /** Highest percentage reported so far. */
  progress: number;
  /** The terminal event of the current epoch, if any. */
  terminal?: {
    readonly type: 'request.completed' | 'request.failed' | 'request.cancelled';
    readonly seq: number;
  };
  failure?: RequestFailure;
  deadLettered: boolean;
  /** 0, then +1 per `request.redriven`. */
  epoch: number;
  /** What a redrive restores: the state just before the step error that failed the request. @internal */
  restorePoint?: {
    readonly snapshot: AnyMachineSnapshot;
    readonly steps: Map<string, StepInvocation>;
  };
  /** The last step error fed to the machine (for `request.failed`). @internal */
  lastStepError?: {
    readonly stepId: string;
    readonly error: RecordedError;
    readonly errors: readonly RecordedError[];
    readonly attempt: number;
  };
}

type Accepted = StoredEvent<'request.accepted', LifecycleEventData['request.accepted']>;

/**
 * Rebuilds a request's state from its log. Pure: it folds the events through
 * XState's `initialTransition` / `transition` and runs no step and no side
 * effect. Throws `RequestNotFoundError` for an empty log and, for a log the
 * registered workflows cannot run, `UnknownWorkflowError`,
 * `WorkflowVersionMismatchError` (the recorded version is not registered),
 * `UnregisteredActorError` or `NotAStepError` (the machine invokes an actor
 * that is missing or not a step of this engine).
 *
 * @example
 * const state = replay(registry, await store.read(toRequestKey('acme', 'r1')));
 * state.snapshot.value; // 'rendering'
 */
export function replay(registry: WorkflowRegistry, events: readonly StoredEvent[]): RequestState {
  const first = events[0];
  if (first?.type !== 'request.accepted') {
    throw new RequestNotFoundError(first?.requestKey ?? '(empty log)');
  }
  const state = initialState(registry, first as Accepted);
  for (let i = 1; i < events.length; i++) applyEvent(state, events[i] as StoredEvent);
  return state;
}

/** The state right after `request.accepted` (seq 1). */
export function initialState(registry: WorkflowRegistry, accepted: Accepted): RequestState {
  const { action, workflowVersion } = accepted.data;
  const workflow = registry.get(action, workflowVersion);
  if (!workflow) {
    const newest = registry.get(action);
    if (newest) {
      throw new WorkflowVersionMismatchError(
        accepted.requestKey,
        action,
        workflowVersion,
        newest.version,
      );
    }
    throw new UnknownWorkflowError(action);
  }
  const [snapshot] = initialTransition(workflow.machine, accepted.data.input);
  const state: RequestState = {
    requestKey: accepted.requestKey,
    tenantId: accepted.tenantId,
    userId: accepted.userId,
    action,
    requestId: accepted.data.clientRequestId,
    ...(accepted.data.connectionId ? { connectionId: accepted.data.connectionId } : {}),
    input: accepted.data.input,
    maxAttempts: accepted.data.maxAttempts,
    workflow,
    snapshot,
    version: accepted.seq,
    steps: new Map(),
    progress: 0,
    deadLettered: false,
    epoch: 0,
  };
  syncSteps(state);
  return state;
}

/** Folds one event into `state` (in place). Events must come in `seq` order. */
export function applyEvent(state: RequestState, event: StoredEvent): void {
  state.version = event.seq;
  switch (event.type) {
    case 'step.started': {
      const data = event.data as LifecycleEventData['step.started'];
      const invocation = state.steps.get(data.stepId);
      if (!invocation) break;
      invocation.attempt = data.attempt;
      invocation.status = 'running';
      invocation.startedSeq = event.seq;
      invocation.leaseUntil = data.leaseUntil;
      invocation.retryAt = undefined;
      break;
    }
    case 'step.progress': {
      const data = event.data as LifecycleEventData['step.progress'];
      state.progress = Math.max(state.progress, data.percentage);
      break;
    }
    case 'step.checkpointed': {
      const data = event.data as LifecycleEventData['step.checkpointed'];
      const invocation = state.steps.get(data.stepId);
      if (!invocation) break;
      invocation.hasCheckpoint = true;
      invocation.checkpoint = data.checkpoint;
      break;
    }
    case 'step.completed': {
      feedMachineEvent(state, event);
      break;
    }
    case 'step.failed': {
      const data = event.data as LifecycleEventData['step.failed'];
      const invocation = state.steps.get(data.stepId);
      if (invocation) invocation.errors.push(data.error);
      if (data.retryAt !== undefined && invocation) {
        invocation.status = 'retry_wait';
        invocation.retryAt = data.retryAt;
        invocation.leaseUntil = undefined;
        break;
      }
      state.lastStepError = {
        stepId: data.stepId,
        error: data.error,
        errors: [...(invocation?.errors ?? [data.error])],
        attempt: data.attempt,
      };
      state.restorePoint = { snapshot: state.snapshot, steps: cloneSteps(state.steps) };
      feedMachineEvent(state, event);
      break;
    }
    case 'request.suspended': {
      const data = event.data as LifecycleEventData['request.suspended'];
      for (const invocation of state.steps.values()) {
        if (
          invocation.status === 'running' &&
          (data.stepId === undefined || data.stepId === invocation.stepId)
        ) {
          invocation.status = 'suspended';
          invocation.leaseUntil = undefined;
        }
      }
      break;
    }
    case 'request.signalled': {
      feedMachineEvent(state, event);
      break;
    }
    case 'request.completed':
    case 'request.cancelled':
      state.terminal = { type: event.type, seq: event.seq };
      break;
    case 'request.failed': {
      const data = event.data as LifecycleEventData['request.failed'];
      state.terminal = { type: 'request.failed', seq: event.seq };
      state.failure = {
        error: data.error,
        attempts: data.attempts,
        exhausted: data.exhausted === true,
        errors:
          state.lastStepError?.stepId === data.stepId
            ? (state.lastStepError?.errors ?? [data.error])
            : [data.error],
        ...(data.stepId ? { stepId: data.stepId } : {}),
        seq: event.seq,
        ...(data.unrunnable ? { unrunnable: true } : {}),
      };
      break;
    }
    case 'request.dead_lettered':
      state.deadLettered = true;
      break;
    case 'request.redriven': {
      state.epoch += 1;
      state.terminal = undefined;
      state.failure = undefined;
      state.deadLettered = false;
      state.lastStepError = undefined;
      if (state.restorePoint) {
        state.snapshot = state.restorePoint.snapshot;
        state.steps = cloneSteps(state.restorePoint.steps);
        for (const invocation of state.steps.values()) {
          invocation.attempt = 0;
          invocation.status = 'pending';
          invocation.errors = [];
          invocation.leaseUntil = undefined;
          invocation.retryAt = undefined;
        }
        state.restorePoint = undefined;
      }
      break;
    }
    default:
      // Unknown types are bookkeeping of newer code (forward compatible): skip.
      break;
  }
}

/** A deep enough copy of `state` to fold speculative events into. */
export function cloneState(state: RequestState): RequestState {
  return { ...state, steps: cloneSteps(state.steps) };
}

function cloneSteps(steps: Map<string, StepInvocation>): Map<string, StepInvocation> {
  const copy = new Map<string, StepInvocation>();
  for (const [id, invocation] of steps)
    copy.set(id, { ...invocation, errors: [...invocation.errors] });
  return copy;
}

function feed(state: RequestState, event: { type: string; [key: string]: unknown }): void {
  const machine: AnyStateMachine = state.workflow.machine;
  [state.snapshot] = transition(machine, state.snapshot, event);
  syncSteps(state);
}

/** Brings `state.steps` in line with the snapshot's children (new spawns start fresh). */
function syncSteps(state: RequestState): void {
  const children = state.snapshot.children as Record<string, AnyActorRef | undefined>;
  const next = new Map<string, StepInvocation>();
  for (const [id, actorRef] of Object.entries(children)) {
    // XState leaves the child undefined when `src` names no actor of the machine.
    if (!actorRef) throw new UnregisteredActorError(state.action, id);
    const existing = state.steps.get(id);
    if (existing && existing.actorRef === actorRef) {
      next.set(id, existing);
      continue;
    }
    if (!stepFunctionOf((actorRef as unknown as { logic: unknown }).logic)) {
      throw new NotAStepError(state.action, id);
    }
    next.set(id, {
      stepId: id,
      actorRef,
      stepInput: (actorRef.getSnapshot() as { input?: unknown }).input,
      attempt: 0,
      status: 'pending',
      hasCheckpoint: false,
      errors: [],
    });
  }
  state.steps = next;
}

/** An event as XState's `transition` takes it. */
type MachineEvent = { type: string; [key: string]: unknown };

/**
 * The XState event a stored event feeds the machine, if any: a step's
 * outcome as XState's done/error actor event (a failure only once its
 * retries are over), or an external signal.
 */
function machineEventOf(event: StoredEvent): MachineEvent | undefined {
  if (event.type === 'step.completed') {
    const data = event.data as LifecycleEventData['step.completed'];
    return { type: `xstate.done.actor.${data.stepId}`, output: data.output, actorId: data.stepId };
  }
  if (event.type === 'step.failed') {
    const data = event.data as LifecycleEventData['step.failed'];
    if (data.retryAt !== undefined) return undefined;
    return { type: `xstate.error.actor.${data.stepId}`, error: data.error, actorId: data.stepId };
  }
  if (event.type === 'request.signalled') {
    return (event.data as LifecycleEventData['request.signalled']).event;
  }
  return undefined;
}

function feedMachineEvent(state: RequestState, event: StoredEvent): void {
  const machineEvent = machineEventOf(event);
  if (machineEvent) feed(state, machineEvent);
}

/** The XState events a log feeds the machine, in order (for comparisons with bare XState). */
export function machineEventsOf(events: readonly StoredEvent[]): MachineEvent[] {
  return events.flatMap((event) => machineEventOf(event) ?? []);
}
