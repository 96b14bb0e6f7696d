import { toRequestKey } from '../events/requestKey';
import { decodeListCursor, encodeListCursor } from '../inspect/listCursor';
import { runHistory } from '../inspect/runHistory';
import { describeWorkflow } from '../inspect/workflowDescription';
import type { RequestView } from '../projections/requestView';
import {
  type ListData,
  ProtocolError,
  parseDescribePayload,
  parseHistoryPayload,
  parseListPayload,
  type RunSummary,
} from '../protocol';
import type { ActionCall } from './engineActions';
import { aboutRequest, notFound } from './errorMapping';
import type { RouteOutcome } from './routeTypes';
import { statusData } from './statusData';

/**
 * `list`: a page of the caller's tenant's runs from the request view's
 * indexes, newest first. The tenant is the token's; the cursor carries only
 * a position, re-anchored in that tenant's partition.
 */
export async function list(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps, tenantId } = call;
  const query = parseListPayload(message.payload, message.id);
  if (!deps.views) {
    throw new Error('list needs the request view: give the router RouterDeps.views');
  }
  const startAfter = query.cursor ? decodeListCursor(query.cursor, query, message.id) : undefined;
  const page = await deps.views.listByTenant({
    tenantId,
    ...(query.status && { status: query.status }),
    ...(query.action && { action: query.action }),
    ...(query.since !== undefined && { since: query.since }),
    ...(query.until !== undefined && { until: query.until }),
    limit: query.limit,
    ...(startAfter && { startAfter }),
  });
  const data: ListData = {
    // The store reads one tenant's partition; checking again costs nothing (invariant 9).
    runs: page.views.filter((view) => view.tenantId === tenantId).map(runSummary),
    ...(page.last && { cursor: encodeListCursor(page.last, query) }),
  };
  return call.ok(data);
}

/** `describe`: a registered workflow's versions, signals and machine graph. */
export async function describe(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps } = call;
  const { action, version } = parseDescribePayload(message.payload, message.id);
  const data = describeWorkflow(deps.registry, action, version);
  if (!data) {
    const which = version === undefined ? action : `${action} v${version}`;
    throw new ProtocolError('NOT_FOUND', `Workflow ${which} is not registered`, undefined, {
      requestId: message.id,
    });
  }
  return call.ok(data);
}

/** `history`: a page of a run's log, replayed, with where it stands now. */
export async function history(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps, tenantId } = call;
  const { requestId, afterSeq, limit } = parseHistoryPayload(message.payload, message.id);
  return aboutRequest(requestId, async () => {
    const log = await deps.store.read(toRequestKey(tenantId, requestId));
    const first = log[0];
    if (!first || first.tenantId !== tenantId || first.type !== 'request.accepted') {
      throw notFound(requestId, message.id);
    }
    return call.ok(runHistory(deps.registry, log, { afterSeq, limit }));
  });
}

/** A view as a `list` row: the `status` answer without the result (and retry time), with who started it. */
export function runSummary(view: RequestView): RunSummary {
  const { result: _result, retry_after: _retryAfter, ...summary } = statusData(view);
  return { ...summary, user_id: view.userId };
}
