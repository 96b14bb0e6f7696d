import { identityFromAuthorizer } from '../auth/identity';
import { encodeFrame, errorFrame } from '../protocol';
import { type RouterDeps, routeMessage } from './router';

/** The parts of a `$default` event the router reads. */
export interface MessageEvent {
  readonly requestContext: {
    readonly connectionId: string;
    readonly authorizer?: Readonly<Record<string, unknown>>;
  };
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** A routed `$default` event: the route response body, plus what the handler logs. */
export interface RoutedEvent {
  /** The reply frame, encoded: the route response's `body`. */
  readonly body: string;
  readonly ok: boolean;
  /** True when the failure is ours (log as error), not the client's. */
  readonly internal: boolean;
  readonly cause?: unknown;
  /** `connection_id`, `user_id`, `tenant_id`, `action`, `request_id`, `status`. */
  readonly logFields: Readonly<Record<string, unknown>>;
}

/**
 * Routes one `$default` event: the identity comes only from the authorizer
 * context (a message without one is answered `UNAUTHORIZED`, failing closed),
 * then {@link routeMessage}.
 */
export async function routeEvent(deps: RouterDeps, event: MessageEvent): Promise<RoutedEvent> {
  const { connectionId, authorizer } = event.requestContext;
  let identity: ReturnType<typeof identityFromAuthorizer>;
  try {
    identity = identityFromAuthorizer(authorizer);
  } catch (error) {
    const frame = errorFrame({ code: 'UNAUTHORIZED', message: 'Not authorized' }, deps.clock());
    return {
      body: encodeFrame(frame),
      ok: false,
      internal: true,
      cause: error,
      logFields: { connection_id: connectionId, tenant_id: null, status: 'UNAUTHORIZED' },
    };
  }
  const outcome = await routeMessage(deps, {
    connectionId,
    identity,
    body: event.body,
    ...(event.isBase64Encoded !== undefined && { isBase64Encoded: event.isBase64Encoded }),
  });
  return {
    body: encodeFrame(outcome.frame),
    ok: outcome.status === 'ok',
    internal: outcome.internal === true,
    ...(outcome.cause !== undefined && { cause: outcome.cause }),
    logFields: {
      connection_id: connectionId,
      user_id: identity.userId,
      tenant_id: identity.tenantId,
      action: outcome.action,
      request_id: outcome.requestId,
      status: outcome.errorCode ?? 'OK',
    },
  };
}
