import type { Identity } from '../auth/identity';
import type { ConnectionStore } from '../connections/connectionStore';
import type { FramePoster } from '../connections/framePoster';
import type { SubscriptionStore } from '../connections/subscriptionStore';
import type { EngineLogger, WorkflowRegistry } from '../engine';
import type { EventStore } from '../events/eventStore';
import type { MessageAdmission } from '../flowControl/messageAdmission';
import type { SubscriberChanges } from '../projections/projector';
import type { RunListReader } from '../projections/runList';
import type { ErrorCode, ParseLimits, ServerFrame } from '../protocol';

/** Everything the `$default` logic needs, injected (the Lambda wiring gives the real ones). */
export interface RouterDeps {
  readonly registry: WorkflowRegistry;
  readonly store: EventStore;
  readonly connections: ConnectionStore;
  readonly subscriptions: SubscriptionStore;
  /**
   * Told after each `subscribe` and `unsubscribe` (the request view store):
   * projectors keep subscriber lists until it moves the request's version on.
   */
  readonly subscriberChanges: SubscriberChanges;
  /** Posts catch-up frames after `subscribe` (through the Management API). */
  readonly poster: FramePoster;
  readonly clock: () => number;
  /** New request ids when a message carries none (ULIDs in production). */
  readonly newId: () => string;
  readonly limits?: ParseLimits;
  /** Handed to inline (sync) workflow runs. */
  readonly logger?: EngineLogger;
  /** Message rate limits (`RATE_LIMITED`); absent: none. */
  readonly admission?: MessageAdmission;
  /** The request view's tenant listing, for `list` (without it, `list` fails with INTERNAL_ERROR). */
  readonly views?: RunListReader;
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
