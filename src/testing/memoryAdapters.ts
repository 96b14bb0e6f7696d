import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster, PostOutcome } from '../connections/framePoster';
import type { RequestViewStore, SubscriberChanges, ViewSaved } from '../projections/projector';
import type { RequestView } from '../projections/requestView';
import type { ServerFrame } from '../protocol';

/** A stored view and its request's subscription version (a view-less entry: subscribed before the first pass). */
interface StoredView {
  readonly view?: RequestView;
  readonly subscriptionVersion: number;
}

const SAVED: ViewSaved = { kind: 'saved' };
const STALE: ViewSaved = { kind: 'stale' };

/**
 * Request views in process memory, with the DynamoDB store's rules: a save
 * lands only over an older view (by `lastSeq`) at the subscription version
 * it names, and {@link InMemoryRequestViewStore.subscribersChanged} moves
 * that version on.
 *
 * @example
 * const views = new InMemoryRequestViewStore();
 * await views.save(view); // { kind: 'saved' }
 * await views.get(view.requestKey);
 */
export class InMemoryRequestViewStore implements RequestViewStore, SubscriberChanges {
  readonly #views = new Map<string, StoredView>();

  async get(requestKey: string): Promise<RequestView | undefined> {
    const view = this.#views.get(requestKey)?.view;
    return view && structuredClone(view);
  }

  async save(view: RequestView, subscriptionVersion = 0): Promise<ViewSaved> {
    const stored = this.#views.get(view.requestKey);
    if (stored?.view && stored.view.lastSeq >= view.lastSeq) return STALE;
    const version = stored?.subscriptionVersion ?? 0;
    if (version !== subscriptionVersion)
      return { kind: 'resubscribed', subscriptionVersion: version };
    this.#views.set(view.requestKey, { view: structuredClone(view), subscriptionVersion: version });
    return SAVED;
  }

  async saveProgress(
    view: RequestView,
    previousLastSeq: number,
    subscriptionVersion = 0,
  ): Promise<ViewSaved> {
    const stored = this.#views.get(view.requestKey);
    if (!stored?.view || stored.view.lastSeq !== previousLastSeq) return STALE;
    if (stored.subscriptionVersion !== subscriptionVersion) {
      return { kind: 'resubscribed', subscriptionVersion: stored.subscriptionVersion };
    }
    const { progress, progressMessage, lastSeq } = view;
    const { progressMessage: _previous, ...rest } = stored.view;
    const updated = {
      ...rest,
      progress,
      lastSeq,
      ...(progressMessage !== undefined && { progressMessage }),
    };
    this.#views.set(view.requestKey, { view: updated, subscriptionVersion });
    return SAVED;
  }

  async subscribersChanged(requestKey: string): Promise<void> {
    const stored = this.#views.get(requestKey);
    this.#views.set(requestKey, {
      ...stored,
      subscriptionVersion: (stored?.subscriptionVersion ?? 0) + 1,
    });
  }
}

/**
 * One frame as a client received it, with what the test knows about why it was sent.
 *
 * @example
 * engine.frames({ requestId: 'e1' }).map((d) => d.frame.type); // ['progress', 'complete']
 */
export interface DeliveredFrame {
  /** The connection it reached. */
  readonly connectionId: string;
  /** The tenant that held that connection when the frame was posted. */
  readonly connectionTenantId: string;
  /** The request whose projection (or catch-up) posted it. */
  readonly requestKey: string;
  readonly frame: ServerFrame;
}

/**
 * A frame poster that records every frame instead of calling the Management
 * API; a connection without a record is gone (as a 410 would say).
 *
 * @example
 * const poster = new RecordingFramePoster(connections);
 * await projectRequest({ ...deps, poster: poster.for(requestKey) }, requestKey);
 * poster.frames; // [{ connectionId, connectionTenantId, requestKey, frame }]
 */
export class RecordingFramePoster {
  readonly #connections: ConnectionStore;
  readonly #frames: DeliveredFrame[] = [];
  readonly #byRequest = new Map<string, DeliveredFrame[]>();

  constructor(connections: ConnectionStore) {
    this.#connections = connections;
  }

  /** Every frame delivered so far, in order. */
  get frames(): readonly DeliveredFrame[] {
    return this.#frames;
  }

  /** The frames posted for one request, in order. */
  framesOf(requestKey: string): readonly DeliveredFrame[] {
    return this.#byRequest.get(requestKey) ?? [];
  }

  /** A poster whose frames are attributed to `requestKey`. */
  for(requestKey: string): FramePoster {
    return {
      post: async (connectionId: string, frame: ServerFrame): Promise<PostOutcome> => {
        const connection = await this.#connections.get(connectionId);
        if (!connection) return 'gone';
        const delivered = {
          connectionId,
          connectionTenantId: connection.tenantId,
          requestKey,
          frame: structuredClone(frame),
        };
        this.#frames.push(delivered);
        const ofRequest = this.#byRequest.get(requestKey) ?? [];
        ofRequest.push(delivered);
        this.#byRequest.set(requestKey, ofRequest);
        return 'sent';
      },
    };
  }
}
