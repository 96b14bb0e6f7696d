import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  initialTransition,
  transition,
} from 'xstate';
import type { StoredEvent } from '../events/event';
import {
  asLifecycleEvent,
  type LifecycleEventData,
  type LifecycleEventOf,
  type RecordedError,
} from '../events/lifecycle';
import { type ChildWorkflowSpec, childSpecOf } from './childWorkflow';
import { applyTimerActions, type PendingTimer } from './durableTimers';
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
  /** Set for a child-workflow step (`childWorkflow`): the action it starts. */
  readonly child?: ChildWorkflowSpec;
  /** `seq` of the event whose transition invoked it (tells a re-entered state's invocation apart). */
  readonly spawnedSeq: number;
  /** For a child-workflow step once started: the child's request id. */
  childRequestId?: string;
  /** The last attempt started, 0 before the first. */
  attempt: number;
  /**
   * `pending`: never started; `running`: a runner holds the lease;
   * `retry_wait`: failed, next attempt at `retryAt`; `suspended`: handed over
   * by a runner that ran out of time; `waiting_child`: a child-workflow step
   * whose child runs (no lease is held).
   */
  status: 'pending' | 'running' | 'retry_wait' | 'suspended' | 'waiting_child';
  /** `seq` of the `step.started` of the current lease. */
  startedSeq?: number;
  leaseUntil?: number;
  retryAt?: number;
  /** Set by `step.deferred`: the step's dependency circuit holds its next attempt back until then. */
  deferredUntil?: number;
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
  /** When `request.accepted` was recorded: a request's place in a concurrency line. */
  readonly acceptedAt: number;
  /** Set by `request.queued` until the next `step.started`: the request waits for a concurrency slot. */
  queued?: { readonly position: number; readonly limit: number };
  /** Set for a child request: the parent and the step that waits for it. */
  readonly parent?: LifecycleEventData['request.accepted']['parent'];
  /** The XState snapshot, folded with the pure `transition`. */
  snapshot: AnyMachineSnapshot;
  /** `seq` of the last event folded (the version to append after). */
  version: number;
  /** Live step invocations by step id, in the machine's order. */
  steps: Map<string, StepInvocation>;
  /** Durable timers pending, by XState send id (see `durableTimers.ts`). */
  timers: Map<string, PendingTimer>;
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
    readonly timers: Map<string, PendingTimer>;
  };
  /** The last step error fed to the machine (for `request.failed`). @internal */
  lastStepError?: {
    readonly stepId: string;
    readonly error: RecordedError;
    readonly errors: readonly RecordedError[];
    readonly attempt: number;
  };
}

type Accepted = LifecycleEventOf<'request.accepted'>;

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
  const [head, ...rest] = events;
  const first = head && asLifecycleEvent(head);
  if (first?.type !== 'request.accepted') {
    throw new RequestNotFoundError(head?.requestKey ?? '(empty log)');
  }
  const state = initialState(registry, first);
  for (const event of rest) applyEvent(state, event);
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
  const [snapshot, actions] = initialTransition(workflow.machine, accepted.data.input);
  const state: RequestState = {
    requestKey: accepted.requestKey,
    tenantId: accepted.tenantId,
    userId: accepted.userId,
    action,
    requestId: accepted.data.clientRequestId,
    ...(accepted.data.connectionId ? { connectionId: accepted.data.connectionId } : {}),
    ...(accepted.data.parent ? { parent: accepted.data.parent } : {}),
    input: accepted.data.input,
    maxAttempts: accepted.data.maxAttempts,
    workflow,
    acceptedAt: accepted.at,
    snapshot,
    version: accepted.seq,
    steps: new Map(),
    timers: new Map(),
    progress: 0,
    deadLettered: false,
    epoch: 0,
  };
  applyTimerActions(state.timers, actions, accepted);
  syncSteps(state);
  return state;
}

