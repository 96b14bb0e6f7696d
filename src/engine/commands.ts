import { VersionConflictError } from '../events/errors';
import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData } from '../events/lifecycle';
import { toRequestKey } from '../events/requestKey';
import { waitingChildren } from './decide';
import {
  EventNotAcceptedError,
  EventValidationError,
  InputValidationError,
  NotDeadLetteredError,
  RequestFinishedError,
  RequestNotFoundError,
} from './errors';
import type { WorkflowRegistry } from './registry';
import { validateInput } from './registry';
import { type RequestState, replay } from './replay';
import { validateWithSchema } from './standardSchema';
import { rawStanding } from './unrunnable';
import type { Workflow } from './workflow';

/** What {@link acceptRequest} needs. */
export interface AcceptRequestCommand {
  readonly workflow: Workflow;
  readonly tenantId: string;
  readonly userId: string;
  /** The id the client chose; the log key is `toRequestKey(tenantId, requestId)`. */
  readonly requestId: string;
  readonly connectionId?: string;
  /** The raw input; validated here against the workflow's schema and stored validated. */
  readonly input: unknown;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Set when a parent workflow's child-workflow step starts this request. @internal */
  readonly parent?: LifecycleEventData['request.accepted']['parent'];
  /** The injected clock's reading. */
  readonly now: number;
}

/** The outcome of {@link acceptRequest}. */
export type AcceptResult =
  | { readonly created: true; readonly requestKey: string; readonly seq: 1 }
  | {
      readonly created: false;
      readonly requestKey: string;
      /** The request that already holds this id (possibly another action). */
      readonly existing: StoredEvent<'request.accepted', LifecycleEventData['request.accepted']>;
    };

/**
 * Starts a durable request: appends `request.accepted` at version 0 under the
 * tenant-scoped key. A repeated client id finds the existing request instead
 * of starting a second one. Throws `InputValidationError` for bad input.
 *
 * @example
 * const result = await acceptRequest(store, {
 *   workflow, tenantId: 'acme', userId: 'u1', requestId: 'r1', input: payload, now: clock(),
 * });
 * if (!result.created) reply(`already accepted as ${result.existing.data.action}`);
 */
export async function acceptRequest(
  store: EventStore,
  command: AcceptRequestCommand,
): Promise<AcceptResult> {
  const validated = await validateInput(command.workflow, command.input);
  if (!validated.ok) throw new InputValidationError(command.workflow.action, validated.issues);
  const requestKey = toRequestKey(command.tenantId, command.requestId);
  const data: LifecycleEventData['request.accepted'] = {
    action: command.workflow.action,
    workflowVersion: command.workflow.version,
    input: validated.value,
    clientRequestId: command.requestId,
    ...(command.connectionId ? { connectionId: command.connectionId } : {}),
    ...(command.metadata ? { metadata: command.metadata } : {}),
    ...(command.parent ? { parent: command.parent } : {}),
    maxAttempts: command.workflow.retry.maxAttempts,
  };
  try {
    await store.append(requestKey, 0, [
      {
        type: 'request.accepted',
        at: command.now,
        tenantId: command.tenantId,
        userId: command.userId,
        data,
      },
    ]);
    return { created: true, requestKey, seq: 1 };
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    const [first] = await store.read(requestKey);
    if (!first) throw error;
    return {
      created: false,
      requestKey,
      existing: first as StoredEvent<'request.accepted', LifecycleEventData['request.accepted']>,
    };
  }
}

/** Who asks, and when; the envelope of the event a command appends. */
export interface CommandContext {
  readonly tenantId: string;
  readonly userId: string;
  readonly now: number;
}

