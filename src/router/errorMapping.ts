import {
  EventNotAcceptedError,
  EventValidationError,
  InputValidationError,
  RequestFinishedError,
  RequestNotFoundError,
  UnknownWorkflowError,
} from '../engine';
import { InvalidIdError } from '../events/requestKey';
import { type ClientMessage, errorFrame, type FrameError, ProtocolError } from '../protocol';
import type { RouteOutcome, RouterDeps } from './routeTypes';

/**
 * A failure of an engine action about one request: carries the client's id
 * of that request (the *target*), so the error frame can name it.
 */
export class TargetedError extends Error {
  override readonly name = 'TargetedError';
  constructor(
    /** The client's id of the request the action was about. */
    readonly target: string,
    override readonly cause: unknown,
  ) {
    super(`Action on request ${target} failed`, { cause });
  }
}

/**
 * Runs `work` for the request the client calls `target`; whatever it throws
 * is rethrown as a {@link TargetedError} naming that request.
 */
export async function aboutRequest<T>(target: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new TargetedError(target, error);
  }
}

/** A failure mapped for the client, and whether it was our fault (to log as an error). */
export interface MappedError {
  readonly error: FrameError;
  /** False for the client's mistakes; true for failures the operator must look at. */
  readonly internal: boolean;
}

/** The one NOT_FOUND answer, for a missing id and another tenant's id alike (invariant 9). */
export function notFound(requestId: string, messageId: string | undefined): ProtocolError {
  return new ProtocolError('NOT_FOUND', `Request ${requestId} was not found`, undefined, {
    requestId: messageId,
  });
}

/**
 * Maps anything the router or the engine threw to the client's error.
 * Engine errors carry storage keys, so their messages are rewritten with the
 * client's own id; unknown failures become `INTERNAL_ERROR` without details.
 */
export function mapError(error: unknown, requestId: string | undefined): MappedError {
  if (error instanceof ProtocolError) return { error: error.toFrameError(), internal: false };
  if (error instanceof RequestNotFoundError) {
    return {
      error: { code: 'NOT_FOUND', message: `Request ${requestId ?? ''} was not found` },
      internal: false,
    };
  }
  if (error instanceof InputValidationError) {
    return {
      error: {
        code: 'VALIDATION_ERROR',
        message: `Invalid payload for ${error.action}`,
        details: { issues: error.issues },
      },
      internal: false,
    };
  }
  if (error instanceof RequestFinishedError) {
    return {
      error: {
        code: 'VALIDATION_ERROR',
        message: `Request ${requestId ?? ''} already ended`,
        details: { reason: 'request_finished', terminal: error.terminalType },
      },
      internal: false,
    };
  }
  if (error instanceof EventNotAcceptedError) {
    return {
      error: {
        code: 'VALIDATION_ERROR',
        message: `Request ${requestId ?? ''} does not accept event "${error.eventType}" now`,
        details: { reason: 'event_not_accepted', event_type: error.eventType, state: error.state },
      },
      internal: false,
    };
  }
  if (error instanceof EventValidationError) {
    return {
      error: {
        code: 'VALIDATION_ERROR',
        message: `Invalid event "${error.eventType}" for request ${requestId ?? ''}`,
        details: {
          reason: 'invalid_event',
          event_type: error.eventType,
          issues: error.issues.map((issue) => ({
            path: ['payload.event', issue.path].filter((part) => part !== '').join('.'),
            message: issue.message,
          })),
        },
      },
      internal: false,
    };
  }
  if (error instanceof UnknownWorkflowError) {
    return { error: { code: 'INVALID_ACTION', message: 'Unknown action' }, internal: false };
  }
  if (error instanceof InvalidIdError && error.kind === 'requestId') {
    return {
      error: { code: 'VALIDATION_ERROR', message: `Invalid request id: ${error.problem}` },
      internal: false,
    };
  }
  if (error instanceof InvalidIdError) {
    // The authorizer refuses such tokens; reaching here is a wiring error.
    return {
      error: { code: 'FORBIDDEN', message: 'This connection cannot make requests' },
      internal: true,
    };
  }
  return { error: { code: 'INTERNAL_ERROR', message: 'Internal error' }, internal: true };
}

/**
 * The one place a failure becomes an `error` frame: it answers the message's
 * id (or the one a protocol error read), and its text names the request the
 * action was about when the failure says which.
 */
export function errorOutcome(
  deps: Pick<RouterDeps, 'clock'>,
  thrown: unknown,
  message: Pick<ClientMessage, 'action' | 'id'> | undefined,
): RouteOutcome {
  const messageId =
    thrown instanceof ProtocolError && thrown.requestId !== undefined
      ? thrown.requestId
      : message?.id;
  const targeted = thrown instanceof TargetedError ? thrown : undefined;
  const error = targeted ? targeted.cause : thrown;
  const mapped = mapError(error, targeted?.target ?? messageId);
  return {
    frame: errorFrame(
      mapped.error,
      deps.clock(),
      messageId === undefined ? {} : { requestId: messageId },
    ),
    ...(message && { action: message.action }),
    ...(messageId !== undefined && { requestId: messageId }),
    status: 'error',
    errorCode: mapped.error.code,
    internal: mapped.internal,
    ...(mapped.internal && { cause: error }),
  };
}
