import { createConnection } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { WebSocketEvent } from '../../src/lambdas/webSocketEvent';
import {
  type GatewayHandlers,
  type LocalGateway,
  startLocalGateway,
} from '../../src/local/gateway';
import { LOCAL_AWS } from '../../src/local/localAws';

interface Recorded {
  authorizer: APIGatewayRequestAuthorizerEvent[];
  connect: WebSocketEvent[];
  disconnect: WebSocketEvent[];
  default: WebSocketEvent[];
}

function allow(event: APIGatewayRequestAuthorizerEvent): APIGatewayAuthorizerResult {
  return {
    principalId: 'ann',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { userId: 'ann', tenantId: 'acme' },
  };
}

let gateway: LocalGateway | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await gateway?.close();
  gateway = undefined;
});

async function start(
  overrides: Partial<GatewayHandlers> = {},
  options: { idleTimeoutMs?: number; maxConnectionMs?: number } = {},
) {
  const recorded: Recorded = { authorizer: [], connect: [], disconnect: [], default: [] };
  gateway = await startLocalGateway({
    ...options,
    onHandlerError: () => undefined,
    handlers: {
      authorizer: async (event) => {
        recorded.authorizer.push(event);
        return allow(event);
      },
      connect: async (event) => {
        recorded.connect.push(event);
        return { statusCode: 200 };
      },
      disconnect: async (event) => {
        recorded.disconnect.push(event);
        return { statusCode: 200 };
      },
      default: async (event) => {
        recorded.default.push(event);
        return { statusCode: 200, body: `echo:${event.body}` };
      },
      ...overrides,
    },
  });
  const management = new ApiGatewayManagementApiClient({
    endpoint: gateway.managementEndpoint,
    ...LOCAL_AWS,
  });
  return { gateway, recorded, management };
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url, { headers });
    clients.push(client);
    client.once('open', () => resolve(client));
    client.once('unexpected-response', (_, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    client.once('error', reject);
  });
}

function nextMessage(client: WebSocket): Promise<string> {
  return new Promise((resolve) => client.once('message', (data) => resolve(data.toString())));
}

function closed(client: WebSocket): Promise<number> {
  return new Promise((resolve) => client.once('close', (code) => resolve(code)));
}

