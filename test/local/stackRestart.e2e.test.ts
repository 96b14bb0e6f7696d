import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { toRequestKey } from '../../src/events';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { freePort } from '../../src/local/freePort';
import { LOCAL_AWS } from '../../src/local/localAws';
import type { StackInfo } from '../../src/local/stackInfo';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { FLAKY_MAX_ATTEMPTS } from '../../src/workflows';
import {
  type ChildStack,
  isRunning,
  runChildStackToExit,
  runCli,
  startChildStack,
} from '../support/childStack';
import { openClient } from '../support/localStackHarness';
import { waitFor } from './waitFor';

// `npm start --persist` as a child process on a temporary data directory:
// closed to the network, one stack per data directory, dies whole on
// SIGKILL, and loses no dead letter across a crash and a restart.
const cwd = mkdtempSync(join(tmpdir(), 'streamer-restart-'));
const started: ChildStack[] = [];
const DEAD_LETTER_IDS = ['dl-é', 'dl-ü', 'dl-ñ', 'dl-ø', 'dl-ß'];
const STACK_ENV = { STREAMER_DEMO_SPEED: '20' };

afterAll(() => {
  // Only the processes this test started, by pid.
  for (const stack of started) {
    for (const pid of [stack.info.pids.node, stack.info.pids.dynamoDbLocal]) {
      if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(cwd, { recursive: true, force: true });
});

/** The kernel's table of listening TCP and UDP sockets, for the given processes only. */
function listeningSockets(pids: readonly number[]): { local: string; pid: number }[] {
  const table = execFileSync('ss', ['-H', '-l', '-t', '-u', '-n', '-p'], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const local = line.trim().split(/\s+/)[4] ?? '';
      const owners = [...line.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
      return owners.filter((pid) => pids.includes(pid)).map((pid) => ({ local, pid }));
    });
}

/** Whether `address:port` (as `ss` prints it) is a loopback address. */
function isLoopback(local: string): boolean {
  const host = local.slice(0, local.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./.test(host);
}

function clientsOf(info: StackInfo) {
  const dynamo = new DynamoDBClient({ endpoint: info.dynamoDbEndpoint, ...info.aws });
  return {
    dynamo,
    store: new DynamoDbEventStore({ client: dynamo, tableName: info.tables.requests }),
    views: new DynamoDbRequestViewStore({ client: dynamo, tableName: info.tables.requestView }),
  };
}

describe('the local stack, as a process with --persist', () => {
  let first: ChildStack;

  it('listens on loopback only, and a client with other credentials sees none of its data', async () => {
    first = await startChildStack({ cwd, port: await freePort(), persist: true, env: STACK_ENV });
    started.push(first);
    expect(first.output(), 'binding DynamoDB Local to 127.0.0.1 needs a JDK (javac)').toContain(
      'DynamoDB Local on 127.0.0.1 only',
    );
    const { node, dynamoDbLocal } = first.info.pids;
    expect(dynamoDbLocal).toBeDefined();
    // Every socket the stack's processes listen on, read from the kernel's table
    const sockets = listeningSockets([node, dynamoDbLocal as number]);
    const ports = (pid: number) => sockets.filter((s) => s.pid === pid).map((s) => s.local);
    expect(ports(node).length).toBeGreaterThanOrEqual(2); // the gateway and the SQS emulator
    expect(ports(dynamoDbLocal as number).length).toBeGreaterThanOrEqual(1);
    expect(sockets.filter((s) => !isLoopback(s.local))).toEqual([]);
    // The fence: DynamoDB Local keeps this stack's data under its own random credentials
    expect(first.info.aws.credentials.accessKeyId).not.toBe(LOCAL_AWS.credentials.accessKeyId);
    const own = clientsOf(first.info).dynamo;
    const other = new DynamoDBClient({ endpoint: first.info.dynamoDbEndpoint, ...LOCAL_AWS });
    try {
      expect((await own.send(new ListTablesCommand({}))).TableNames).toContain(
        first.info.tables.requests,
      );
      expect((await other.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      own.destroy();
      other.destroy();
    }
  });

  it('refuses a second stack on the same data directory and leaves the first untouched', async () => {
    const infoPath = join(cwd, '.streamer', 'local-stack.json');
    const before = readFileSync(infoPath, 'utf8');
    // When a second npm start --persist runs in the same directory
    const second = await runChildStackToExit({ cwd, port: await freePort(), persist: true });
    // Then it refuses, saying who holds the directory and what to do
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`Another local stack (pid ${first.info.pids.node}, since`);
    expect(second.output).toMatch(/stop it first .*or start this one without --persist/);
    // And the first keeps its stack file and keeps serving
    expect(readFileSync(infoPath, 'utf8')).toBe(before);
    const client = await openClient(`${first.info.url}?Authorization=${first.token}`);
    client.send({ action: 'ping' });
    expect(await client.waitFor((f) => f.type === 'pong')).toMatchObject({ type: 'pong' });
    await client.close();
  });

  it('keeps every dead letter through a SIGKILL (no JVM left behind) and a restart, and redrives them all', async () => {
    // Given requests dead-lettered by the first stack
    const client = await openClient(`${first.info.url}?Authorization=${first.token}`);
    for (const id of DEAD_LETTER_IDS) {
      client.send({ action: 'flaky_step', id, payload: { failures: FLAKY_MAX_ATTEMPTS } });
    }
    for (const id of DEAD_LETTER_IDS) {
      await client.waitFor((f) => f.type === 'error' && f.request_id === id, 90_000);
    }
    await client.close();
    const { dynamo, store } = clientsOf(first.info);
    const keys = DEAD_LETTER_IDS.map((id) => toRequestKey('dev-tenant', id));
    await waitFor(
      'every request.dead_lettered',
      async () => {
        const logs = await Promise.all(keys.map((key) => store.read(key)));
        return logs.every((log) => log.some((e) => e.type === 'request.dead_lettered'));
      },
      30_000,
    );
    dynamo.destroy();
    // When the stack's Node.js process is killed outright
    const { node, dynamoDbLocal } = first.info.pids;
    process.kill(node, 'SIGKILL');
    await first.exited;
    // Then DynamoDB Local dies with it
    await waitFor('DynamoDB Local to exit', () => !isRunning(dynamoDbLocal as number), 5_000);
    // When the stack starts again on the same data directory (the killed one's lock is stale)
    const again = await startChildStack({
      cwd,
      port: await freePort(),
      persist: true,
      env: STACK_ENV,
    });
    started.push(again);
    expect(again.info.pids.node).not.toBe(node);
    expect(again.info.aws).toEqual(first.info.aws);
    // Then its projector catches up with the log, which still holds every dead letter
    const restarted = clientsOf(again.info);
    await waitFor(
      'the views of the dead letters',
      async () => {
        const views = await Promise.all(keys.map((key) => restarted.views.get(key)));
        return views.every((view) => view?.status === 'DEAD_LETTERED');
      },
      60_000,
    );
    // And streamer redrive finds them all, though the in-memory queue lost its messages
    const redrive = runCli(['redrive'], cwd);
    expect(redrive.status).toBe(0);
    expect(redrive.stdout).toContain(
      `Found ${keys.length} dead-lettered request(s) in the request view and 0 in the queue.`,
    );
    expect(redrive.stdout).toContain(`Redrove ${keys.length} request(s)`);
    // And every one of them completes, once
    await waitFor(
      'the redriven requests to complete',
      async () => {
        const logs = await Promise.all(keys.map((key) => restarted.store.read(key)));
        return logs.every((log) => log.some((e) => e.type === 'request.completed'));
      },
      60_000,
    );
    for (const key of keys) {
      const log = await restarted.store.read(key);
      expect(log.filter((e) => e.type === 'request.completed')).toHaveLength(1);
      expect(log.filter((e) => e.type === 'request.dead_lettered')).toHaveLength(1);
    }
    restarted.dynamo.destroy();
    // Ctrl-C: it stops, removes its own stack file and leaves no JVM
    process.kill(again.info.pids.node, 'SIGINT');
    expect(await again.exited).toBe(0);
    expect(existsSync(join(cwd, '.streamer', 'local-stack.json'))).toBe(false);
    expect(isRunning(again.info.pids.dynamoDbLocal as number)).toBe(false);
  });
});
