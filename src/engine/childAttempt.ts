import type { EventStore } from '../events/eventStore';
import { toRequestKey } from '../events/requestKey';
import { childEnd, notifyParent, startChildRequest } from './childRelations';
import { childRequestIdOf } from './childWorkflow';
import { EngineError } from './errors';
import type { WorkflowRegistry } from './registry';
import type { StepInvocation } from './replay';
import type { Lease, RunLog } from './runLog';
import type { AttemptResult, RunningAttempt } from './stepAttempt';

/** What starting a child request needs. @internal */
export interface ChildAttemptDeps {
  readonly log: RunLog;
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly clock: () => number;
}

/**
 * The "attempt" of a child-workflow step: start (or find) the child request;
 * if it already ended (started before a crash), its end is the step's
 * outcome; otherwise record `child.started` under the step's lease, then
 * check again (a fast child may end before `child.started` is stored, and
 * then nobody else would tell the parent). A child that cannot be started
 * (unknown action, invalid input) fails the step for good.
 * @internal
 */
export function startChildAttempt(
  deps: ChildAttemptDeps,
  invocation: StepInvocation & { readonly child: { readonly action: string } },
  attempt: number,
  lease: Lease,
): RunningAttempt {
  const done = runChildAttempt(deps, invocation, lease);
  // Starting a child is a few writes: there is nothing to abort in between.
  return { lease, attempt, done, stop: () => undefined };
}

async function runChildAttempt(
  deps: ChildAttemptDeps,
  invocation: StepInvocation & { readonly child: { readonly action: string } },
  lease: Lease,
): Promise<AttemptResult> {
  const parent = deps.log.state;
  const childRequestId = childRequestIdOf({ ...parent, ...invocation, epoch: parent.epoch });
  try {
    await startChildRequest(
      deps.store,
      deps.registry,
      parent,
      invocation,
      childRequestId,
      deps.clock(),
    );
  } catch (error) {
    if (error instanceof EngineError && !error.retryable)
      return { kind: 'failed', error, final: true };
    return { kind: 'failed', error };
  }
  const childKey = toRequestKey(parent.tenantId, childRequestId);
  const endedAlready = childEnd(await deps.store.read(childKey));
  if (endedAlready?.kind === 'completed') return { kind: 'completed', output: endedAlready.output };
  if (endedAlready) return { kind: 'failed', error: endedAlready.error, final: true };
  const started = deps.log.event('child.started', { stepId: invocation.stepId, childRequestId });
  const written = await deps.log.writeWhileRunning([started], lease);
  if (written.kind === 'lost')
    return { kind: written.reason === 'cancelled' ? 'cancelled' : 'lost' };
  if (written.kind === 'contended') return { kind: 'lost' };
  const child = {
    requestKey: toRequestKey(parent.tenantId, childRequestId),
    requestId: childRequestId,
  };
  const ref = {
    requestKey: parent.requestKey,
    requestId: parent.requestId,
    stepId: invocation.stepId,
  };
  await notifyParent(deps.store, deps.registry, { ...child, parent: ref }, deps.clock);
  return { kind: 'handed_off' };
}
