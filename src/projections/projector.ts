import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster } from '../connections/framePoster';
import type { SubscriptionRecord, SubscriptionStore } from '../connections/subscriptionStore';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { ServerFrame } from '../protocol';
import type { ProjectionCache } from './projectionCache';
import { evolveRequestView, type RequestView } from './requestView';

/**
 * What a conditional save of a view found. Each save names the
 * *subscription version* its pass assumed: the count of subscription
 * changes the router announced for the request
 * ({@link SubscriberChanges}), 0 before the first.
 */
export type ViewSaved =
  | { readonly kind: 'saved' }
  /** A view at the same or a later `lastSeq` is stored (for `saveProgress`: the stored view is not at `previousLastSeq`). */
  | { readonly kind: 'stale' }
  /** The subscriptions changed since the version the pass assumed: `subscriptionVersion` is the stored one. */
  | { readonly kind: 'resubscribed'; readonly subscriptionVersion: number };

/** Where the projector keeps request views (`DynamoDbRequestViewStore` in AWS and locally). */
export interface RequestViewStore {
  get(requestKey: string): Promise<RequestView | undefined>;
  /**
   * Stores the view unless a newer one (by `lastSeq`) is there, and only
   * while the request's subscription version is `subscriptionVersion`
   * (default 0); the stored version is kept.
   */
  save(view: RequestView, subscriptionVersion?: number): Promise<ViewSaved>;
  /**
   * Optional: stores only `view`'s progress fields and `lastSeq`, and only
   * when the stored view is at exactly `previousLastSeq` (so the rest of it
   * is already `view`'s) and at `subscriptionVersion`. `stale` means it was
   * not at `previousLastSeq`: the projector then makes a full
   * {@link RequestViewStore.save}, as it does for a store without this.
   */
  saveProgress?(
    view: RequestView,
    previousLastSeq: number,
    subscriptionVersion?: number,
  ): Promise<ViewSaved>;
}

/**
 * Announces that a request's subscriptions changed (the router calls it
 * after storing or removing one, before any catch-up read). Projectors keep
 * each request's subscriber list between passes and save views conditional
 * on the version they read it at, so a change makes their next save fail and
 * the list be read again: no query per pass, no frame missed.
 */
export interface SubscriberChanges {
  subscribersChanged(requestKey: string): Promise<void>;
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
 * With a {@link ProjectionCache} it reads no view, no subscriber list and
 * no connection record it already holds: the view's save is conditional on
 * `lastSeq` and on the subscription version, which catch a stale copy and a
 * changed subscriber list (read again, and this pass's frames posted to the
 * new subscribers, before the save is tried again).
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
  const known = deps.cache?.subscribers(requestKey);
  // Read the subscribers while the view and the log are read, when frames are coming.
  const prefetched =
    !known && hint.some((event) => deps.frameFor(event, '') !== undefined)
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

  const delivery = new Delivery(deps, view, events);
  let subscriptions = known?.subscriptions;
  if (delivery.hasFrames) {
    subscriptions ??= await (prefetched?.() ?? deps.subscriptions.listByRequest(requestKey));
    await delivery.to(subscriptions);
  }
  const viewSaved = await saveWithSubscribers(
    deps,
    { view, base, events, delivery },
    {
      version: known?.version ?? 0,
      subscriptions,
    },
  );
  return { events: events.length, framesSent: delivery.sent, viewSaved };
}

/** A pass's view and frames on their way to be saved. */
interface Pass {
  readonly view: RequestView;
  readonly base: Base;
  readonly events: readonly StoredEvent[];
  readonly delivery: Delivery;
}

/** A save whose subscriber list keeps changing under it this often gives up (the stream retries the batch). */
const MAX_RESUBSCRIBED_SAVES = 5;

/**
 * Saves the pass's view at the subscription version its subscriber list
 * was read at. When the subscriptions changed meanwhile, reads them again,
 * posts the pass's frames to connections that did not get them yet, and
 * tries again at the stored version. What landed is kept in the cache with
 * the list; a stale view is dropped with it.
 */
