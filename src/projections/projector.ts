import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster } from '../connections/framePoster';
import type { SubscriptionRecord, SubscriptionStore } from '../connections/subscriptionStore';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { ServerFrame } from '../protocol';
import type { ProjectionCache } from './projectionCache';
import { evolveRequestView, type RequestView } from './requestView';

/** Where the projector keeps request views (`DynamoDbRequestViewStore` in AWS and locally). */
export interface RequestViewStore {
  get(requestKey: string): Promise<RequestView | undefined>;
  /** Stores the view unless a newer one (by `lastSeq`) is there; returns whether it landed. */
  save(view: RequestView): Promise<boolean>;
  /**
   * Optional: stores only `view`'s progress fields and `lastSeq`, and only
   * when the stored view is at exactly `previousLastSeq` (so the rest of it
   * is already `view`'s). Returns whether it landed. The projector uses it
   * for passes that folded nothing but `step.progress`; a store without it
   * gets a full {@link RequestViewStore.save}.
   */
  saveProgress?(view: RequestView, previousLastSeq: number): Promise<boolean>;
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
  readonly onDeliveryError?: (connectionId: string, error: unknown) => void;
  /**
   * Optional: views and connection tenants kept between passes (one per
   * Lambda container). Without it every pass reads the stored view and each
   * recipient's connection record.
   */
  readonly cache?: ProjectionCache;
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

/** The view a pass starts from, and where it came from. */
interface Base {
  readonly view: RequestView | undefined;
  readonly source: 'cache' | 'store' | 'none';
}

const NOTHING: ProjectionResult = { events: 0, framesSent: 0, viewSaved: false };

/**
 * Brings one request's view up to date with its log and pushes the new
 * events' frames to the connection that submitted it and to its
 * subscribers — each checked to belong to the request's tenant.
 *
 * `delivered` are the events the stream records of this pass carried (a
 * commit item's record holds its events). When they follow the view's
 * `lastSeq` without a gap, the pass reads nothing from the log; otherwise
 * (a record still to come, or none given) it reads the log from there.
 * With a {@link ProjectionCache} it reads no view and no connection record
 * it already holds: the view's save is conditional on `lastSeq`, which
 * catches a stale copy.
 *
 * Frames go out before the view is saved: a crash in between re-sends them
 * on the retry (clients drop duplicates by `seq`) instead of losing them.
 */
export async function projectRequest(
  deps: ProjectorDeps,
  requestKey: string,
  delivered: readonly StoredEvent[] = [],
): Promise<ProjectionResult> {
  const hint = inSeqOrder(delivered);
  // Read the subscribers while the view and the log are read, when frames are coming.
  const subscribers = hint.some((event) => deps.frameFor(event, '') !== undefined)
    ? prefetch(deps.subscriptions.listByRequest(requestKey))
    : undefined;
  const { base, events } = await newEvents(
    deps,
    requestKey,
    await startingPoint(deps, requestKey, hint),
    hint,
  );
  let view = base.view;
  for (const event of events) view = evolveRequestView(view, event);
  if (!view || events.length === 0) return NOTHING;

  const requestId = view.requestId;
  const frames = events.flatMap((event) => deps.frameFor(event, requestId) ?? []);
  let framesSent = 0;
  if (frames.length > 0) {
    const subscriptions = await (subscribers?.() ?? deps.subscriptions.listByRequest(requestKey));
    for (const connectionId of await recipientsOf(deps, view, subscriptions)) {
      framesSent += await postAll(deps, connectionId, frames);
    }
  }
  const viewSaved = await saveView(deps, view, base, events);
  return { events: events.length, framesSent, viewSaved };
}

/** Starts `work` now; the returned function awaits it (a rejection surfaces only when awaited). */
function prefetch<T>(work: Promise<T>): () => Promise<T> {
  work.catch(() => undefined);
  return () => work;
}

/** The delivered events, in `seq` order, each `seq` once. */
function inSeqOrder(events: readonly StoredEvent[]): StoredEvent[] {
  const bySeq = new Map(events.map((event) => [event.seq, event]));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The cached view; none needed when the pass starts at `seq` 1; else the stored one. */
async function startingPoint(
  deps: ProjectorDeps,
  requestKey: string,
  hint: readonly StoredEvent[],
): Promise<Base> {
  const cached = deps.cache?.view(requestKey);
  if (cached) return { view: cached, source: 'cache' };
  if (hint[0]?.seq === 1) return { view: undefined, source: 'none' };
  return { view: await deps.views.get(requestKey), source: 'store' };
}

/**
 * The events after the base view: the delivered ones when they follow it
 * without a gap, none when every delivered one is folded already, else read
 * from the log — with the stored view beside it when the base came from the
 * cache (another container may have projected the gap; its view saves
 * re-sending what it sent).
 */
async function newEvents(
  deps: ProjectorDeps,
  requestKey: string,
  base: Base,
  hint: readonly StoredEvent[],
): Promise<{ base: Base; events: readonly StoredEvent[] }> {
  const after = base.view?.lastSeq ?? 0;
  const ahead = hint.filter((event) => event.seq > after);
  if (hint.length > 0 && ahead.length === 0) return { base, events: [] };
  if (ahead.length > 0 && ahead.every((event, i) => event.seq === after + 1 + i)) {
    return { base, events: ahead };
  }
  const fromLog = deps.store.read(requestKey, { fromSeq: after + 1 });
  if (base.source !== 'cache') return { base, events: await fromLog };
  const [stored, events] = await Promise.all([deps.views.get(requestKey), fromLog]);
  if (!stored || stored.lastSeq <= after) return { base, events };
  return {
    base: { view: stored, source: 'store' },
    events: events.filter((event) => event.seq > stored.lastSeq),
  };
}

/** Posts `frames` in order to one connection; returns how many went out. */
async function postAll(
  deps: ProjectorDeps,
  connectionId: string,
  frames: readonly ServerFrame[],
): Promise<number> {
  let sent = 0;
  try {
    for (const frame of frames) {
      if ((await deps.poster.post(connectionId, frame)) === 'gone') {
        deps.cache?.forgetConnection(connectionId);
        break;
      }
      sent++;
    }
  } catch (error) {
    if (isRetryable(error)) throw error;
    deps.onDeliveryError?.(connectionId, error);
  }
  return sent;
}

/**
 * Writes the view once: a pass that folded only progress updates stores
 * just those fields (conditional on the stored view being the one it
 * started from), anything else the whole view (conditional on `lastSeq`).
 * The cache keeps what landed and drops what a newer view refused.
 */
async function saveView(
  deps: ProjectorDeps,
  view: RequestView,
  base: Base,
  events: readonly StoredEvent[],
): Promise<boolean> {
  const progressOnly =
    base.view !== undefined && events.every((event) => event.type === 'step.progress');
  let saved =
    progressOnly && deps.views.saveProgress && base.view
      ? await deps.views.saveProgress(view, base.view.lastSeq)
      : false;
  if (!saved) saved = await deps.views.save(view);
  if (saved) deps.cache?.rememberView(view);
  else deps.cache?.forgetView(view.requestKey);
  return saved;
}

/** The request's own connection and its subscribers, only those held by the request's tenant. */
async function recipientsOf(
  deps: ProjectorDeps,
  view: RequestView,
  subscriptions: readonly SubscriptionRecord[],
): Promise<string[]> {
  const candidates = new Set<string>();
  if (view.connectionId) candidates.add(view.connectionId);
  for (const subscription of subscriptions) {
    if (subscription.tenantId === view.tenantId) candidates.add(subscription.connectionId);
  }
  const checked = await Promise.all(
    [...candidates].map(async (connectionId) =>
      (await tenantOf(deps, connectionId)) === view.tenantId ? connectionId : undefined,
    ),
  );
  return checked.filter((id): id is string => id !== undefined);
}

/** The tenant holding a connection: from the cache, else its record (then cached). */
async function tenantOf(deps: ProjectorDeps, connectionId: string): Promise<string | undefined> {
  const known = deps.cache?.connectionTenant(connectionId);
  if (known !== undefined) return known;
  const connection = await deps.connections.get(connectionId);
  if (connection) deps.cache?.rememberConnection(connectionId, connection.tenantId);
  return connection?.tenantId;
}

function isRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true
  );
}
