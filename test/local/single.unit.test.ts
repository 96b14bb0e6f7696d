import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirBusyError, lockDataDir } from '../../src/local/dataDirLock';
import { dataDirCredentials } from '../../src/local/localCredentials';
import { removeStackInfo, type StackInfo, writeStackInfo } from '../../src/local/stackInfo';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamer-single-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('no pid');
  return pid;
}

function info(pid: number): StackInfo {
  return {
    pid,
    url: `ws://127.0.0.1:${pid}`,
    dynamoDbEndpoint: 'http://127.0.0.1:1',
    sqsEndpoint: 'http://127.0.0.1:2',
    tables: {
      requests: 'r',
      requestView: 'v',
      connections: 'c',
      subscriptions: 's',
      flowControl: 'f',
      rateLimits: 'l',
    },
    queueUrls: { deadLetter: 'd', wakeUp: 'w', streamFailures: 'f' },
    aws: { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } },
    pids: { node: pid },
  };
}

describe('one stack per data directory', () => {
  it('refuses a second lock while the first is held, and allows one after release', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
    expect(() => lockDataDir(dir)).toThrow(/stop it first .*or start this one without --persist/);
    lock.release();
    lockDataDir(dir).release();
    expect(existsSync(join(dir, 'stack.lock'))).toBe(false);
  });

  it('refuses a lock held by another running process, naming it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'stack.lock'), JSON.stringify({ pid: process.ppid, since: 0 }));
    expect(() => lockDataDir(dir)).toThrow(`Another local stack (pid ${process.ppid}`);
    expect(JSON.parse(readFileSync(join(dir, 'stack.lock'), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over the stale lock of a stack that was killed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'stack.lock'), JSON.stringify({ pid: deadPid(), since: 0 }));
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'stack.lock'), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('keeps one set of credentials per data directory, readable by its owner only', () => {
    const dir = tempDir();
    const first = dataDirCredentials(dir);
    expect(dataDirCredentials(dir)).toEqual(first);
    expect(first.accessKeyId).toMatch(/^STREAMER[A-Z2-7]{24}$/);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o077).toBe(0);
  });
});

describe('the stack file belongs to the stack that wrote it', () => {
  it('is not overwritten nor removed by a second stack while the first runs', () => {
    const path = join(tempDir(), 'local-stack.json');
    expect(writeStackInfo(info(process.ppid), path)).toEqual({ written: true });
    const before = readFileSync(path, 'utf8');
    expect(writeStackInfo(info(process.pid), path)).toEqual({
      written: false,
      ownerPid: process.ppid,
    });
    removeStackInfo(path, process.pid);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(statSync(path).mode & 0o077).toBe(0);
  });

  it('is replaced when its stack is gone, and removed by its own stack', () => {
    const path = join(tempDir(), 'local-stack.json');
    writeStackInfo(info(deadPid()), path);
    expect(writeStackInfo(info(process.pid), path)).toEqual({ written: true });
    removeStackInfo(path);
    expect(existsSync(path)).toBe(false);
  });
});