/** The result of a command that appended one event. */
export interface AppendedResult {
  readonly requestKey: string;
  readonly seq: number;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Reads, folds, decides and appends at the version read; on a conflict (a
 * runner appended meanwhile) it decides again on the fresh log. `decide` may
 * return undefined: nothing is appended, and nothing is returned.
 * `attempted` names the command for the error of an ended, unrunnable log.
 * @internal
 */
export async function appendIfDecided(
  store: EventStore,
  registry: WorkflowRegistry,
  requestKey: string,
  tenantId: string,
  decide: (state: RequestState) => NewEvent | undefined | Promise<NewEvent | undefined>,
  attempted?: string,
): Promise<AppendedResult | undefined> {
  for (let attempt = 0; ; attempt++) {
    const events = await store.read(requestKey);
    if (events.length === 0 || events[0]?.tenantId !== tenantId) {
      throw new RequestNotFoundError(requestKey);
    }
    const state = foldOrExplain(registry, requestKey, events, attempted);
    const event = await decide(state);
    if (!event) return undefined;
    try {
      const seq = await store.append(requestKey, state.version, [event]);
      return { requestKey, seq };
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
    }
  }
}

/** {@link appendIfDecided} for commands that always append (or throw). */
async function appendDecided(
  store: EventStore,
  registry: WorkflowRegistry,
  requestKey: string,
  context: CommandContext,
  decide: (state: RequestState) => NewEvent | Promise<NewEvent>,
  attempted?: string,
): Promise<AppendedResult> {
  const result = await appendIfDecided(
    store,
    registry,
    requestKey,
    context.tenantId,
    decide,
    attempted,
  );
  return result as AppendedResult;
}

/**
 * Folds the log. A log the registered workflows cannot run (replay throws)
 * whose request already ended — the runner fails an unrunnable request from
 * its raw log — is refused like any ended request when `attempted` names the
 * command; without it (redrive) the fold error itself says what to fix.
 */
function foldOrExplain(
  registry: WorkflowRegistry,
  requestKey: string,
  events: readonly StoredEvent[],
  attempted: string | undefined,
): RequestState {
  try {
    return replay(registry, events);
  } catch (error) {
    const { terminal } = rawStanding(events);
    if (!terminal || attempted === undefined) throw error;
    throw new RequestFinishedError(requestKey, terminal.type, attempted);
  }
}

/**
 * Cancels a request that has not ended: appends `request.cancelled`, then
 * cancels the child requests it waits for. A running step sees its signal
 * abort when its runner next writes. Throws
 * `RequestFinishedError` when it already ended, `RequestNotFoundError` when
 * it does not exist in this tenant.
 *
 * @example
 * await cancelRequest(store, registry, toRequestKey(tenantId, id), { tenantId, userId, now: clock() });
 */
export async function cancelRequest(
  store: EventStore,
  registry: WorkflowRegistry,
  requestKey: string,
  context: CommandContext & { readonly reason?: string },
): Promise<AppendedResult> {
  let cancelled: RequestState | undefined;
  const cancel = (state: RequestState): NewEvent => {
    if (state.terminal) throw new RequestFinishedError(requestKey, state.terminal.type, 'cancel');
    cancelled = state;
    return {
      type: 'request.cancelled',
      at: context.now,
      tenantId: context.tenantId,
      userId: context.userId,
      data: context.reason ? { reason: context.reason } : {},
    };
  };
  const result = await appendDecided(store, registry, requestKey, context, cancel, 'cancel');
  // The runner cancels them too when woken by the cancellation (after a crash here).
  if (cancelled) {
    await cancelChildren(store, registry, cancelled, waitingChildren(cancelled), context);
  }
  return result;
}

/** An external event for a waiting workflow, e.g. `{ type: 'approve', by: 'ann' }`. */
export interface ExternalEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * Delivers an external event to a workflow that accepts it in its current
 * state (`request.signalled`); the runner continues from there. An event the
 * machine would not take now is rejected with `EventNotAcceptedError` and not
 * stored; XState's own `xstate.*` events can never be sent. When the workflow
 * declares `signals`, the event must match its type's schema
 * (`EventValidationError` otherwise, nothing stored) and the schema's output
 * is what is stored.
 *
 * @example
 * await signalRequest(store, registry, key, { type: 'approve' }, { tenantId, userId, now: clock() });
 */
export function signalRequest(
  store: EventStore,
  registry: WorkflowRegistry,
  requestKey: string,
  event: ExternalEvent,
  context: CommandContext,
): Promise<AppendedResult> {
  const attempted = `signal "${String(event.type)}" to`;
  return appendDecided(
    store,
    registry,
    requestKey,
    context,
    async (state) => {
      if (state.terminal)
        throw new RequestFinishedError(requestKey, state.terminal.type, attempted);
      const notAccepted = () =>
        new EventNotAcceptedError(requestKey, String(event.type), state.snapshot.value);
      if (typeof event.type !== 'string' || event.type.startsWith('xstate.')) throw notAccepted();
      const checked = await validatedSignal(state.workflow, requestKey, event);
      if (state.snapshot.status !== 'active' || !state.snapshot.can(checked)) throw notAccepted();
      return {
        type: 'request.signalled',
        at: context.now,
        tenantId: context.tenantId,
        userId: context.userId,
        data: { event: checked },
      };
    },
    attempted,
  );
}

/** The event to store: checked against the workflow's `signals` schema for its type, when it has any. */
async function validatedSignal(
  workflow: Workflow,
  requestKey: string,
  event: ExternalEvent,
): Promise<ExternalEvent> {
  const schemas = workflow.signals;
  if (!schemas) return structuredClone(event);
  const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
  if (!schema) {
    const known = Object.keys(schemas).join(', ');
    throw new EventValidationError(requestKey, event.type, [
      { path: 'type', message: `${workflow.action} accepts only these events: ${known}` },
    ]);
  }
  const result = await validateWithSchema(schema, event);
  if (!result.ok) throw new EventValidationError(requestKey, event.type, result.issues);
  if (typeof result.value !== 'object' || result.value === null || Array.isArray(result.value)) {
    throw new EventValidationError(requestKey, event.type, [
      { path: '', message: 'the signal schema must produce an object' },
    ]);
  }
  return { ...structuredClone(result.value), type: event.type };
}

/**
 * Restarts a dead-lettered request (`request.redriven`): the step that used
 * up its attempts gets a fresh set, from its last checkpoint; completed steps
 * stay done. The caller then wakes the runner (the append does, via the stream).
 *
 * @example
 * await redriveRequest(store, registry, message.requestKey, { tenantId, userId: 'ops', now: clock(), by: 'ops' });
 */
export function redriveRequest(
  store: EventStore,
  registry: WorkflowRegistry,
  requestKey: string,
  context: CommandContext & { readonly by?: string; readonly reason?: string },
): Promise<AppendedResult> {
  return appendDecided(store, registry, requestKey, context, (state) => {
    // An unrunnable request has no step error to restore: it starts again from where its log is.
    if (!state.deadLettered || (!state.restorePoint && !state.failure?.unrunnable)) {
      throw new NotDeadLetteredError(requestKey);
    }
    return {
      type: 'request.redriven',
      at: context.now,
      tenantId: context.tenantId,
      userId: context.userId,
      data: {
        ...(context.by ? { by: context.by } : {}),
        ...(context.reason ? { reason: context.reason } : {}),
      },
    };
  });
}

/**
 * Cancels the given children of a cancelled parent (those that already
 * ended, or never started, are skipped).
 * @internal
 */
export async function cancelChildren(
  store: EventStore,
  registry: WorkflowRegistry,
  parent: Pick<RequestState, 'tenantId' | 'requestId'>,
  childRequestIds: readonly string[],
  context: { readonly userId: string; readonly now: number },
): Promise<void> {
  const reason = `parent request ${parent.requestId} was cancelled`;
  for (const childRequestId of childRequestIds) {
    const key = toRequestKey(parent.tenantId, childRequestId);
    try {
      await cancelRequest(store, registry, key, { ...context, tenantId: parent.tenantId, reason });
    } catch (error) {
      if (!(error instanceof RequestFinishedError || error instanceof RequestNotFoundError)) {
        throw error;
      }
    }
  }
}
