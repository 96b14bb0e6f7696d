import { isSync } from '../engine';
import {
  type ClientMessage,
  isEngineAction,
  PROTOCOL_LIMITS,
  ProtocolError,
  parseClientMessage,
} from '../protocol';
import { routeEngineAction } from './engineActions';
import { errorOutcome } from './errorMapping';
import { refusedForRate } from './rateLimiting';
import type { RouteInput, RouteOutcome, RouterDeps } from './routeTypes';
import { acceptAsync, runSync } from './workflowActions';

export type { RouteInput, RouteOutcome, RouterDeps } from './routeTypes';

/**
 * Handles one `$default` message (DESIGN §5): safe parsing, then a workflow
 * action (sync: run inline and answer `response`; async: append
 * `request.accepted` first, then answer `acknowledgment`) or an engine action
 * (`status`, `subscribe`, `unsubscribe`, `cancel`, `signal`, `ping`, and the
 * inspection actions `list`, `describe`, `history`). Never
 * throws: every failure becomes an `error` frame with its code and the
 * message's id. A message over its connection's or tenant's rate is
 * answered `RATE_LIMITED` before anything else is done for it.
 *
 * @example
 * const outcome = await routeMessage(deps, { connectionId, identity, body: event.body });
 * return { statusCode: 200, body: encodeFrame(outcome.frame) };
 */
export async function routeMessage(deps: RouterDeps, input: RouteInput): Promise<RouteOutcome> {
  let message: ClientMessage | undefined;
  try {
    message = parseClientMessage(bodyText(input), deps.limits ?? PROTOCOL_LIMITS);
  } catch (error) {
    // A malformed message counts against the limits too.
    return (await refusedForRate(deps, input, undefined)) ?? errorOutcome(deps, error, undefined);
  }
  try {
    return (await refusedForRate(deps, input, message)) ?? (await dispatch(deps, input, message));
  } catch (error) {
    return errorOutcome(deps, error, message);
  }
}

function bodyText(input: RouteInput): string {
  if (input.body === undefined) return '';
  return input.isBase64Encoded ? Buffer.from(input.body, 'base64').toString('utf8') : input.body;
}

function dispatch(deps: RouterDeps, input: RouteInput, message: ClientMessage) {
  if (isEngineAction(message.action)) {
    return routeEngineAction(deps, input, message, message.action);
  }
  const workflow = deps.registry.get(message.action);
  if (!workflow) {
    throw new ProtocolError('INVALID_ACTION', `Unknown action "${message.action}"`, undefined, {
      requestId: message.id,
    });
  }
  return isSync(workflow)
    ? runSync(deps, input, message, workflow)
    : acceptAsync(deps, input, message, workflow);
}
