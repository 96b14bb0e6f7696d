import { newSubscriptionRecord } from '../connections/subscriptionStore';
import { cancelRequest, signalRequest } from '../engine';
import { toRequestKey } from '../events/requestKey';
import { framesForEvents } from '../projections/progressFeed';
import { foldRequestView } from '../projections/requestView';
import {
  type ClientMessage,
  type EngineAction,
  parseEngineActionPayload,
  pongFrame,
  responseFrame,
} from '../protocol';
import { aboutRequest, notFound } from './errorMapping';
import { describe, history, list } from './inspectActions';
import type { RouteInput, RouteOutcome, RouterDeps } from './routeTypes';
import { statusData } from './statusData';

/** One engine action message, with who sent it and how to answer it. */
export interface ActionCall {
  readonly deps: RouterDeps;
  readonly input: RouteInput;
  readonly message: ClientMessage;
  readonly tenantId: string;
  readonly userId: string;
  /** A successful `response` to this message, with `data`. */
  ok(data: unknown, extra?: Partial<RouteOutcome>): RouteOutcome;
}

type ActionHandler = (call: ActionCall) => Promise<RouteOutcome>;

/**
 * Handles an engine action. Each one names its target request in the
 * payload; every failure after the payload is read names that target.
 */
export function routeEngineAction(
  deps: RouterDeps,
  input: RouteInput,
  message: ClientMessage,
  action: EngineAction,
): Promise<RouteOutcome> {
  const messageId = message.id ?? deps.newId();
  const call: ActionCall = {
    deps,
    input,
    message,
    tenantId: input.identity.tenantId,
    userId: input.identity.userId,
    ok: (data, extra = {}) => ({
      frame: responseFrame(messageId, data, deps.clock()),
      action: message.action,
      requestId: messageId,
      status: 'ok',
      ...extra,
    }),
  };
  return ENGINE_ACTION_HANDLERS[action](call);
}

const ENGINE_ACTION_HANDLERS: Readonly<Record<EngineAction, ActionHandler>> = {
  ping: async ({ deps, input }) => {
    await deps.connections.touch(input.connectionId, deps.clock());
    return { frame: pongFrame(deps.clock()), action: 'ping', status: 'ok' };
  },
  status,
  subscribe,
  unsubscribe,
  cancel,
  signal,
  list,
  describe,
  history,
};

/** The fold of the log, read strongly consistent: never behind the projector. */
async function status(call: ActionCall): Promise<RouteOutcome> {
  const { requestId } = parseEngineActionPayload('status', call.message.payload, call.message.id);
  return aboutRequest(requestId, async () => {
    const log = await call.deps.store.read(toRequestKey(call.tenantId, requestId));
    const view = foldRequestView(log);
    if (!view || view.tenantId !== call.tenantId) throw notFound(requestId, call.message.id);
    return call.ok(statusData(view));
  });
}

/**
 * Subscription first, its announcement second, catch-up third: an event
 * appended in between is either in the catch-up read or posted live by the
 * projector (or both; clients drop duplicates by seq). A projector holding
 * the older subscriber list fails its next view save on the announcement,
 * so it reads the list again before that pass's frames are done. Nothing
 * falls in the gap.
 */
async function subscribe(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps } = call;
  const { requestId, lastSeq } = parseEngineActionPayload('subscribe', message.payload, message.id);
  return aboutRequest(requestId, async () => {
    const requestKey = toRequestKey(call.tenantId, requestId);
    const log = await deps.store.read(requestKey);
    const first = log[0];
    if (!first || first.tenantId !== call.tenantId) throw notFound(requestId, message.id);
    await deps.subscriptions.put(
      newSubscriptionRecord({
        requestKey,
        connectionId: call.input.connectionId,
        tenantId: call.tenantId,
        userId: call.userId,
        requestId,
        subscribedAt: deps.clock(),
      }),
    );
    await deps.subscriberChanges.subscribersChanged(requestKey);
    const { replayed, caughtUpTo } =
      lastSeq === undefined
        ? { replayed: 0, caughtUpTo: 0 }
        : await catchUp(call, requestKey, requestId, lastSeq);
    // The log's end, never the client's own last_seq (which may lie past it).
    const logEnd = Math.max(log.at(-1)?.seq ?? first.seq, caughtUpTo);
    const data = { request_id: requestId, subscribed: true, replayed, last_seq: logEnd };
    return call.ok(data, { replayed });
  });
}

/** Posts every frame of the request after `lastSeq` to the subscriber; says how far the log went. */
async function catchUp(
  call: ActionCall,
  requestKey: string,
  requestId: string,
  lastSeq: number,
): Promise<{ replayed: number; caughtUpTo: number }> {
  const missed = await call.deps.store.read(requestKey, { fromSeq: lastSeq + 1 });
  let replayed = 0;
  for (const frame of framesForEvents(missed, requestId)) {
    if ((await call.deps.poster.post(call.input.connectionId, frame)) === 'gone') break;
    replayed++;
  }
  return { replayed, caughtUpTo: missed.at(-1)?.seq ?? 0 };
}

async function unsubscribe(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps } = call;
  const { requestId } = parseEngineActionPayload('unsubscribe', message.payload, message.id);
  return aboutRequest(requestId, async () => {
    const requestKey = toRequestKey(call.tenantId, requestId);
    const removed = await deps.subscriptions.delete(requestKey, call.input.connectionId);
    if (!removed) throw notFound(requestId, message.id);
    await deps.subscriberChanges.subscribersChanged(requestKey);
    return call.ok({ request_id: requestId, subscribed: false });
  });
}

async function cancel(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps, tenantId, userId } = call;
  const { requestId, reason } = parseEngineActionPayload('cancel', message.payload, message.id);
  return aboutRequest(requestId, async () => {
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
    return call.ok({ request_id: requestId, cancelled: true, seq: result.seq });
  });
}

async function signal(call: ActionCall): Promise<RouteOutcome> {
  const { message, deps, tenantId, userId } = call;
  const { requestId, event } = parseEngineActionPayload('signal', message.payload, message.id);
  return aboutRequest(requestId, async () => {
    const requestKey = toRequestKey(tenantId, requestId);
    const context = { tenantId, userId, now: deps.clock() };
    const result = await signalRequest(deps.store, deps.registry, requestKey, event, context);
    return call.ok({
      request_id: requestId,
      signalled: true,
      event_type: event.type,
      seq: result.seq,
    });
  });
}
