import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster } from '../connections/framePoster';
import type { SubscriptionStore } from '../connections/subscriptionStore';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { ServerFrame } from '../protocol';
import { evolveRequestView, type RequestView } from './requestView';

/** Where the projector keeps request views (`DynamoDbRequestViewStore` in AWS and locally). */
export interface RequestViewStore {
  get(requestKey: string): Promise<RequestView | undefined>;
  /** Stores the view unless a newer one (by `lastSeq`) is there; returns whether it landed. */
  save(view: RequestView): Promise<boolean>;
}

/** Everything the projector needs, injected. */
export interface ProjectorDeps {
  readonly store: EventStore;
  readonly views: RequestViewStore;
  readonly connections: ConnectionStore;
  readonly subscriptions: SubscriptionStore;
  readonly poster: FramePoster;
  /** The frame a client sees for an event (`progress`, `complete`, `error`), if any. */
  readonly frameFor: (event: StoredEvent, requestId: string) => ServerFrame | undefined;
  /** Told about frames that could not be delivered to one connection (the others still get theirs). */
  readonly onDeliveryError?: (connectionId: string, error: unknown, tenantId: string) => void;
}

/** What one projection pass did. */
export interface ProjectionResult {
  /** Events folded into the view in this pass. */
  readonly events: number;
  /** Frames posted, over all recipients. */
  readonly framesSent: number;
  /** Whether the view was written (false when a newer one was already stored). */
  readonly viewSaved: boolean;
}

/**
 * Brings one request's view up to date with its log and pushes the new
 * events' frames to the connection that submitted it and to its
 * subscribers — each checked to belong to the request's tenant.
 *
 * Frames go out before the view is saved: a crash in between re-sends them
 * on the retry (clients drop duplicates by `seq`) instead of losing them.
 */
export async function projectRequest(
  deps: ProjectorDeps,
  requestKey: string,
): Promise<ProjectionResult> {
  const stored = await deps.views.get(requestKey);
  const newEvents = await deps.store.read(requestKey, { fromSeq: (stored?.lastSeq ?? 0) + 1 });
  let view = stored;
  for (const event of newEvents) view = evolveRequestView(view, event);
  if (!view || newEvents.length === 0) return { events: 0, framesSent: 0, viewSaved: false };

  const requestId = view.requestId;
  const frames = newEvents.flatMap((event) => deps.frameFor(event, requestId) ?? []);
  let framesSent = 0;
  if (frames.length > 0) {
    for (const connectionId of await recipientsOf(deps, view)) {
      try {
        for (const frame of frames) {
          if ((await deps.poster.post(connectionId, frame)) === 'gone') break;
          framesSent++;
        }
      } catch (error) {
        if (isRetryable(error)) throw error;
        deps.onDeliveryError?.(connectionId, error, view.tenantId);
      }
    }
  }
  const viewSaved = await deps.views.save(view);
  return { events: newEvents.length, framesSent, viewSaved };
}

/** The request's own connection and its subscribers, only those held by the request's tenant. */
async function recipientsOf(deps: ProjectorDeps, view: RequestView): Promise<string[]> {
  const candidates = new Set<string>();
  if (view.connectionId) candidates.add(view.connectionId);
  for (const subscription of await deps.subscriptions.listByRequest(view.requestKey)) {
    if (subscription.tenantId === view.tenantId) candidates.add(subscription.connectionId);
  }
  const checked = await Promise.all(
    [...candidates].map(async (connectionId) => {
      const connection = await deps.connections.get(connectionId);
      return connection?.tenantId === view.tenantId ? connectionId : undefined;
    }),
  );
  return checked.filter((id): id is string => id !== undefined);
}

function isRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true
  );
}
