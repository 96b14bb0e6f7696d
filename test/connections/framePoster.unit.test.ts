import {
  type ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  type PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import {
  FramePostError,
  FrameTooLargeError,
  InMemoryConnectionStore,
  InMemorySubscriptionStore,
  ManagementApiFramePoster,
  newConnectionRecord,
  newSubscriptionRecord,
} from '../../src/connections';
import { pongFrame, responseFrame } from '../../src/protocol';

const meta = { $metadata: {} };

function fakeClient(answers: (Error | 'ok')[]) {
  const sent: PostToConnectionCommand[] = [];
  const client = {
    send: async (command: PostToConnectionCommand) => {
      sent.push(command);
      const answer = answers.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      return {};
    },
  } as unknown as ApiGatewayManagementApiClient;
  return { client, sent };
}

function serverError(status: number): Error {
  return Object.assign(new Error(`HTTP ${status}`), {
    name: 'InternalServerError',
    $metadata: { httpStatusCode: status },
  });
}

async function setup(answers: (Error | 'ok')[]) {
  const connections = new InMemoryConnectionStore();
  const subscriptions = new InMemorySubscriptionStore();
  await connections.put(
    newConnectionRecord({
      connectionId: 'c1',
      userId: 'u',
      tenantId: 't',
      endpoint: 'http://x',
      connectedAt: 0,
    }),
  );
  await subscriptions.put(
    newSubscriptionRecord({
      requestKey: 't#r1',
      connectionId: 'c1',
      tenantId: 't',
      userId: 'u',
      requestId: 'r1',
      subscribedAt: 0,
    }),
  );
  const { client, sent } = fakeClient(answers);
  const sleeps: number[] = [];
  const poster = new ManagementApiFramePoster({
    client,
    connections,
    subscriptions,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  return { poster, sent, sleeps, connections, subscriptions };
}

describe('ManagementApiFramePoster', () => {
  it('posts the JSON frame to the connection', async () => {
    const { poster, sent } = await setup(['ok']);
    await expect(poster.post('c1', pongFrame(7))).resolves.toBe('sent');
    expect(sent[0]?.input.ConnectionId).toBe('c1');
    expect(new TextDecoder().decode(sent[0]?.input.Data as Uint8Array)).toBe(
      '{"type":"pong","timestamp":7}',
    );
  });

  it('on 410 deletes the connection record and its subscriptions and reports gone', async () => {
    const { poster, connections, subscriptions } = await setup([
      new GoneException({ message: 'gone', ...meta }),
    ]);
    await expect(poster.post('c1', pongFrame(1))).resolves.toBe('gone');
    expect(await connections.get('c1')).toBeUndefined();
    expect(await subscriptions.listByRequest('t#r1')).toEqual([]);
  });

  it('retries throttling and 5xx with growing backoff, then succeeds', async () => {
    const { poster, sent, sleeps } = await setup([
      new LimitExceededException({ message: 'slow down', ...meta }),
      serverError(503),
      'ok',
    ]);
    await expect(poster.post('c1', pongFrame(1))).resolves.toBe('sent');
    expect(sent).toHaveLength(3);
    expect(sleeps).toEqual([25, 50]);
  });

  it('gives up after the last attempt with a retryable FramePostError', async () => {
    const { poster, sent } = await setup([
      serverError(500),
      serverError(500),
      serverError(500),
      serverError(500),
    ]);
    const error = await poster.post('c1', pongFrame(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FramePostError);
    expect(error).toMatchObject({ attempts: 4, retryable: true });
    expect(sent).toHaveLength(4);
  });

  it('does not retry a 403', async () => {
    const { poster, sent } = await setup([
      Object.assign(new ForbiddenException({ message: 'no', $metadata: { httpStatusCode: 403 } })),
    ]);
    await expect(poster.post('c1', pongFrame(1))).rejects.toMatchObject({
      retryable: false,
      attempts: 1,
    });
    expect(sent).toHaveLength(1);
  });

  it('refuses a frame over 128 KiB without calling the API', async () => {
    const { poster, sent } = await setup([]);
    const huge = responseFrame('r1', 'x'.repeat(128 * 1024), 1);
    await expect(poster.post('c1', huge)).rejects.toBeInstanceOf(FrameTooLargeError);
    expect(sent).toHaveLength(0);
  });
});