async function saveWithSubscribers(
  deps: ProjectorDeps,
  pass: Pass,
  known: { version: number; subscriptions: readonly SubscriptionRecord[] | undefined },
): Promise<boolean> {
  let { version, subscriptions } = known;
  for (let attempt = 1; ; attempt++) {
    const saved = await saveView(deps, pass, version);
    if (saved.kind === 'stale') {
      deps.cache?.forgetView(pass.view.requestKey);
      return false;
    }
    if (saved.kind === 'saved') {
      remember(deps, pass, version, subscriptions);
      return true;
    }
    if (attempt >= MAX_RESUBSCRIBED_SAVES) {
      throw new Error(
        `The subscriptions of ${pass.view.requestKey} changed during each of ${attempt} saves of its view; the stream retries the batch`,
      );
    }
    version = saved.subscriptionVersion;
    subscriptions = await deps.subscriptions.listByRequest(pass.view.requestKey);
    await pass.delivery.to(subscriptions);
  }
}

/**
 * Keeps the stored view and its subscribers (without connections found
 * gone): the list this pass read, or, unread, none at all when the save
 * landed at version 0 — no subscription was ever announced, and one stored
 * but not yet announced moves the version before its catch-up, so it fails
 * the next save.
 */
function remember(
  deps: ProjectorDeps,
  pass: Pass,
  version: number,
  subscriptions: readonly SubscriptionRecord[] | undefined,
): void {
  deps.cache?.rememberView(pass.view);
  const known = subscriptions ?? (version === 0 ? [] : undefined);
  if (!known) return;
  deps.cache?.rememberSubscribers(pass.view.requestKey, {
    version,
    subscriptions: known.filter((s) => !pass.delivery.gone.has(s.connectionId)),
  });
}

/**
 * The frames of one pass and where they went: each recipient (the
 * submitting connection and the subscribers of the request's tenant) gets
 * them once, however often the subscriber list is read again.
 */
class Delivery {
  readonly #deps: ProjectorDeps;
  readonly #view: RequestView;
  readonly #frames: readonly ServerFrame[];
  readonly #reached = new Set<string>();
  /** Connections that answered 410. */
  readonly gone = new Set<string>();
  sent = 0;

  constructor(deps: ProjectorDeps, view: RequestView, events: readonly StoredEvent[]) {
    this.#deps = deps;
    this.#view = view;
    this.#frames = events.flatMap((event) => deps.frameFor(event, view.requestId) ?? []);
  }

  get hasFrames(): boolean {
    return this.#frames.length > 0;
  }

  /** Posts the frames to every recipient among `subscriptions` (and the owner) not reached yet. */
  async to(subscriptions: readonly SubscriptionRecord[]): Promise<void> {
    if (!this.hasFrames) return;
    for (const connectionId of await recipientsOf(this.#deps, this.#view, subscriptions)) {
      if (this.#reached.has(connectionId)) continue;
      this.#reached.add(connectionId);
      const to = { connectionId, tenantId: this.#view.tenantId };
      const { sent, gone } = await postAll(this.#deps, to, this.#frames);
      this.sent += sent;
      if (gone) this.gone.add(connectionId);
    }
  }
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

/** Posts `frames` in order to one connection; says how many went out and whether it is gone. */
async function postAll(
  deps: ProjectorDeps,
  to: { readonly connectionId: string; readonly tenantId: string },
  frames: readonly ServerFrame[],
): Promise<{ sent: number; gone: boolean }> {
  const { connectionId } = to;
  let sent = 0;
  try {
    for (const frame of frames) {
      if ((await deps.poster.post(connectionId, frame)) === 'gone') {
        deps.cache?.forgetConnection(connectionId);
        return { sent, gone: true };
      }
      sent++;
    }
  } catch (error) {
    if (isRetryable(error)) throw error;
    deps.onDeliveryError?.(connectionId, error, to.tenantId);
  }
  return { sent, gone: false };
}

/**
 * Writes the view once: a pass that folded only progress updates stores
 * just those fields (conditional on the stored view being the one it
 * started from), anything else the whole view (conditional on `lastSeq`);
 * both at the subscription version given.
 */
async function saveView(deps: ProjectorDeps, pass: Pass, version: number): Promise<ViewSaved> {
  const { view, base, events } = pass;
  const progressOnly =
    base.view !== undefined && events.every((event) => event.type === 'step.progress');
  if (progressOnly && deps.views.saveProgress && base.view) {
    const saved = await deps.views.saveProgress(view, base.view.lastSeq, version);
    if (saved.kind !== 'stale') return saved;
  }
  return deps.views.save(view, version);
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
