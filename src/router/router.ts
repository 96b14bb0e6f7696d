import type { Identity } from '../auth/identity';
import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster } from '../connections/framePoster';
import { newSubscriptionRecord, type SubscriptionStore } from '../connections/subscriptionStore';
import {
  acceptRequest,
  cancelRequest,
  type EngineLogger,
  isSync,
  runInline,
  signalRequest,
  type Workflow,
  type WorkflowRegistry,
} from '../engine';
import type { EventStore } from '../events/eventStore';
import { toRequestKey } from '../events/requestKey';
import { failureFrameError, framesForEvents } from '../projections/progressFeed';
import { foldRequestView } from '../projections/requestView';
import {
  acknowledgmentFrame,
  type ClientMessage,
  type EngineAction,
  type ErrorCode,
  errorFrame,
  failedResponseFrame,
  isEngineAction,
  type ParseLimits,
  PROTOCOL_LIMITS,
  ProtocolError,
  parseClientMessage,
  parseEngineActionPayload,
  pongFrame,
  responseFrame,
  type ServerFrame,
} from '../protocol';
import { mapError, notFound } from './errorMapping';
import { statusData } from './statusData';

/** Everything the `$default` logic needs, injected (the Lambda wiring gives the real ones). */
export interface RouterDeps {
  readonly registry: WorkflowRegistry;
  readonly store: EventStore;
  readonly connections: ConnectionStore;
  readonly subscriptions: SubscriptionStore;
  /** Posts catch-up frames after `subscribe` (through the Management API). */
  readonly poster: FramePoster;
  readonly clock: () => number;
  /** New request ids when a message carries none (ULIDs in production). */
  readonly newId: () => string;
  readonly limits?: ParseLimits;
  /** Handed to inline (sync) workflow runs. */
  readonly logger?: EngineLogger;
}

/** One client message as the `$default` route received it. */
export interface RouteInput {
  readonly connectionId: string;
  /** From the authorizer context: never from the message. */
  readonly identity: Identity;
  readonly body: string | undefined;
  readonly isBase64Encoded?: boolean;
}

/** The reply to send back as the route response, plus facts for logs and metrics. */
export interface RouteOutcome {
  readonly frame: ServerFrame;
  /** The message's action, when it could be read. */
  readonly action?: string;
  /** The id the reply carries. */
  readonly requestId?: string;
  /** `ok` for a `response`/`acknowledgment`/`pong` with success, `error` otherwise. */
  readonly status: 'ok' | 'error';
  readonly errorCode?: ErrorCode;
  /** For `error` outcomes: whether it was our fault (log as error) rather than the client's. */
  readonly internal?: boolean;
  /** The underlying failure of an internal error, for the log (never sent to the client). */
  readonly cause?: unknown;
  /** For async actions: whether a new request was started (false for a repeated id). */
  readonly created?: boolean;
  /** For `subscribe`: catch-up frames posted. */
  readonly replayed?: number;
}

/**
 * Handles one `$default` message (DESIGN §5): safe parsing, then a workflow
 * action (sync: run inline and answer `response`; async: append
 * `request.accepted` first, then answer `acknowledgment`) or an engine action
 * (`status`, `subscribe`, `unsubscribe`, `cancel`, `signal`, `ping`). Never
 * throws: every failure becomes an `error` frame with its code and the
 * message's id.
 *
 * @example
 * const outcome = await routeMessage(deps, { connectionId, identity, body: event.body });
 * return { statusCode: 200, body: encodeFrame(outcome.frame) };
 */
export async function routeMessage(deps: RouterDeps, input: RouteInput): Promise<RouteOutcome> {
  let message: ClientMessage | undefined;
  let target: string | undefined;
  try {
    const text =
      input.isBase64Encoded && input.body !== undefined
        ? Buffer.from(input.body, 'base64').toString('utf8')
        : input.body;
    message = parseClientMessage(text ?? '', deps.limits ?? PROTOCOL_LIMITS);
    if (isEngineAction(message.action)) {
      return await routeEngineAction(deps, input, message, message.action, (id) => {
        target = id;
      });
    }
    const workflow = deps.registry.get(message.action);
    if (!workflow) {
      throw new ProtocolError('INVALID_ACTION', `Unknown action "${message.action}"`, undefined, {
        requestId: message.id,
      });
    }
    return isSync(workflow)
      ? await runSync(deps, input, message, workflow)
      : await acceptAsync(deps, input, message, workflow);
  } catch (error) {
    const messageId =
      error instanceof ProtocolError && error.requestId !== undefined
        ? error.requestId
        : message?.id;
    const mapped = mapError(error, target ?? messageId);
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
}

async function runSync(
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
    ...(deps.logger && { logger: deps.logger }),
  });
  if (result.ok) {
    return {
      frame: responseFrame(id, result.output, deps.clock()),
      action: message.action,
      requestId: id,
      status: 'ok',
    };
  }
  if (result.reason === 'invalid_input') {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      `Invalid payload for ${message.action}`,
      { issues: result.issues },
      {
        requestId: id,
      },
    );
  }
  const error = failureFrameError(result.error);
  return {
    frame: failedResponseFrame(id, error, deps.clock()),
    action: message.action,
    requestId: id,
    status: 'error',
    errorCode: error.code,
    internal: false,
  };
}

