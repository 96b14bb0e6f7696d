import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import type { WebSocketEvent } from '../../src/lambdas/webSocketEvent';

/** A `$connect` REQUEST authorizer event as API Gateway sends it (`@types/aws-lambda` shape). */
export function authorizerEvent(
  auth: { query?: string; header?: string } = {},
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/$connect',
    resource: '$connect',
    path: '/prod',
    httpMethod: 'GET',
    headers: auth.header
      ? { Authorization: auth.header, Host: 'abcdef1234.execute-api.eu-west-1.amazonaws.com' }
      : {},
    multiValueHeaders: {},
    pathParameters: {},
    queryStringParameters: auth.query ? { Authorization: auth.query } : {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: undefined,
      connectionId: 'L0SM9cOFvHcCIhw=',
      domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
      eventType: 'CONNECT',
      routeKey: '$connect',
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      identity: {
        sourceIp: '203.0.113.9',
      } as APIGatewayRequestAuthorizerEvent['requestContext']['identity'],
      path: '/prod',
      stage: 'prod',
      requestId: 'req-1',
      requestTimeEpoch: 1_767_225_600_000,
      resourceId: '$connect',
      resourcePath: '$connect',
    },
  };
}

function context(
  routeKey: string,
  eventType: APIGatewayEventWebsocketRequestContextV2['eventType'],
): APIGatewayEventWebsocketRequestContextV2 {
  return {
    routeKey,
    messageId: eventType === 'MESSAGE' ? 'msg-1' : '',
    eventType,
    extendedRequestId: 'ext-1',
    requestTime: '01/Jan/2026:00:00:00 +0000',
    messageDirection: 'IN',
    stage: 'prod',
    connectedAt: 1_767_225_600_000,
    requestTimeEpoch: 1_767_225_600_000,
    requestId: 'req-2',
    domainName: 'abcdef1234.execute-api.eu-west-1.amazonaws.com',
    connectionId: 'L0SM9cOFvHcCIhw=',
    apiId: 'abcdef1234',
  };
}

/**
 * A WebSocket route event: the `@types/aws-lambda` `APIGatewayProxyWebsocketEventV2`
 * plus what a Lambda authorizer adds (`authorizer`) and the caller `identity`.
 */
export function routeEvent(
  routeKey: '$connect' | '$disconnect' | '$default',
  options: { body?: string; authorizer?: Record<string, string> | null } = {},
): WebSocketEvent {
  const eventType =
    routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE';
  const base: APIGatewayProxyWebsocketEventV2 = {
    requestContext: context(routeKey, eventType),
    isBase64Encoded: false,
    ...(options.body !== undefined && { body: options.body }),
  };
  const authorizer =
    options.authorizer === null
      ? undefined
      : (options.authorizer ?? {
          userId: 'ann',
          tenantId: 'acme',
          permissions: '[]',
          principalId: 'ann',
        });
  return {
    ...base,
    requestContext: {
      ...base.requestContext,
      identity: { sourceIp: '203.0.113.9', userAgent: 'test-agent' },
      ...(authorizer && { authorizer }),
    },
  };
}
