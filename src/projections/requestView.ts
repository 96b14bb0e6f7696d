import type { StoredEvent } from '../events/event';
import {
  asLifecycleEvent,
  type LifecycleEvent,
  type LifecycleEventData,
  type LifecycleEventOf,
} from '../events/lifecycle';
import { CANCELLED_MESSAGE, failureFrameError } from './progressFeed';

/**
 * The request view (DESIGN §3; the original `AsyncRequest` model): a pure
 * fold of a request's log. No I/O, no clock: the same log always gives the
 * same view, so the projector's stored copy can be checked against it
 * (invariant 8).
 */

/** Where a request stands, as the client sees it. */
export type RequestStatus =
  | 'PENDING'
  /** Waiting for a concurrency slot (`request.queued`); `queuePosition` runs are ahead. */
  | 'QUEUED'
  | 'PROCESSING'
  | 'RETRYING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'DEAD_LETTERED';

/** A request's error as a client sees it (the `error` frame's `error`). */
export interface RequestViewError {
  /** `PROCESSING_FAILED`, `CANCELLED` or `TIMEOUT`. */
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** The request view row. */
export interface RequestView {
  /** Tenant-scoped log key. */
  readonly requestKey: string;
  /** The id the client chose (frames echo it). */
  readonly requestId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly action: string;
  readonly connectionId?: string;
  readonly status: RequestStatus;
  /** 0–100, never goes down; 100 once COMPLETED. */
  readonly progress: number;
  readonly progressMessage?: string;
  readonly result?: unknown;
  readonly error?: RequestViewError;
  /** Retries scheduled for the step being run (0 on its first attempt). */
  readonly retryCount: number;
  /** Retries allowed per step (`maxAttempts - 1`). */
  readonly maxRetries: number;
  /** When the next attempt is due, epoch ms, while RETRYING. */
  readonly retryAfter?: number;
  /** While QUEUED: how many runs are ahead in the concurrency line (0: next), as last recorded. */
  readonly queuePosition?: number;
  /** `seq` of the last event folded; stored updates are conditional on it. */
  readonly lastSeq: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly processingStarted?: number;
  readonly processingEnded?: number;
  /**
   * Epoch seconds at which DynamoDB may delete the row (TTL): 7 days after
   * it was accepted, or redriven. Absent while DEAD_LETTERED: a dead letter
   * stays listed until an operator redrives it, however long that takes.
   */
  readonly ttl?: number;
}

/** How long a view row lives. */
export const REQUEST_VIEW_TTL_SECONDS = 7 * 24 * 60 * 60;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Folds one event into a view (undefined before `request.accepted`). Pure;
 * {@link foldRequestView} is `events.reduce(evolveRequestView, undefined)`.
 */
export function evolveRequestView(
  view: RequestView | undefined,
  stored: StoredEvent,
): RequestView | undefined {
  const event = asLifecycleEvent(stored);
  if (event?.type === 'request.accepted') return acceptedView(event);
  if (!view) return undefined;
  const next: Mutable<RequestView> = { ...view, lastSeq: stored.seq };
  if (event) evolve(next, event);
  return next;
}

function acceptedView(event: LifecycleEventOf<'request.accepted'>): RequestView {
  const { data } = event;
  return {
    requestKey: event.requestKey,
    requestId: data.clientRequestId,
    tenantId: event.tenantId,
    userId: event.userId,
    action: data.action,
    ...(data.connectionId ? { connectionId: data.connectionId } : {}),
    status: 'PENDING',
    progress: 0,
    retryCount: 0,
    maxRetries: Math.max(0, data.maxAttempts - 1),
    lastSeq: event.seq,
    createdAt: event.at,
    ttl: Math.floor(event.at / 1000) + REQUEST_VIEW_TTL_SECONDS,
  };
}

const FINISHED: ReadonlySet<RequestStatus> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'DEAD_LETTERED',
]);

/**
 * Applies one event to a copy of the view. Once the request has finished,
 * stray step events (from a runner that had not yet seen the end) no longer
 * change its status; only redrive bookkeeping does.
 */
function evolve(next: Mutable<RequestView>, event: LifecycleEvent): void {
  const finished = FINISHED.has(next.status);
  switch (event.type) {
    case 'step.started':
      if (!finished) onStepStarted(next, event.data.attempt, event.at);
      break;
    case 'step.progress':
      onProgress(next, event.data);
      break;
    case 'step.failed':
      if (!finished) onStepFailed(next, event.data);
      break;
    case 'step.completed':
      if (!finished) delete next.error;
      break;
    case 'request.queued':
      if (!finished) {
        next.status = 'QUEUED';
        next.queuePosition = event.data.position;
      }
      break;
    case 'request.completed':
      next.progress = 100;
      next.result = event.data.output;
      delete next.error;
      end(next, 'COMPLETED', event.at);
      break;
    case 'request.failed':
      next.error = failureFrameError(event.data.error);
      end(next, 'FAILED', event.at);
      break;
    case 'request.cancelled':
      next.error = { code: 'CANCELLED', message: event.data.reason ?? CANCELLED_MESSAGE };
      end(next, 'CANCELLED', event.at);
      break;
    case 'request.dead_lettered':
      next.status = 'DEAD_LETTERED';
      delete next.ttl;
      break;
    case 'request.redriven':
      onRedriven(next, event.at);
      break;
    default:
      break;
  }
}

function onStepStarted(next: Mutable<RequestView>, attempt: number, at: number): void {
  next.status = 'PROCESSING';
  next.processingStarted ??= at;
  next.retryCount = attempt - 1;
  delete next.retryAfter;
  delete next.queuePosition;
}

/** Progress never goes down: a lower report (a resumed step repeating itself) is ignored. */
function onProgress(next: Mutable<RequestView>, data: LifecycleEventData['step.progress']): void {
  if (data.percentage < next.progress) return;
  next.progress = data.percentage;
  next.progressMessage = data.message;
}

function onStepFailed(next: Mutable<RequestView>, data: LifecycleEventData['step.failed']): void {
  next.error = failureFrameError(data.error);
  if (data.retryAt === undefined) return;
  next.status = 'RETRYING';
  next.retryCount = data.attempt;
  next.retryAfter = data.retryAt;
}

function end(next: Mutable<RequestView>, status: RequestStatus, at: number): void {
  next.status = status;
  delete next.retryAfter;
  delete next.queuePosition;
  next.processingEnded = at;
}

/** A redrive opens a new epoch: pending again, with a fresh 7 days of TTL from now. */
function onRedriven(next: Mutable<RequestView>, at: number): void {
  next.status = 'PENDING';
  next.ttl = Math.floor(at / 1000) + REQUEST_VIEW_TTL_SECONDS;
  next.retryCount = 0;
  delete next.retryAfter;
  delete next.processingEnded;
}

/**
 * The view of a request from its whole log, or undefined for an empty log.
 *
 * @example
 * const view = foldRequestView(await store.read(toRequestKey('acme', 'r1')));
 * view?.status; // 'PROCESSING'
 */
export function foldRequestView(events: readonly StoredEvent[]): RequestView | undefined {
  let view: RequestView | undefined;
  for (const event of events) view = evolveRequestView(view, event);
  return view;
}
