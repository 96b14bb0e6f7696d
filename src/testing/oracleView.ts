import type { StoredEvent } from '../events/event';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';

/**
 * A second, deliberately plain reading of DESIGN §3's request view, written
 * from the spec and the event catalogue without the projection code, so
 * that the projector's stored view and `status` can be checked against
 * something other than themselves (invariant 8). Each field is one small
 * rule over the log.
 */

/**
 * The fields of the view, as the oracle derives them.
 *
 * @example
 * const expected: OracleView | undefined = oracleView(await engine.log('e1'));
 */
export type OracleView = Readonly<Record<string, unknown>>;

const WEEK_SECONDS = 7 * 24 * 60 * 60;
const ENDED = ['COMPLETED', 'FAILED', 'CANCELLED', 'DEAD_LETTERED'];

/**
 * The view fields a client sees after `log`, or undefined when the log has
 * no `request.accepted` first.
 *
 * @example
 * oracleView(await engine.log('r1'))?.status; // 'COMPLETED'
 */
export function oracleView(log: readonly StoredEvent[]): OracleView | undefined {
  const [first] = log;
  if (first?.type !== 'request.accepted') return undefined;
  const accepted = first.data as LifecycleEventData['request.accepted'];
  const fields: Record<string, unknown> = {
    requestKey: first.requestKey,
    requestId: accepted.clientRequestId,
    tenantId: first.tenantId,
    userId: first.userId,
    action: accepted.action,
    connectionId: accepted.connectionId,
    createdAt: first.at,
    ttl: Math.floor(first.at / 1000) + WEEK_SECONDS,
    maxRetries: Math.max(0, accepted.maxAttempts - 1),
    lastSeq: log.at(-1)?.seq,
    ...walk(log.slice(1)),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

interface Walk {
  status: string;
  progress: number;
  progressMessage?: string;
  result?: unknown;
  error?: unknown;
  retryCount: number;
  retryAfter?: number;
  processingStarted?: number;
  processingEnded?: number;
  /** Set (to a value, or to undefined: no expiry) only by events that change the row's expiry. */
  ttl?: number | undefined;
}

/** The fields that change along the log, one event type at a time. */
function walk(events: readonly StoredEvent[]): Walk {
  const v: Walk = { status: 'PENDING', progress: 0, retryCount: 0 };
  for (const event of events) {
    const open = !ENDED.includes(v.status);
    const rule = RULES[event.type];
    if (rule) rule(v, event.data as never, event, open);
  }
  return v;
}

type Rule = (v: Walk, data: never, event: StoredEvent, open: boolean) => void;

const RULES: Readonly<Record<string, Rule>> = {
  'step.started': (v, data: LifecycleEventData['step.started'], event, open) => {
    if (!open) return;
    v.status = 'PROCESSING';
    v.retryCount = data.attempt - 1;
    v.retryAfter = undefined;
    if (v.processingStarted === undefined) v.processingStarted = event.at;
  },
  'step.progress': (v, data: LifecycleEventData['step.progress']) => {
    // Never down: an equal report still refreshes the message.
    if (data.percentage >= v.progress) {
      v.progress = data.percentage;
      v.progressMessage = data.message;
    }
  },
  'step.failed': (v, data: LifecycleEventData['step.failed'], _event, open) => {
    if (!open) return;
    v.error = clientError(data.error);
    if (data.retryAt !== undefined) {
      v.status = 'RETRYING';
      v.retryCount = data.attempt;
      v.retryAfter = data.retryAt;
    }
  },
  'step.completed': (v, _data, _event, open) => {
    if (open) v.error = undefined;
  },
  'request.completed': (v, data: LifecycleEventData['request.completed'], event) => {
    finish(v, 'COMPLETED', event.at);
    v.progress = 100;
    v.result = data.output;
    v.error = undefined;
  },
  'request.failed': (v, data: LifecycleEventData['request.failed'], event) => {
    finish(v, 'FAILED', event.at);
    v.error = clientError(data.error);
  },
  'request.cancelled': (v, data: LifecycleEventData['request.cancelled'], event) => {
    finish(v, 'CANCELLED', event.at);
    v.error = { code: 'CANCELLED', message: data.reason ?? 'Request cancelled' };
  },
  // A dead letter stays listed until it is redriven: no expiry while it waits.
  'request.dead_lettered': (v) => {
    v.status = 'DEAD_LETTERED';
    v.ttl = undefined;
  },
  'request.redriven': (v, _data, event) => {
    v.status = 'PENDING';
    v.ttl = Math.floor(event.at / 1000) + WEEK_SECONDS;
    v.retryCount = 0;
    v.retryAfter = undefined;
    v.processingEnded = undefined;
  },
};

function finish(v: Walk, status: string, at: number): void {
  v.status = status;
  v.retryAfter = undefined;
  v.processingEnded = at;
}

/** The error a client is shown for a recorded failure (protocol: `TIMEOUT` for timeouts). */
function clientError(error: RecordedError): unknown {
  return {
    code: error.name === 'TimeoutError' ? 'TIMEOUT' : 'PROCESSING_FAILED',
    message: error.message,
    details: {
      name: error.name,
      retryable: error.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/**
 * The first field where `actual` and the oracle differ, or undefined when they agree.
 *
 * @example
 * viewDifference(await engine.view('r1'), oracleView(await engine.log('r1'))); // undefined
 */
export function viewDifference(
  actual: object | undefined,
  expected: OracleView | undefined,
): string | undefined {
  if (!actual || !expected) {
    return actual === expected
      ? undefined
      : `view ${actual ? 'exists' : 'missing'}, oracle ${expected ? 'exists' : 'missing'}`;
  }
  if (canonicalJson(actual) === canonicalJson(expected)) return undefined;
  const record = actual as Record<string, unknown>;
  const names = new Set([...Object.keys(record), ...Object.keys(expected)]);
  for (const name of names) {
    const a = canonicalJson(record[name]);
    const e = canonicalJson(expected[name]);
    if (a !== e) return `${name}: stored ${a ?? 'undefined'}, oracle ${e ?? 'undefined'}`;
  }
  return undefined;
}

/** JSON with object keys sorted, so key order does not count as a difference. */
export function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
