import { ScanCommand } from '@aws-sdk/client-dynamodb';
import WebSocket from 'ws';
import { createWorkflowRegistry } from '../../src/engine';
import type { ServerFrame } from '../../src/protocol';
import type { TableRole } from '../../src/tables/definitions';
import { createDemoWorkflows } from '../../src/workflows';
import { createApprovalWorkflow } from './approvalWorkflow';
import { recordFrames } from './frameRecorder';
import { type StackHarness, startStackHarness } from './localStackHarness';
import { createTestIssuer, type TestIssuer } from './tokens';

/** A client of the stack as an attacker drives it: raw sends, the next frame, the close code. */
export interface AttackClient {
  readonly socket: WebSocket;
  readonly frames: ServerFrame[];
  /** Sends `message` (JSON-encoded unless a string) and resolves with the next frame. */
  request(message: unknown): Promise<ServerFrame>;
  send(message: unknown): void;
  /** Resolves with the first frame received (already or later) that matches. */
  waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  /** Resolves with the close code once the socket closes. */
  closed(): Promise<number>;
  close(): Promise<void>;
}

/** The real local stack, trusting a test issuer's key, with the demos and the approval workflow. */
export interface SecurityStack {
  readonly harness: StackHarness;
  readonly issuer: TestIssuer;
  /** Connects with a token minted for `claims` (`sub`/`tenant_id` default to `user-1`/`tenant-a`). */
  connect(claims?: Record<string, unknown>): Promise<AttackClient>;
  /** The HTTP status of an upgrade with `token` (101 when accepted); null sends no token. */
  connectStatus(token: string | null, via?: 'query' | 'header'): Promise<number>;
  /** Items in one of the stack's tables (a consistent scan: tests compare before and after). */
  count(table: TableRole): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the stack for the security suite. */
export async function startSecurityStack(): Promise<SecurityStack> {
  const issuer = await createTestIssuer();
  const harness = await startStackHarness({
    registry: createWorkflowRegistry([
      ...Object.values(createDemoWorkflows({ speed: 20 })),
      createApprovalWorkflow(),
    ]),
    jwt: { publicKeyPem: issuer.publicKeyPem, issuer: issuer.issuer, audience: issuer.audience },
  });
  const clients: AttackClient[] = [];
  const url = harness.stack.url;
  return {
    harness,
    issuer,
    async connect(claims) {
      const client = await openAttackClient(`${url}?Authorization=${await issuer.mint(claims)}`);
      clients.push(client);
      return client;
    },
    connectStatus: (token, via = 'query') => upgradeStatus(url, token, via),
    async count(table) {
      const { Count } = await harness.stack.dynamo.send(
        new ScanCommand({
          TableName: harness.stack.tables[table],
          Select: 'COUNT',
          ConsistentRead: true,
        }),
      );
      return Count ?? 0;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close()));
      await harness.stop();
    },
  };
}

function openAttackClient(url: string): Promise<AttackClient> {
  const socket = new WebSocket(url);
  const { frames, waitFrom } = recordFrames(socket);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const send = (message: unknown) =>
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  const client: AttackClient = {
    socket,
    frames,
    send,
    request(message) {
      const start = frames.length;
      send(message);
      return waitFrom(start, () => true, 15_000);
    },
    waitFor: (predicate, timeoutMs = 30_000) => waitFrom(0, predicate, timeoutMs),
    closed: () => closed,
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      socket.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`connect refused: ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

function upgradeStatus(
  url: string,
  token: string | null,
  via: 'query' | 'header',
): Promise<number> {
  const target = token !== null && via === 'query' ? `${url}?Authorization=${token}` : url;
  const headers = token !== null && via === 'header' ? { Authorization: `Bearer ${token}` } : {};
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}
