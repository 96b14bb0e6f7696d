import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { ulid } from 'ulid';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../src/engine';
import { createAuthorizerHandler } from '../src/lambdas/authorizer';
import { createConnectHandler } from '../src/lambdas/connect';
import { createDisconnectHandler } from '../src/lambdas/disconnect';
import { authorizerDeps, connectionDeps, routerDeps } from '../src/lambdas/frontDoorDeps';
import type { FrontDoorTelemetry } from '../src/lambdas/frontDoorTelemetry';
import { createRouterHandler } from '../src/lambdas/routerHandler';
import type { WebSocketHandler } from '../src/lambdas/webSocketEvent';
import { startLocalGateway } from '../src/local/gateway';
import { LOCAL_AWS } from '../src/local/localAws';
import { createTables } from '../src/tables/createTables';
import { tableNames } from '../src/tables/definitions';
import { createDemoRegistry } from '../src/workflows';
import type { BenchContext, BenchFigure, BenchScenario } from './scenario';

const quietTelemetry: FrontDoorTelemetry = {
  logger: silentLogger,
  metrics: { addMetric: () => undefined, publishStoredMetrics: () => undefined },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
  });
}

/**
 * Open-loop load: `rate` messages per second for `seconds`, round-robin over
 * `sockets`; latency is reply time minus the scheduled send time (so a
 * stalled server cannot hide its queueing: no coordinated omission).
 */
async function openLoop(
  sockets: WebSocket[],
  rate: number,
  seconds: number,
  message: (id: string) => string,
): Promise<{ samples: number[]; lost: number }> {
  const pending = new Map<string, number>();
  const samples: number[] = [];
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const { request_id } = JSON.parse(data.toString()) as { request_id?: string };
      const sent = request_id === undefined ? undefined : pending.get(request_id);
      if (sent === undefined || request_id === undefined) return;
      pending.delete(request_id);
      samples.push(performance.now() - sent);
    });
  }
  const total = rate * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const id = `m${i}`;
    pending.set(id, due);
    (sockets[i % sockets.length] as WebSocket).send(message(id));
  }
  const deadline = performance.now() + 5_000;
  while (pending.size > 0 && performance.now() < deadline) await sleep(10);
  return { samples, lost: pending.size };
}

/**
 * The front door's paths against raw `ws` baselines measured in the same run
 * (DESIGN §9): sync `echo` through the local gateway (authorizer context,
 * safe parsing, registry, inline run, route response) versus a bare `ws`
 * echo server at the same open-loop rate; and connection setup with a valid
 * JWT (RS256 verification, connection record in DynamoDB Local) versus a bare
 * `ws` handshake.
 */
export const frontDoor: BenchScenario = {
  name: 'front-door',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    const seconds = context.quick ? 2 : 10;
    const echoRate = 1_000;
    const connectRate = 100;
    const connectCount = context.quick ? 100 : 500;
    const dynamo = new DynamoDBClient({ endpoint: context.dynamoDbEndpoint, ...LOCAL_AWS });
    const tables = tableNames(`bench-frontdoor-${ulid().toLowerCase()}`);
    await createTables(dynamo, tables);
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'bench', tenant_id: 'bench' })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    const config = {
      requestsTable: tables.requests,
      connectionsTable: tables.connections,
      subscriptionsTable: tables.subscriptions,
    };
    const registry = createDemoRegistry();
    let route: WebSocketHandler | undefined;
    const gateway = await startLocalGateway({
      handlers: {
        authorizer: createAuthorizerHandler(
          authorizerDeps({
            keys: { publicKeyPem: await exportSPKI(publicKey) },
            clockToleranceSec: 5,
          }),
          quietTelemetry,
        ),
        connect: createConnectHandler(connectionDeps(config, { dynamo }), quietTelemetry),
        disconnect: createDisconnectHandler(connectionDeps(config, { dynamo }), quietTelemetry),
        default: (event, lambdaContext) => (route as WebSocketHandler)(event, lambdaContext),
      },
    });
    route = createRouterHandler(
      registry,
      routerDeps(
        registry,
        { ...config, managementEndpoint: gateway.managementEndpoint },
        silentLogger,
        { dynamo },
      ),
      quietTelemetry,
    );
    const rawServer = createServer();
    const raw = new WebSocketServer({ server: rawServer });
    raw.on('connection', (socket) =>
      socket.on('message', (data) => {
        const { id } = JSON.parse(data.toString()) as { id: string };
        socket.send(
          JSON.stringify({ type: 'response', request_id: id, success: true, data: null }),
        );
      }),
    );
    await new Promise<void>((resolve) => rawServer.listen(0, '127.0.0.1', () => resolve()));
    const rawAddress = rawServer.address();
    const rawUrl = `ws://127.0.0.1:${typeof rawAddress === 'object' && rawAddress ? rawAddress.port : 0}`;
    const url = `${gateway.url}/?Authorization=${token}`;
    try {
      const message = (id: string) => JSON.stringify({ action: 'echo', id, payload: { n: 1 } });
      context.log(`raw ws echo, ${echoRate}/s for ${seconds} s over 50 connections`);
      const rawSockets = await Promise.all(Array.from({ length: 50 }, () => open(rawUrl)));
      const rawEcho = await openLoop(rawSockets, echoRate, seconds, message);
      for (const socket of rawSockets) socket.terminate();
      context.log(`gateway echo, ${echoRate}/s for ${seconds} s over 50 connections`);
      const sockets = await Promise.all(Array.from({ length: 50 }, () => open(url)));
      const echo = await openLoop(sockets, echoRate, seconds, message);
      for (const socket of sockets) socket.terminate();

      context.log(`connection setup, ${connectRate}/s × ${connectCount}`);
      const setup = async (target: string) => {
        const samples: number[] = [];
        const start = performance.now();
        await Promise.all(
          Array.from({ length: connectCount }, async (_, i) => {
            const due = start + (i * 1000) / connectRate;
            await sleep(Math.max(0, due - performance.now()));
            const socket = await open(target);
            samples.push(performance.now() - due);
            socket.terminate();
          }),
        );
        return samples;
      };
      const rawSetup = await setup(rawUrl);
      const jwtSetup = await setup(url);
      await gateway.settled();

      const echoStats = summary(echo.samples);
      const rawEchoStats = summary(rawEcho.samples);
      const setupStats = summary(jwtSetup);
      const rawSetupStats = summary(rawSetup);
      return [
        {
          name: `sync echo through the local gateway, ${echoRate}/s`,
          value: echoStats.p99,
          unit: 'ms p99',
          baseline: { name: 'raw ws echo p99', value: rawEchoStats.p99 },
          details: {
            p50: echoStats.p50,
            max: echoStats.max,
            lost: echo.lost,
            baselineP50: rawEchoStats.p50,
          },
        },
        {
          name: `connection setup with a valid JWT, ${connectRate}/s`,
          value: setupStats.p99,
          unit: 'ms p99',
          baseline: { name: 'raw ws handshake p99', value: rawSetupStats.p99 },
          details: { p50: setupStats.p50, max: setupStats.max, connections: connectCount },
        },
      ];
    } finally {
      await gateway.close();
      raw.close();
      rawServer.close();
      dynamo.destroy();
    }
  },
};
