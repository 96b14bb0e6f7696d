import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the Management API needs from the gateway's connection table. */
export interface ManagedConnections {
  /** Sends `data` to the connection; false when it does not exist (any more). */
  send(connectionId: string, data: Buffer): boolean;
  /** Facts for `GetConnection`, or undefined when gone. */
  describe(connectionId: string):
    | {
        readonly connectedAt: number;
        readonly lastActiveAt: number;
        readonly sourceIp: string;
        readonly userAgent?: string;
      }
    | undefined;
  /** Closes the connection; false when it does not exist. */
  disconnect(connectionId: string): boolean;
}

const CONNECTIONS_PATH = /^(?:\/[^/]+)?\/@connections\/([^/?]+)\/?(?:\?.*)?$/;

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return 'too_large';
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Serves API Gateway's Management API on the gateway's HTTP port:
 * `POST /@connections/{id}` (send), `GET` (describe), `DELETE` (disconnect),
 * with an optional leading `/{stage}` as in AWS. A missing connection gets
 * 410 `GoneException`, a body over `maxMessageBytes` 413
 * `PayloadTooLargeException` — the status codes and `x-amzn-errortype`
 * headers `@aws-sdk/client-apigatewaymanagementapi` turns into its typed
 * exceptions. Request signatures are accepted without checking.
 */
export async function handleManagementRequest(
  request: IncomingMessage,
  response: ServerResponse,
  connections: ManagedConnections,
  maxMessageBytes: number,
): Promise<void> {
  const match = CONNECTIONS_PATH.exec(request.url ?? '');
  if (!match?.[1]) {
    sendError(response, 404, 'NotFoundException', 'Not Found');
    return;
  }
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(match[1]);
  } catch {
    sendError(response, 400, 'BadRequestException', 'Invalid connection id');
    return;
  }
  const gone = () =>
    sendError(response, 410, 'GoneException', `Connection ${connectionId} is gone`);
  switch (request.method) {
    case 'POST': {
      const body = await readBody(request, maxMessageBytes);
      if (body === 'too_large') {
        sendError(
          response,
          413,
          'PayloadTooLargeException',
          `Message is over the ${maxMessageBytes}-byte limit`,
        );
        return;
      }
      if (!connections.send(connectionId, body)) return gone();
      response.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    case 'GET': {
      const facts = connections.describe(connectionId);
      if (!facts) return gone();
      const body = JSON.stringify({
        connectedAt: new Date(facts.connectedAt).toISOString(),
        identity: { sourceIp: facts.sourceIp, userAgent: facts.userAgent ?? '' },
        lastActiveAt: new Date(facts.lastActiveAt).toISOString(),
      });
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
      return;
    }
    case 'DELETE': {
      if (!connections.disconnect(connectionId)) return gone();
      response.writeHead(204).end();
      return;
    }
    default:
      sendError(response, 405, 'MethodNotAllowedException', `${request.method} is not supported`);
  }
}
