import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster, PostOutcome } from '../connections/framePoster';
import type { RequestViewStore } from '../projections/projector';
import type { RequestView } from '../projections/requestView';
import type { ServerFrame } from '../protocol';

/**
 * Request views in process memory, with the DynamoDB store's rule: a save
 * lands only over an older view (by `lastSeq`).
 *
 * @example
 * const views = new InMemoryRequestViewStore();
 * await views.save(view); // true
 * await views.get(view.requestKey);
 */
export class InMemoryRequestViewStore implements RequestViewStore {
  readonly #views = new Map<string, RequestView>();

  async get(requestKey: string): Promise<RequestView | undefined> {
    const view = this.#views.get(requestKey);
    return view && structuredClone(view);
  }

  async save(view: RequestView): Promise<boolean> {
    const stored = this.#views.get(view.requestKey);
    if (stored && stored.lastSeq >= view.lastSeq) return false;
    this.#views.set(view.requestKey, structuredClone(view));
    return true;
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
