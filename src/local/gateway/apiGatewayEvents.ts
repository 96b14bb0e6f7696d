import { randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { WebSocketEvent, WebSocketRequestContext } from '../../lambdas/webSocketEvent';

/** What the gateway knows about the API it emulates. */
export interface ApiFacts {
  readonly apiId: string;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  /** `host:port` the clients dialled, as `requestContext.domainName`. */
  readonly domainName: string;
}

/** What the gateway knows about one connection. */
export interface ConnectionFacts {
  readonly connectionId: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly authorizer?: Readonly<Record<string, string | number | boolean | null | undefined>>;
}

/** The handshake request, flattened the way API Gateway passes it. */
export interface HandshakeFacts {
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: Record<string, string>;
  readonly multiValueQueryStringParameters: Record<string, string[]>;
}

/** A connection id shaped like API Gateway's (16 base64 characters, e.g. `L0SM9cOFvHcCIhw=`). */
export function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function requestTime(at: number): string {
  // API Gateway's CLF-like format: 09/Apr/2015:12:34:56 +0000
  const date = new Date(at);
  const month = MONTHS[date.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The ARN an authorizer is asked about for a route: `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<route>`. */
export function methodArn(api: ApiFacts, routeKey: string): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/${routeKey}`;
}

function requestContext(
  api: ApiFacts,
  connection: ConnectionFacts,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
  at: number,
): WebSocketRequestContext {
  const requestId = randomUUID();
  return {
    routeKey,
    messageId: eventType === 'MESSAGE' ? randomBytes(12).toString('base64') : '',
    eventType,
    extendedRequestId: requestId,
    requestTime: requestTime(at),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: at,
    identity: {
      sourceIp: connection.sourceIp,
      ...(connection.userAgent && { userAgent: connection.userAgent }),
    },
    requestId,
    domainName: api.domainName,
    connectionId: connection.connectionId,
    apiId: api.apiId,
    ...(connection.authorizer && { authorizer: connection.authorizer }),
  };
}

/** The REQUEST authorizer event for a `$connect` handshake. */
export function authorizerEvent(
  api: ApiFacts,
  connection: ConnectionFacts,
  handshake: HandshakeFacts,
  at: number,
): APIGatewayRequestAuthorizerEvent {
  const context = requestContext(api, connection, '$connect', 'CONNECT', at);
  return {
    type: 'REQUEST',
    methodArn: methodArn(api, '$connect'),
    resource: '$connect',
    path: '/',
    httpMethod: 'GET',
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    pathParameters: {},
    queryStringParameters: handshake.queryStringParameters,
    multiValueQueryStringParameters: handshake.multiValueQueryStringParameters,
    stageVariables: {},
    requestContext: {
      ...context,
      accountId: api.accountId,
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      path: `/${api.stage}`,
      resourceId: '$connect',
      resourcePath: '/',
      identity: {
        sourceIp: connection.sourceIp,
        userAgent: connection.userAgent ?? null,
      } as APIGatewayRequestAuthorizerEvent['requestContext']['identity'],
    },
  };
}

/** The `$connect` integration event (after the authorizer allowed it). */
export function connectEvent(
  api: ApiFacts,
  connection: ConnectionFacts,
  handshake: HandshakeFacts,
  at: number,
): WebSocketEvent {
  return {
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    queryStringParameters: handshake.queryStringParameters,
    multiValueQueryStringParameters: handshake.multiValueQueryStringParameters,
    requestContext: requestContext(api, connection, '$connect', 'CONNECT', at),
    isBase64Encoded: false,
  };
}

/** A `$default` event for one client message. */
export function messageEvent(
  api: ApiFacts,
  connection: ConnectionFacts,
  body: string,
  at: number,
): WebSocketEvent {
  return {
    requestContext: requestContext(api, connection, '$default', 'MESSAGE', at),
    body,
    isBase64Encoded: false,
  };
}

/** The `$disconnect` event, with the close code and reason. */
export function disconnectEvent(
  api: ApiFacts,
  connection: ConnectionFacts,
  statusCode: number,
  reason: string,
  at: number,
): WebSocketEvent {
  return {
    headers: {},
    multiValueHeaders: {},
    requestContext: {
      ...requestContext(api, connection, '$disconnect', 'DISCONNECT', at),
      disconnectStatusCode: statusCode,
      disconnectReason: reason,
    },
    isBase64Encoded: false,
  };
}