/** Folds one event into `state` (in place). Events must come in `seq` order. */
export function applyEvent(state: RequestState, stored: StoredEvent): void {
  state.version = stored.seq;
  const event = asLifecycleEvent(stored);
  // Unknown types are bookkeeping of newer code (forward compatible): skip.
  if (!event) return;
  switch (event.type) {
    case 'step.started':
      onStepStarted(state, event.data, event.seq);
      break;
    case 'step.progress':
      state.progress = Math.max(state.progress, event.data.percentage);
      break;
    case 'step.checkpointed':
      onCheckpointed(state, event.data);
      break;
    case 'step.failed':
      onStepFailed(state, event);
      break;
    case 'step.completed':
    case 'request.signalled':
      feedMachineEvent(state, event);
      break;
    case 'timer.fired':
      onTimerFired(state, event);
      break;
    case 'child.started':
      onChildStarted(state, event.data);
      break;
    case 'request.suspended':
      onSuspended(state, event.data);
      break;
    case 'step.deferred':
      onDeferred(state, event.data);
      break;
    case 'request.queued':
      state.queued = { position: event.data.position, limit: event.data.limit };
      break;
    case 'request.completed':
    case 'request.cancelled':
      state.terminal = { type: event.type, seq: event.seq };
      break;
    case 'request.failed':
      onRequestFailed(state, event.data, event.seq);
      break;
    case 'request.dead_lettered':
      state.deadLettered = true;
      break;
    case 'request.redriven':
      onRedriven(state);
      break;
    case 'request.accepted':
      break;
  }
}

type Data<T extends keyof LifecycleEventData> = LifecycleEventData[T];

function onStepStarted(state: RequestState, data: Data<'step.started'>, seq: number): void {
  state.queued = undefined;
  const invocation = state.steps.get(data.stepId);
  if (!invocation) return;
  invocation.attempt = data.attempt;
  invocation.status = 'running';
  invocation.startedSeq = seq;
  invocation.leaseUntil = data.leaseUntil;
  invocation.retryAt = undefined;
  invocation.deferredUntil = undefined;
}

/** A step held back by its dependency's circuit is not due before `until` (no attempt is used). */
function onDeferred(state: RequestState, data: Data<'step.deferred'>): void {
  const invocation = state.steps.get(data.stepId);
  if (invocation) invocation.deferredUntil = data.until;
}

function onCheckpointed(state: RequestState, data: Data<'step.checkpointed'>): void {
  const invocation = state.steps.get(data.stepId);
  if (!invocation) return;
  invocation.hasCheckpoint = true;
  invocation.checkpoint = data.checkpoint;
}

/**
 * A failed attempt with a `retryAt` waits for its next attempt; one without
 * is final and reaches the machine as its error event (and becomes the point
 * a redrive restores).
 */
function onStepFailed(state: RequestState, event: LifecycleEventOf<'step.failed'>): void {
  const { data } = event;
  const invocation = state.steps.get(data.stepId);
  if (invocation) invocation.errors.push(data.error);
  if (data.retryAt !== undefined && invocation) {
    invocation.status = 'retry_wait';
    invocation.retryAt = data.retryAt;
    invocation.leaseUntil = undefined;
    return;
  }
  state.lastStepError = {
    stepId: data.stepId,
    error: data.error,
    errors: [...(invocation?.errors ?? [data.error])],
    attempt: data.attempt,
  };
  state.restorePoint = {
    snapshot: state.snapshot,
    steps: cloneSteps(state.steps),
    timers: new Map(state.timers),
  };
  feedMachineEvent(state, event);
}

/** A child-workflow step hands its lease over to the child request it started. */
function onChildStarted(state: RequestState, data: Data<'child.started'>): void {
  const invocation = state.steps.get(data.stepId);
  if (!invocation) return;
  invocation.status = 'waiting_child';
  invocation.childRequestId = data.childRequestId;
  invocation.leaseUntil = undefined;
}

/** A timer fires once: only if it is still pending under the `seq` that scheduled it. */
function onTimerFired(state: RequestState, event: LifecycleEventOf<'timer.fired'>): void {
  const timer = state.timers.get(event.data.timerId);
  if (!timer || timer.scheduledSeq !== event.data.scheduledSeq) return;
  state.timers.delete(timer.id);
  feed(state, timer.event, event);
}