async function acceptAsync(
  deps: RouterDeps,
  input: RouteInput,
  message: ClientMessage,
  workflow: Workflow,
): Promise<RouteOutcome> {
  const id = message.id ?? deps.newId();
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
    // The generated id must reach the client even when the request is refused.
    if (error instanceof ProtocolError || message.id !== undefined) throw error;
    const mapped = mapError(error, id);
    return {
      frame: errorFrame(mapped.error, deps.clock(), { requestId: id }),
      action: message.action,
      requestId: id,
      status: 'error',
      errorCode: mapped.error.code,
      internal: mapped.internal,
      ...(mapped.internal && { cause: error }),
    };
  }
}

async function routeEngineAction(
  deps: RouterDeps,
  input: RouteInput,
  message: ClientMessage,
  action: EngineAction,
  setTarget: (requestId: string) => void,
): Promise<RouteOutcome> {
  const { tenantId, userId } = input.identity;
  const messageId = message.id ?? deps.newId();
  const ok = (data: unknown, extra: Partial<RouteOutcome> = {}): RouteOutcome => ({
    frame: responseFrame(messageId, data, deps.clock()),
    action: message.action,
    requestId: messageId,
    status: 'ok',
    ...extra,
  });
  switch (action) {
    case 'ping': {
      await deps.connections.touch(input.connectionId, deps.clock());
      return { frame: pongFrame(deps.clock()), action: 'ping', status: 'ok' };
    }
    case 'status': {
      const { requestId } = parseEngineActionPayload('status', message.payload, message.id);
      setTarget(requestId);
      // The fold of the log, read strongly consistent: never behind the projector.
      const view = foldRequestView(await deps.store.read(toRequestKey(tenantId, requestId)));
      if (!view || view.tenantId !== tenantId) throw notFound(requestId, message.id);
      return ok(statusData(view));
    }
    case 'subscribe': {
      const { requestId, lastSeq } = parseEngineActionPayload(
        'subscribe',
        message.payload,
        message.id,
      );
      setTarget(requestId);
      const key = toRequestKey(tenantId, requestId);
      const log = await deps.store.read(key);
      const first = log[0];
      if (!first || first.tenantId !== tenantId) throw notFound(requestId, message.id);
      // Subscription first, catch-up second: an event appended in between is
      // either in the catch-up read or posted live by the projector (or both;
      // clients drop duplicates by seq). Nothing falls in the gap.
      await deps.subscriptions.put(
        newSubscriptionRecord({
          requestKey: key,
          connectionId: input.connectionId,
          tenantId,
          userId,
          requestId,
          subscribedAt: deps.clock(),
        }),
      );
      let replayed = 0;
      // The log's end, never the client's own last_seq (which may lie past it).
      let logEnd = log.at(-1)?.seq ?? first.seq;
      if (lastSeq !== undefined) {
        const missed = await deps.store.read(key, { fromSeq: lastSeq + 1 });
        logEnd = Math.max(logEnd, missed.at(-1)?.seq ?? 0);
        for (const frame of framesForEvents(missed, requestId)) {
          if ((await deps.poster.post(input.connectionId, frame)) === 'gone') break;
          replayed++;
        }
      }
      return ok(
        { request_id: requestId, subscribed: true, replayed, last_seq: logEnd },
        { replayed },
      );
    }
    case 'unsubscribe': {
      const { requestId } = parseEngineActionPayload('unsubscribe', message.payload, message.id);
      setTarget(requestId);
      const removed = await deps.subscriptions.delete(
        toRequestKey(tenantId, requestId),
        input.connectionId,
      );
      if (!removed) throw notFound(requestId, message.id);
      return ok({ request_id: requestId, subscribed: false });
    }
    case 'cancel': {
      const { requestId, reason } = parseEngineActionPayload('cancel', message.payload, message.id);
      setTarget(requestId);
      const result = await cancelRequest(
        deps.store,
        deps.registry,
        toRequestKey(tenantId, requestId),
        {
          tenantId,
          userId,
          now: deps.clock(),
          ...(reason !== undefined && { reason }),
        },
      );
      return ok({ request_id: requestId, cancelled: true, seq: result.seq });
    }
    case 'signal': {
      const { requestId, event } = parseEngineActionPayload('signal', message.payload, message.id);
      setTarget(requestId);
      const result = await signalRequest(
        deps.store,
        deps.registry,
        toRequestKey(tenantId, requestId),
        event,
        {
          tenantId,
          userId,
          now: deps.clock(),
        },
      );
      return ok({
        request_id: requestId,
        signalled: true,
        event_type: event.type,
        seq: result.seq,
      });
    }
  }
}
