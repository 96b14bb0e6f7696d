/**
 * The load generator: a process of its own (forked by `fork.ts`), so the
 * client side's CPU is not billed to the system under test's event loop. It
 * talks to the gateway (or a raw baseline server) over real sockets, drives
 * each job open-loop and reports histograms back over IPC as JSON.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { WebSocket } from 'ws';
import { LOCAL_AWS } from '../../src/local/localAws';
import { Histogram, openLoop, type ScheduleResult, waitUntil } from '../stats';
import type {
  AsyncJob,
  ConnectJob,
  EchoJob,
  FanOutJob,
  FanOutVia,
  JobMessage,
  JobReply,
  LoadJob,
  LoadResult,
} from './jobs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type OnMessage = (socket: WebSocket, data: Buffer) => void;

/** Opens a socket; `onMessage` is attached before the handshake, so no early frame is missed. */
function openSocket(url: string, onMessage?: OnMessage): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    if (onMessage) socket.on('message', (data) => onMessage(socket, data as Buffer));
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (request, response) => {
      request.destroy();
      reject(new Error(`connect refused: HTTP ${response.statusCode}`));
    });
  });
}

/** Opens `count` sockets, a few at a time (setup is not what these jobs measure). */
async function openMany(url: string, count: number, onMessage?: OnMessage): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Math.min(20, count - i);
    sockets.push(
      ...(await Promise.all(Array.from({ length: batch }, () => openSocket(url, onMessage)))),
    );
  }
  return sockets;
}

async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          if (socket.readyState === WebSocket.OPEN) socket.close(1000);
          else socket.terminate();
          setTimeout(() => socket.terminate(), 2_000).unref();
        }),
    ),
  );
}

function rates(
  schedule: ScheduleResult,
  ok: number,
  lastDoneAt: number,
): { achievedRate: number; sentRate: number } {
  const sendSeconds = Math.max(0.001, (schedule.endedAt - schedule.startedAt) / 1000);
  const doneSeconds = Math.max(0.001, (lastDoneAt - schedule.startedAt) / 1000);
  return {
    achievedRate: ok / Math.max(sendSeconds, doneSeconds),
    sentRate: schedule.sent / sendSeconds,
  };
}

interface Frame {
  readonly type?: string;
  readonly request_id?: string;
  readonly success?: boolean;
  readonly timestamp?: number;
  readonly metadata?: { readonly reportedAt?: unknown };
}

/**
 * Ends a request/answer job: waits up to `drainMs` for the answers still
 * pending, closes the sockets, and builds the figures every such job reports
 * (unanswered requests count as errors).
 */
async function settle(
  job: { readonly rate: number; readonly drainMs: number },
  sockets: readonly WebSocket[],
  pending: ReadonlyMap<string, number>,
  run: { schedule: ScheduleResult; latency: Histogram; errors: number; lastDoneAt: number },
  onDrained: () => void = () => undefined,
) {
  await waitUntil(() => pending.size === 0, job.drainMs);
  onDrained();
  const unanswered = pending.size;
  await closeAll(sockets);
  return {
    unanswered,
    figures: {
      offeredRate: job.rate,
      sent: run.schedule.sent,
      ok: run.latency.count,
      errors: run.errors + unanswered,
      ...rates(run.schedule, run.latency.count, run.lastDoneAt),
      latency: run.latency.toJSON(),
    },
  };
}

async function echo(job: EchoJob): Promise<LoadResult> {
  const sockets = await openMany(job.url, job.connections);
  const pending = new Map<string, number>();
  const latency = new Histogram();
  let errors = 0;
  let lastDoneAt = 0;
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const now = performance.now();
      const frame = JSON.parse(data.toString()) as Frame;
      const due = frame.request_id === undefined ? undefined : pending.get(frame.request_id);
      if (due === undefined || frame.request_id === undefined) return;
      pending.delete(frame.request_id);
      if (frame.type === 'response' && frame.success) {
        latency.record(now - due);
        lastDoneAt = now;
      } else errors++;
    });
  }
  const schedule = await openLoop(job, (i, dueAt) => {
    const id = `e${i}`;
    pending.set(id, dueAt);
    (sockets[i % sockets.length] as WebSocket).send(
      JSON.stringify({ action: 'echo', id, payload: { n: i } }),
    );
  });
  const { unanswered, figures } = await settle(job, sockets, pending, {
    schedule,
    latency,
    errors,
    lastDoneAt,
  });
  return { ...figures, counts: { unanswered } };
}