describe('local API Gateway WebSocket emulator', () => {
  it('runs the authorizer with a REQUEST event on the $connect methodArn, passing query and headers', async () => {
    const { gateway, recorded } = await start();
    await connect(`${gateway.url}/?Authorization=tok`, { 'X-Trace': 't1' });
    const event = recorded.authorizer[0];
    expect(event?.type).toBe('REQUEST');
    expect(event?.methodArn).toBe(
      'arn:aws:execute-api:us-east-1:000000000000:local/local/$connect',
    );
    expect(event?.queryStringParameters).toEqual({ Authorization: 'tok' });
    expect(event?.headers?.['X-Trace']).toBe('t1');
    expect(event?.requestContext.connectionId).toEqual(expect.any(String));
  });

  it('hands $connect and $default the connection id, route key, domain, stage and authorizer context', async () => {
    const { gateway, recorded } = await start();
    const client = await connect(gateway.url);
    const reply = nextMessage(client);
    client.send('hello');
    expect(await reply).toBe('echo:hello');
    const [connectEvent] = recorded.connect;
    const [messageEvent] = recorded.default;
    expect(connectEvent?.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'local',
      domainName: `127.0.0.1:${gateway.port}`,
      authorizer: { userId: 'ann', tenantId: 'acme', principalId: 'ann' },
    });
    expect(messageEvent?.requestContext).toMatchObject({
      routeKey: '$default',
      eventType: 'MESSAGE',
      connectionId: connectEvent?.requestContext.connectionId,
      authorizer: { userId: 'ann', tenantId: 'acme' },
    });
    expect(messageEvent?.body).toBe('hello');
  });

  it('answers 401 when the authorizer throws Unauthorized, 403 on Deny, 500 on any other failure', async () => {
    const expectStatus = async (handlers: Partial<GatewayHandlers>, status: number) => {
      const { gateway, recorded } = await start(handlers);
      await expect(connect(gateway.url)).rejects.toThrow(`HTTP ${status}`);
      expect(recorded.connect).toHaveLength(0);
      await gateway.close();
    };
    await expectStatus(
      {
        authorizer: async () => {
          throw new Error('Unauthorized');
        },
      },
      401,
    );
    await expectStatus(
      {
        authorizer: async (event) => ({
          principalId: 'x',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn },
            ],
          },
        }),
      },
      403,
    );
    await expectStatus(
      {
        authorizer: async (event) => ({
          ...allow(event),
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:other' }],
          },
        }),
      },
      403,
    );
    await expectStatus(
      {
        authorizer: async () => {
          throw new TypeError('bug');
        },
      },
      500,
    );
  });

  it('refuses the connection when $connect answers with an error status', async () => {
    const { gateway } = await start({ connect: async () => ({ statusCode: 403 }) });
    await expect(connect(gateway.url)).rejects.toThrow('HTTP 403');
  });

  it('tells the caller "Internal server error" when $default throws', async () => {
    const { gateway } = await start({
      default: async () => {
        throw new Error('boom');
      },
    });
    const client = await connect(gateway.url);
    const reply = nextMessage(client);
    client.send('x');
    expect(JSON.parse(await reply)).toMatchObject({ message: 'Internal server error' });
  });

  it('serves the Management API to the real SDK client: post, get, delete, 410 for a gone id', async () => {
    const { gateway, management, recorded } = await start();
    const client = await connect(gateway.url);
    const connectionId = recorded.connect[0]?.requestContext.connectionId as string;

    const frame = nextMessage(client);
    await management.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"pong"}' }),
    );
    expect(await frame).toBe('{"type":"pong"}');

    const described = await management.send(
      new GetConnectionCommand({ ConnectionId: connectionId }),
    );
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    expect(described.Identity?.SourceIp).toBe('127.0.0.1');

    const closing = closed(client);
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await closing;
    await vi.waitFor(() =>
      expect(recorded.disconnect[0]?.requestContext.connectionId).toBe(connectionId),
    );

    await expect(
      management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      management.send(new GetConnectionCommand({ ConnectionId: connectionId })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('refuses a Management API post over 128 KiB with PayloadTooLargeException', async () => {
    const { gateway, management, recorded } = await start();
    await connect(gateway.url);
    const connectionId = recorded.connect[0]?.requestContext.connectionId as string;
    await expect(
      management.send(
        new PostToConnectionCommand({
          ConnectionId: connectionId,
          Data: 'x'.repeat(128 * 1024 + 1),
        }),
      ),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);
  });

  it('closes a connection with 1009 when a client message is over 128 KiB, and reports the disconnect', async () => {
    const { gateway, recorded } = await start();
    const client = await connect(gateway.url);
    const closing = closed(client);
    client.send('x'.repeat(128 * 1024 + 1));
    expect(await closing).toBe(1009);
    await vi.waitFor(() =>
      expect(recorded.disconnect[0]?.requestContext.disconnectStatusCode).toBe(1009),
    );
    expect(recorded.default).toHaveLength(0);
  });

  it('closes an idle connection with 1001 and runs $disconnect', async () => {
    const { gateway, recorded } = await start({}, { idleTimeoutMs: 150 });
    const client = await connect(gateway.url);
    expect(await closed(client)).toBe(1001);
    await vi.waitFor(() => expect(recorded.disconnect).toHaveLength(1));
  });

  it('closes a connection with 1001 at the maximum connection time and runs $disconnect', async () => {
    const { gateway, recorded } = await start({}, { maxConnectionMs: 150 });
    const client = await connect(gateway.url);
    expect(await closed(client)).toBe(1001);
    await vi.waitFor(() => expect(recorded.disconnect).toHaveLength(1));
  });

  it('reports $disconnect (1006) when the client drops the connection while $connect runs, and opens nothing', async () => {
    let dropped = () => {};
    const clientGone = new Promise<void>((resolve) => {
      dropped = resolve;
    });
    const { gateway, recorded } = await start({
      connect: async (event) => {
        recorded.connect.push(event);
        client.resetAndDestroy();
        await clientGone;
        // Long enough for the gateway to see the reset.
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { statusCode: 200 };
      },
    });
    const client = createConnection(gateway.port, '127.0.0.1', () =>
      client.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    );
    client.on('error', () => undefined);
    client.on('close', () => dropped());
    await vi.waitFor(() => expect(recorded.disconnect).toHaveLength(1));
    expect(recorded.disconnect[0]?.requestContext.disconnectStatusCode).toBe(1006);
    expect(recorded.disconnect[0]?.requestContext.connectionId).toBe(
      recorded.connect[0]?.requestContext.connectionId,
    );
    expect(gateway.connectionIds()).toEqual([]);
  });
});
