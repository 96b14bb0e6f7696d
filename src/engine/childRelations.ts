import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import { asLifecycleEvent, type RecordedError } from '../events/lifecycle';
import { acceptRequest, appendIfDecided } from './commands';
import type { WorkflowRegistry } from './registry';
import type { RequestState, StepInvocation } from './replay';

/**
 * How parent and child requests meet. A child-workflow step starts its child
 * with `request.accepted` (carrying `parent`), records `child.started` in
 * the parent and stops holding a lease. The child's runner, when the child
 * ends, records the end in the parent as the waiting step's `step.completed`
 * or `step.failed` — only while that step still waits for that very child, so
 * doing it twice (after a crash, or from both sides of a race) changes nothing.
 */

/** The parent's identity as a child request records it. */
type ParentRef = NonNullable<RequestState['parent']>;

/**
 * Starts (or finds, when started before) the child request of a parent's
 * step. Throws what `acceptRequest` throws (an unknown action, invalid input).
 * @internal
 */
export async function startChildRequest(
  store: EventStore,
  registry: WorkflowRegistry,
  parent: RequestState,
  invocation: StepInvocation & { readonly child: { readonly action: string } },
  childRequestId: string,
  now: number,
): Promise<void> {
  await acceptRequest(store, {
    workflow: registry.require(invocation.child.action),
    tenantId: parent.tenantId,
    userId: parent.userId,
    requestId: childRequestId,
    input: invocation.stepInput,
    parent: {
      requestKey: parent.requestKey,
      requestId: parent.requestId,
      stepId: invocation.stepId,
    },
    now,
  });
}

/**
 * Records a child's end in its parent, if the child has ended and the
 * parent's step still waits for it. Safe to call any number of times.
 * @internal
 */
export async function notifyParent(
  store: EventStore,
  registry: WorkflowRegistry,
  child: { readonly requestKey: string; readonly requestId: string; readonly parent: ParentRef },
  clock: () => number,
): Promise<void> {
  const childLog = await store.read(child.requestKey);
  const end = childEnd(childLog);
  if (!end) return;
  const { parent } = child;
  const tenantId = (childLog[0] as StoredEvent).tenantId;
  await appendIfDecided(store, registry, parent.requestKey, tenantId, (state) => {
    const waiting = state.steps.get(parent.stepId);
    if (state.terminal || waiting?.status !== 'waiting_child') return undefined;
    if (waiting.childRequestId !== child.requestId) return undefined;
    return parentStepEvent(state, waiting, end, clock());
  });
}

/** The child's end as the parent's step outcome. */
function parentStepEvent(
  parent: RequestState,
  waiting: StepInvocation,
  end: ChildEnd,
  at: number,
): NewEvent {
  const envelope = { at, tenantId: parent.tenantId, userId: parent.userId };
  if (end.kind === 'completed') {
    return {
      ...envelope,
      type: 'step.completed',
      data: { stepId: waiting.stepId, output: end.output },
    };
  }
  const data = { stepId: waiting.stepId, attempt: Math.max(1, waiting.attempt), error: end.error };
  return { ...envelope, type: 'step.failed', data };
}

/** How a child ended, from its log: its last terminal event (undefined while it runs). @internal */
export function childEnd(childLog: readonly StoredEvent[]): ChildEnd | undefined {
  for (let i = childLog.length - 1; i >= 0; i--) {
    const end = endOf(childLog[i] as StoredEvent);
    if (end) return end;
  }
  return undefined;
}

/** How a child ended. @internal */
export type ChildEnd =
  | { readonly kind: 'completed'; readonly output: unknown }
  | { readonly kind: 'failed'; readonly error: RecordedError };

/**
 * How a child's terminal event ends the parent's step. A cancelled child
 * fails it with a non-retryable `ChildCancelledError`; a failed one with the
 * child's own error (an exhausted child's retryable error dead-letters the
 * parent too, and redriving the parent starts a fresh child).
 */
function endOf(stored: StoredEvent): ChildEnd | undefined {
  const event = asLifecycleEvent(stored);
  switch (event?.type) {
    case 'request.completed':
      return { kind: 'completed', output: event.data.output };
    case 'request.failed':
      return { kind: 'failed', error: event.data.error };
    case 'request.cancelled': {
      const message = `Child request was cancelled${event.data.reason ? `: ${event.data.reason}` : ''}`;
      return { kind: 'failed', error: { name: 'ChildCancelledError', message, retryable: false } };
    }
    default:
      return undefined;
  }
}