/** A suspension hands the named running step (or every running one) to a later run. */
function onSuspended(state: RequestState, data: Data<'request.suspended'>): void {
  for (const invocation of state.steps.values()) {
    if (invocation.status !== 'running') continue;
    if (data.stepId !== undefined && data.stepId !== invocation.stepId) continue;
    invocation.status = 'suspended';
    invocation.leaseUntil = undefined;
  }
}

function onRequestFailed(state: RequestState, data: Data<'request.failed'>, seq: number): void {
  state.terminal = { type: 'request.failed', seq };
  const sameStep = state.lastStepError?.stepId === data.stepId;
  state.failure = {
    error: data.error,
    attempts: data.attempts,
    exhausted: data.exhausted === true,
    errors: sameStep ? (state.lastStepError?.errors ?? [data.error]) : [data.error],
    ...(data.stepId ? { stepId: data.stepId } : {}),
    seq,
    ...(data.unrunnable ? { unrunnable: true } : {}),
  };
}

/** A redrive opens a new epoch from the restore point, every step with fresh attempts. */
function onRedriven(state: RequestState): void {
  state.epoch += 1;
  state.terminal = undefined;
  state.failure = undefined;
  state.deadLettered = false;
  state.lastStepError = undefined;
  if (!state.restorePoint) return;
  state.snapshot = state.restorePoint.snapshot;
  state.steps = cloneSteps(state.restorePoint.steps);
  state.timers = new Map(state.restorePoint.timers);
  for (const invocation of state.steps.values()) {
    invocation.attempt = 0;
    invocation.status = 'pending';
    invocation.errors = [];
    invocation.leaseUntil = undefined;
    invocation.retryAt = undefined;
    invocation.deferredUntil = undefined;
    invocation.childRequestId = undefined;
  }
  state.restorePoint = undefined;
}

/** A deep enough copy of `state` to fold speculative events into. */
export function cloneState(state: RequestState): RequestState {
  return { ...state, steps: cloneSteps(state.steps), timers: new Map(state.timers) };
}

function cloneSteps(steps: Map<string, StepInvocation>): Map<string, StepInvocation> {
  const copy = new Map<string, StepInvocation>();
  for (const [id, invocation] of steps)
    copy.set(id, { ...invocation, errors: [...invocation.errors] });
  return copy;
}

/** Feeds one event to the machine; `cause` is the stored event it comes from (for timers). */
function feed(
  state: RequestState,
  event: MachineEvent,
  cause: { readonly at: number; readonly seq: number },
): void {
  const machine: AnyStateMachine = state.workflow.machine;
  const [snapshot, actions] = transition(machine, state.snapshot, event);
  state.snapshot = snapshot;
  applyTimerActions(state.timers, actions, cause);
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
    const logic = (actorRef as unknown as { logic: unknown }).logic;
    const child = childSpecOf(logic);
    if (!child && !stepFunctionOf(logic)) throw new NotAStepError(state.action, id);
    next.set(id, {
      stepId: id,
      actorRef,
      stepInput: (actorRef.getSnapshot() as { input?: unknown }).input,
      ...(child ? { child } : {}),
      spawnedSeq: state.version,
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
function machineEventOf(stored: StoredEvent): MachineEvent | undefined {
  const event = asLifecycleEvent(stored);
  switch (event?.type) {
    case 'step.completed': {
      const { stepId, output } = event.data;
      return { type: `xstate.done.actor.${stepId}`, output, actorId: stepId };
    }
    case 'step.failed': {
      const { stepId, error, retryAt } = event.data;
      return retryAt === undefined
        ? { type: `xstate.error.actor.${stepId}`, error, actorId: stepId }
        : undefined;
    }
    case 'request.signalled':
      return event.data.event;
    default:
      return undefined;
  }
}

function feedMachineEvent(state: RequestState, event: StoredEvent): void {
  const machineEvent = machineEventOf(event);
  if (machineEvent) feed(state, machineEvent, event);
}

/** The XState events a log feeds the machine, in order (for comparisons with bare XState). */
export function machineEventsOf(events: readonly StoredEvent[]): MachineEvent[] {
  return events.flatMap((event) => machineEventOf(event) ?? []);
}
