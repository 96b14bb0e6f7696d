import { acceptRequest, runInline, type Workflow, withAttributes } from '../engine';
import { failureFrameError } from '../projections/progressFeed';
import {
  acknowledgmentFrame,
  type ClientMessage,
  failedResponseFrame,
  ProtocolError,
  responseFrame,
} from '../protocol';
import { errorOutcome } from './errorMapping';
import { refusedStart } from './rateLimiting';
import type { RouteInput, RouteOutcome, RouterDeps } from './routeTypes';

/**
 * A sync workflow (estimatedDuration ≤ 5 s): run inline and answer with a
 * `response` (its result, or `success: false` with the error it ended with).
 * Nothing is stored.
 */
export async function runSync(
  deps: RouterDeps,
  input: RouteInput,
  message: ClientMessage,
  workflow: Workflow,
): Promise<RouteOutcome> {
  const id = message.id ?? deps.newId();
  const result = await runInline(workflow, message.payload, {
    clock: deps.clock,
    tenantId: input.identity.tenantId,
    userId: input.identity.userId,
    requestId: id,
    ...(deps.logger && {
      logger: withAttributes(deps.logger, { tenant_id: input.identity.tenantId, request_id: id }),
    }),
  });
  const answer = { action: message.action, requestId: id } as const;
  if (result.ok) {
    return { frame: responseFrame(id, result.output, deps.clock()), ...answer, status: 'ok' };
  }
  if (result.reason === 'invalid_input') {
    const details = { issues: result.issues };
    throw new ProtocolError('VALIDATION_ERROR', `Invalid payload for ${message.action}`, details, {
      requestId: id,
    });
  }
  const error = failureFrameError(result.error);
  return {
    frame: failedResponseFrame(id, error, deps.clock()),
    ...answer,
    status: 'error',
    errorCode: error.code,
    internal: false,
  };
}

/**
 * An async workflow: append `request.accepted` (the durable start), then
 * acknowledge. A repeated id of the same tenant starts nothing and is
 * acknowledged as a duplicate. A refusal carries the id the request was given,
 * generated or not.
 */
export async function acceptAsync(
  deps: RouterDeps,
  input: RouteInput,
  message: ClientMessage,
  workflow: Workflow,
): Promise<RouteOutcome> {
  const id = message.id ?? deps.newId();
  const refused = await refusedStart(deps, input, { action: message.action, id });
  if (refused) return refused;
  try {
    const result = await acceptRequest(deps.store, {
      workflow,
      tenantId: input.identity.tenantId,
      userId: input.identity.userId,
      requestId: id,
      connectionId: input.connectionId,
      input: message.payload,
      ...(Object.keys(message.metadata).length > 0 && { metadata: message.metadata }),
      now: deps.clock(),
    });
    return {
      frame: acknowledgmentFrame(id, deps.clock(), { duplicate: !result.created }),
      action: message.action,
      requestId: id,
      status: 'ok',
      created: result.created,
    };
  } catch (error) {
    return errorOutcome(deps, error, { action: message.action, id });
  }
}
