import { isSync } from '../engine';
import { LOG_ACTION_COST } from '../flowControl/messageAdmission';
import type { RateVerdict } from '../flowControl/rateLimiter';
import { type ClientMessage, errorFrame, isEngineAction } from '../protocol';
import type { RouteInput, RouteOutcome, RouterDeps } from './routeTypes';

/**
 * The `RATE_LIMITED` answer to a message over one of its limits, or
 * undefined when it may pass (or no limits are configured). Counted before
 * anything else is done for the message: a refused message costs one
 * lookup in memory, no I/O.
 */
export async function refusedForRate(
  deps: RouterDeps,
  input: RouteInput,
  message: Pick<ClientMessage, 'action' | 'id'> | undefined,
): Promise<RouteOutcome | undefined> {
  if (!deps.admission) return undefined;
  const { tenantId } = input.identity;
  const who = { tenantId, connectionId: input.connectionId };
  const verdict = await deps.admission.message(who, kindOf(deps, message));
  return verdict.kind === 'limited' ? rateLimitedOutcome(deps, verdict, message) : undefined;
}

/** The same for an async workflow start, which has a per-tenant limit of its own. */
export async function refusedStart(
  deps: RouterDeps,
  input: RouteInput,
  message: Pick<ClientMessage, 'action' | 'id'>,
): Promise<RouteOutcome | undefined> {
  if (!deps.admission) return undefined;
  const verdict = await deps.admission.start({ tenantId: input.identity.tenantId });
  return verdict.kind === 'limited' ? rateLimitedOutcome(deps, verdict, message) : undefined;
}

/** A log action reads or writes a request's log: every engine action but `ping`, and async starts. */
function kindOf(
  deps: RouterDeps,
  message: Pick<ClientMessage, 'action'> | undefined,
): 'light' | 'log' {
  if (!message || message.action === 'ping') return 'light';
  if (isEngineAction(message.action)) return 'log';
  const workflow = deps.registry.get(message.action);
  return workflow && !isSync(workflow) ? 'log' : 'light';
}

const WHAT: Readonly<Record<Extract<RateVerdict, { kind: 'limited' }>['scope'], string>> = {
  tenant: 'messages of this tenant',
  connection: 'messages on this connection',
  starts: 'workflow starts of this tenant',
};

function rateLimitedOutcome(
  deps: RouterDeps,
  verdict: Extract<RateVerdict, { kind: 'limited' }>,
  message: Pick<ClientMessage, 'action' | 'id'> | undefined,
): RouteOutcome {
  const perSecond = Math.round((verdict.limit * 1000) / verdict.windowMs);
  const weighed =
    verdict.scope === 'tenant' ? ` (an action on a request's log counts ${LOG_ACTION_COST})` : '';
  const frame = errorFrame(
    {
      code: 'RATE_LIMITED',
      message: `Too many ${WHAT[verdict.scope]}: at most ${perSecond} per second${weighed}. Retry after ${verdict.retryAfterMs} ms.`,
      details: {
        retry_after_ms: verdict.retryAfterMs,
        scope: verdict.scope,
        limit: verdict.limit,
        window_ms: verdict.windowMs,
      },
    },
    deps.clock(),
    message?.id === undefined ? {} : { requestId: message.id },
  );
  return {
    frame,
    ...(message && { action: message.action }),
    ...(message?.id !== undefined && { requestId: message.id }),
    status: 'error',
    errorCode: 'RATE_LIMITED',
    internal: false,
  };
}
