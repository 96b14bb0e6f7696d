import { ulid } from 'ulid';
import { inject } from 'vitest';
import WebSocket from 'ws';
import type { StoredEvent } from '../../src/events';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../src/local/stack';
import type { ServerFrame } from '../../src/protocol';
import { recordFrames } from './frameRecorder';

/** A WebSocket client of the local stack that records every frame. */
export interface StackClient {
  readonly socket: WebSocket;
  /** Every frame received so far, in arrival order. */
  readonly frames: ServerFrame[];
  send(message: unknown): void;
  /** Resolves with the first frame (already received or later) that matches. */
  waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  close(): Promise<void>;
}

/** The local stack of `npm start`, on the test run's DynamoDB Local, with helpers for tests. */
export interface StackHarness {
  readonly stack: LocalStack;
  /** Opens a client as `sub` of `tenant` (tokens from the stack's dev key). */
  connect(tenant: string, sub?: string): Promise<StackClient>;
  /** The stack's event log. */
  readonly store: DynamoDbEventStore;
  /** The request's whole log. */
  log(tenant: string, requestId: string): Promise<StoredEvent[]>;
  stop(): Promise<void>;
}

/**
 * Starts the real local stack (`startLocalStack`, what `npm start` runs) on
 * the DynamoDB Local of this test run, with its own tables.
 */
export async function startStackHarness(
  options: Omit<LocalStackOptions, 'dynamoDbEndpoint'> = {},
): Promise<StackHarness> {
  // Expected failures (retries, crashes) would otherwise log warnings into the test output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const stack = await startLocalStack({
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tablePrefix: `e2e-${ulid().toLowerCase()}`,
    onError: () => undefined,
    ...options,
  });
  const store = new DynamoDbEventStore({ client: stack.dynamo, tableName: stack.tables.requests });
  const clients: StackClient[] = [];
  return {
    stack,
    store,
    async connect(tenant, sub = `user-of-${tenant}`) {
      const identity = stack.devIdentity;
      if (!identity) throw new Error('the harness needs the stack to generate its dev key');
      const token = await identity.mintToken({ sub, tenant_id: tenant });
      const client = await openClient(`${stack.url}?Authorization=${token}`);
      clients.push(client);
      return client;
    },
    log: (tenant, requestId) => store.read(`${tenant}#${requestId}`),
    async stop() {
      await Promise.all(clients.map((client) => client.close()));
      await stack.stop();
    },
  };
}

/** Opens a WebSocket and records its frames. */
export function openClient(url: string): Promise<StackClient> {
  const socket = new WebSocket(url);
  const { frames, waitFrom } = recordFrames(socket);
  const client: StackClient = {
    socket,
    frames,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitFor: (predicate, timeoutMs = 30_000) => waitFrom(0, predicate, timeoutMs),
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`connect refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

/** The frames about one request, of the given types. */
export function framesOf(
  frames: readonly ServerFrame[],
  requestKey: string,
  types: readonly string[],
): ServerFrame[] {
  return frames.filter(
    (frame) =>
      types.includes(frame.type) && 'request_id' in frame && frame.request_id === requestKey,
  );
}
