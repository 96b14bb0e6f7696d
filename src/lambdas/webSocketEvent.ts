import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
  Context,
} from 'aws-lambda';

/**
 * The `requestContext` API Gateway gives WebSocket route integrations,
 * completed with what `@types/aws-lambda` leaves out: the Lambda
 * authorizer's context, the caller identity and the disconnect facts.
 */
export interface WebSocketRequestContext extends APIGatewayEventWebsocketRequestContextV2 {
  /** The authorizer's flat context plus `principalId` (present after a Lambda authorizer). */
  readonly authorizer?: Readonly<Record<string, string | number | boolean | null | undefined>>;
  readonly identity: { readonly sourceIp: string; readonly userAgent?: string };
  /** `$disconnect` only: the WebSocket close code. */
  readonly disconnectStatusCode?: number;
  /** `$disconnect` only: the close reason. */
  readonly disconnectReason?: string;
}

/** A `$connect`, `$disconnect` or `$default` event (`$connect` also carries the handshake headers and query). */
export type WebSocketEvent =
  APIGatewayProxyWebsocketEventV2WithRequestContext<WebSocketRequestContext> & {
    readonly headers?: Readonly<Record<string, string>>;
    readonly multiValueHeaders?: Readonly<Record<string, string[]>>;
  };

/** A WebSocket route handler as Lambda runs it. */
export type WebSocketHandler = (
  event: WebSocketEvent,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;
