import { z } from 'zod';
import { checkRequestId } from './clientMessage';
import { ProtocolError } from './errorCodes';

/**
 * The engine actions: built into the router, not workflows. Each names its
 * target request in the payload and is answered by a `response` (or an
 * `error`) carrying the action message's own id; `ping` gets a `pong`. The
 * inspection actions `list`, `describe` and `history` are parsed in
 * `inspectActions.ts`.
 */
export const ENGINE_ACTIONS = [
  'status',
  'subscribe',
  'unsubscribe',
  'cancel',
  'signal',
  'ping',
  'list',
  'describe',
  'history',
] as const;

/** One of {@link ENGINE_ACTIONS}. */
export type EngineAction = (typeof ENGINE_ACTIONS)[number];

/** Whether `action` is an engine action rather than a workflow. */
export function isEngineAction(action: string): action is EngineAction {
  return (ENGINE_ACTIONS as readonly string[]).includes(action);
}

/** A readable validation issue: where, and what is wrong. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

const target = {
  request_id: z.unknown().optional(),
  id: z.unknown().optional(),
};

const payloadSchemas = {
  status: z.object(target),
  unsubscribe: z.object(target),
  subscribe: z.object({ ...target, last_seq: z.number().int().min(0).optional() }),
  cancel: z.object({ ...target, reason: z.string().max(500).optional() }),
  signal: z.object({
    ...target,
    event: z.looseObject({ type: z.string().min(1).max(128) }),
  }),
};

/** The payload of `status` and `unsubscribe`. */
export interface TargetPayload {
  /** The client's id of the target request. */
  readonly requestId: string;
}

/** The payload of `subscribe`. */
export interface SubscribePayload extends TargetPayload {
  /** Replay every frame of the request after this `seq`; absent: live frames only. */
  readonly lastSeq?: number;
}

/** The payload of `cancel`. */
export interface CancelPayload extends TargetPayload {
  readonly reason?: string;
}

/** The payload of `signal`. */
export interface SignalPayload extends TargetPayload {
  /** The XState event to send to the waiting workflow. */
  readonly event: { readonly type: string; readonly [key: string]: unknown };
}

/** The parsed payload of each engine action that has one. */
export interface EngineActionPayloads {
  status: TargetPayload;
  unsubscribe: TargetPayload;
  subscribe: SubscribePayload;
  cancel: CancelPayload;
  signal: SignalPayload;
}

/** Turns zod issues into readable `{ path, message }` pairs rooted at `root`. */
export function toValidationIssues(error: z.ZodError, root: string): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [root, ...issue.path.map(String)].filter((part) => part !== '').join('.'),
    message: issue.message,
  }));
}

/**
 * Validates the payload of an engine action. `payload.request_id` names the
 * target (`payload.id` is accepted as an alias). Throws `VALIDATION_ERROR`
 * with readable issues, carrying `messageId` as the frame's `request_id`.
 *
 * @example
 * parseEngineActionPayload('subscribe', { request_id: 'r1', last_seq: 3 }, 'm1');
 * // { requestId: 'r1', lastSeq: 3 }
 */
export function parseEngineActionPayload<A extends keyof EngineActionPayloads>(
  action: A,
  payload: unknown,
  messageId: string | undefined,
): EngineActionPayloads[A] {
  const parsed = payloadSchemas[action].safeParse(payload ?? {});
  if (!parsed.success) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      `Invalid ${action} payload`,
      { issues: toValidationIssues(parsed.error, 'payload') },
      { requestId: messageId },
    );
  }
  const data: Record<string, unknown> = parsed.data;
  const rawTarget = data.request_id ?? data.id;
  if (rawTarget === undefined) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      `${action} needs payload.request_id, the id of the request it is about`,
      { issues: [{ path: 'payload.request_id', message: 'Required' }] },
      { requestId: messageId },
    );
  }
  const requestId = checkRequestId(rawTarget, 'payload.request_id', messageId);
  const result: Record<string, unknown> = { requestId };
  if (data.last_seq !== undefined) result.lastSeq = data.last_seq;
  if (data.reason !== undefined) result.reason = data.reason;
  if (data.event !== undefined) result.event = data.event;
  return result as unknown as EngineActionPayloads[A];
}
