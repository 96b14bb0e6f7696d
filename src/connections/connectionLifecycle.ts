import { type Identity, identityFromAuthorizer, MissingIdentityError } from '../auth/identity';
import { type ConnectionStore, newConnectionRecord } from './connectionStore';
import type { SubscriptionStore } from './subscriptionStore';

/** What API Gateway tells `$connect` about a new connection. */
export interface OpenConnectionInput {
  readonly connectionId: string;
  /** From the authorizer context. */
  readonly identity: Identity;
  /** Management API endpoint reaching the connection. */
  readonly endpoint: string;
  readonly connectedAt: number;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/**
 * Stores the record of a connection that passed the authorizer (TTL 24 h).
 *
 * @example
 * await openConnection(connections, { connectionId, identity, endpoint, connectedAt: Date.now() });
 */
export async function openConnection(
  connections: ConnectionStore,
  input: OpenConnectionInput,
): Promise<void> {
  await connections.put(
    newConnectionRecord({
      connectionId: input.connectionId,
      userId: input.identity.userId,
      tenantId: input.identity.tenantId,
      endpoint: input.endpoint,
      connectedAt: input.connectedAt,
      metadata: {
        ...(input.sourceIp && { sourceIp: input.sourceIp }),
        ...(input.userAgent && { userAgent: input.userAgent.slice(0, 256) }),
      },
    }),
  );
}

/**
 * Forgets a connection that closed: its record and every subscription it
 * held. Returns how many subscriptions were removed.
 */
export async function closeConnection(
  connections: ConnectionStore,
  subscriptions: SubscriptionStore,
  connectionId: string,
): Promise<number> {
  const [, removed] = await Promise.all([
    connections.delete(connectionId),
    subscriptions.deleteByConnection(connectionId),
  ]);
  return removed;
}

/**
 * The Management API endpoint of the API a route event came through:
 * `https://<domainName>/<stage>`, or `http://` for a loopback domain (the
 * local gateway).
 */
export function managementEndpointOf(requestContext: {
  readonly domainName: string;
  readonly stage: string;
}): string {
  const loopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(requestContext.domainName);
  return `${loopback ? 'http' : 'https'}://${requestContext.domainName}/${requestContext.stage}`;
}

/** The parts of a `$connect` event's `requestContext` the connect route reads. */
export interface ConnectRequestContext {
  readonly connectionId: string;
  readonly domainName: string;
  readonly stage: string;
  readonly authorizer?: Readonly<Record<string, unknown>>;
  readonly identity: { readonly sourceIp: string; readonly userAgent?: string };
}

/** What the connect route did: the status for API Gateway and the facts to log. */
export interface ConnectOutcome {
  /** 200, or 401 when the event has no authorizer identity (the upgrade is refused). */
  readonly statusCode: 200 | 401;
  readonly logFields: Readonly<Record<string, unknown>>;
}

/**
 * The `$connect` logic: reads the identity from the authorizer context only
 * and stores the connection record; refuses (401) an event without one.
 */
export async function connectFromEvent(
  connections: ConnectionStore,
  context: ConnectRequestContext,
  now: number,
): Promise<ConnectOutcome> {
  let identity: Identity;
  try {
    identity = identityFromAuthorizer(context.authorizer);
  } catch (error) {
    if (!(error instanceof MissingIdentityError)) throw error;
    return {
      statusCode: 401,
      logFields: { connection_id: context.connectionId, tenant_id: null, status: 401 },
    };
  }
  await openConnection(connections, {
    connectionId: context.connectionId,
    identity,
    endpoint: managementEndpointOf(context),
    connectedAt: now,
    sourceIp: context.identity.sourceIp,
    ...(context.identity.userAgent && { userAgent: context.identity.userAgent }),
  });
  const logFields = {
    connection_id: context.connectionId,
    user_id: identity.userId,
    tenant_id: identity.tenantId,
    status: 200,
  };
  return { statusCode: 200, logFields };
}