async function connect(job: ConnectJob): Promise<LoadResult> {
  const sockets: WebSocket[] = [];
  const latency = new Histogram();
  let errors = 0;
  let lastDoneAt = 0;
  const schedule = await openLoop(job, (i, dueAt) => {
    const socket = new WebSocket(job.urls[i % job.urls.length] as string);
    sockets.push(socket);
    let settled = false;
    const fail = () => {
      if (settled) return;
      settled = true;
      errors++;
    };
    socket.once('open', () => {
      if (settled) return;
      settled = true;
      lastDoneAt = performance.now();
      latency.record(lastDoneAt - dueAt);
    });
    socket.on('error', fail);
    socket.once('unexpected-response', (request) => {
      fail();
      request.destroy();
    });
  });
  await waitUntil(() => latency.count + errors >= schedule.sent, 20_000);
  const unanswered = schedule.sent - latency.count - errors;
  await closeAll(sockets);
  return {
    offeredRate: job.rate,
    sent: schedule.sent,
    ok: latency.count,
    errors: errors + unanswered,
    ...rates(schedule, latency.count, lastDoneAt),
    latency: latency.toJSON(),
  };
}

/** The receivers' connection ids, as the connect handler recorded them (by the job's user). */
async function receiverIds(source: Extract<FanOutVia, { via: 'management' }>): Promise<string[]> {
  const dynamo = new DynamoDBClient({
    endpoint: source.dynamoDbEndpoint,
    region: LOCAL_AWS.region,
    credentials: source.dynamoDbCredentials,
  });
  try {
    const ids: string[] = [];
    let startKey: Record<string, never> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: source.connectionsTable,
          IndexName: 'byUser',
          KeyConditionExpression: 'userId = :u',
          ExpressionAttributeValues: { ':u': { S: source.userId } },
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item.connectionId?.S;
        if (id) ids.push(id);
      }
      startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (startKey);
    return ids;
  } finally {
    dynamo.destroy();
  }
}

async function fanOut(job: FanOutJob): Promise<LoadResult> {
  const latency = new Histogram();
  let received = 0;
  let lastDoneAt = 0;
  const relayIds = new Map<WebSocket, string>();
  const sockets = await openMany(job.url, job.connections, (socket, data) => {
    const now = performance.now();
    const frame = JSON.parse(data.toString()) as { id?: string; t?: number };
    if (frame.id !== undefined) {
      relayIds.set(socket, frame.id);
      return;
    }
    if (frame.t === undefined) return;
    received++;
    lastDoneAt = now;
    latency.record(now - frame.t);
  });
  if (job.source.via === 'relay') {
    await waitUntil(() => relayIds.size === sockets.length, 5_000);
  }
  const ids =
    job.source.via === 'relay'
      ? sockets.map((socket) => relayIds.get(socket) ?? '')
      : await receiverIds(job.source);
  if (ids.length < job.connections || ids.some((id) => id === '')) {
    throw new Error(`fan-out: ${ids.length} receiver ids for ${job.connections} connections`);
  }
  let failed = 0;
  let send: (i: number, data: string) => void;
  let stopSender: () => Promise<void>;
  if (job.source.via === 'management') {
    const client = new ApiGatewayManagementApiClient({
      endpoint: job.source.endpoint,
      ...LOCAL_AWS,
      maxAttempts: 1,
    });
    const encoder = new TextEncoder();
    send = (i, data) => {
      client
        .send(
          new PostToConnectionCommand({
            ConnectionId: ids[i % ids.length],
            Data: encoder.encode(data),
          }),
        )
        .catch((error: unknown) => {
          // The first failure says what kind they are (the count is in the result).
          if (failed++ === 0)
            console.error(
              `  first failed post: ${(error as Error).name}: ${(error as Error).message}`,
            );
        });
    };
    stopSender = async () => client.destroy();
  } else {
    const controls = await Promise.all(
      Array.from({ length: 4 }, () => openSocket(`${job.url}?control=1`)),
    );
    send = (i, data) =>
      (controls[i % controls.length] as WebSocket).send(`${ids[i % ids.length]}|${data}`);
    stopSender = () => closeAll(controls);
  }
  // Warm the sender (a fresh SDK client resolves its config on first use) and the JIT on
  // both ends; receivers ignore frames without `t`.
  for (let i = 0; i < 300; i++) send(i, '{"w":1}');
  await sleep(500);
  failed = 0;
  const schedule = await openLoop(job, (i, dueAt) => send(i, `{"k":${i},"t":${dueAt}}`));
  await waitUntil(() => received + failed >= schedule.sent, job.drainMs);
  const lost = schedule.sent - received - failed;
  await stopSender();
  await closeAll(sockets);
  return {
    offeredRate: job.rate,
    sent: schedule.sent,
    ok: received,
    errors: failed + lost,
    ...rates(schedule, received, lastDoneAt),
    latency: latency.toJSON(),
    counts: { failedPosts: failed, lost },
  };
}

async function asyncRequests(job: AsyncJob): Promise<LoadResult> {
  const sockets = await openMany(job.url, job.connections);
  const pending = new Map<string, number>();
  const latency = new Histogram();
  const ack = new Histogram();
  const progressFromEvent = new Histogram();
  const progressFromReport = new Histogram();
  let errors = 0;
  let duplicates = 0;
  let lastDoneAt = 0;
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const now = performance.now();
      const frame = JSON.parse(data.toString()) as Frame & { duplicate?: boolean };
      const id = frame.request_id;
      const due = id === undefined ? undefined : pending.get(id);
      if (due === undefined || id === undefined) return;
      switch (frame.type) {
        case 'acknowledgment':
          ack.record(now - due);
          if (frame.duplicate) duplicates++;
          return;
        case 'progress': {
          const wall = Date.now();
          if (typeof frame.timestamp === 'number') progressFromEvent.record(wall - frame.timestamp);
          const reportedAt = frame.metadata?.reportedAt;
          if (typeof reportedAt === 'number') progressFromReport.record(wall - reportedAt);
          return;
        }
        case 'complete':
          pending.delete(id);
          latency.record(now - due);
          lastDoneAt = now;
          return;
        default:
          pending.delete(id);
          errors++;
      }
    });
  }
  const backlog: number[] = [];
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) backlog.push(pending.size);
  }, 250);
  const schedule = await openLoop(job, (i, dueAt) => {
    sampling = true;
    const id = `${job.idPrefix}-${i}`;
    pending.set(id, dueAt);
    (sockets[i % sockets.length] as WebSocket).send(
      JSON.stringify({ action: job.action, id, payload: job.payload }),
    );
  });
  const { unanswered, figures } = await settle(
    job,
    sockets,
    pending,
    { schedule, latency, errors, lastDoneAt },
    () => clearInterval(sampler),
  );
  return {
    ...figures,
    histograms: {
      ack: ack.toJSON(),
      ...(progressFromEvent.count > 0 && { progressFromEvent: progressFromEvent.toJSON() }),
      ...(progressFromReport.count > 0 && { progressFromReport: progressFromReport.toJSON() }),
    },
    backlog,
    counts: { unanswered, duplicates, errorFrames: errors },
  };
}

function run(job: LoadJob): Promise<LoadResult> {
  switch (job.kind) {
    case 'echo':
      return echo(job);
    case 'connect':
      return connect(job);
    case 'fanout':
      return fanOut(job);
    case 'async':
      return asyncRequests(job);
  }
}

process.on('message', (message: JobMessage) => {
  run(message.job).then(
    (result) => process.send?.({ id: message.id, result } satisfies JobReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies JobReply),
  );
});
process.on('disconnect', () => process.exit(0));
