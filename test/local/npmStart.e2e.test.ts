import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/freePort';
import { openClient } from '../support/localStackHarness';

// Exactly what a newcomer does: `npm start`, connect with the printed token,
// run generate_report, press Ctrl-C.
let child: ChildProcess | undefined;
afterAll(() => {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
});

function waitForOutput(process: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    process.stdout?.on('data', onData);
    process.stderr?.on('data', onData);
    process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before ${pattern}:\n${output}`));
    });
  });
}

/** Whether any process still runs a DynamoDB Local on `port`. */
function dynamoDbLocalRunningOn(port: string): boolean {
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return processes
    .split('\n')
    .some((line) => line.includes('DynamoDBLocal.jar') && line.includes(`-port ${port}`));
}

describe('npm start', () => {
  it('reaches ready, serves generate_report to a scripted client, and Ctrl-C leaves nothing running', async () => {
    const port = await freePort();
    child = spawn('npm', ['start'], {
      env: { ...process.env, STREAMER_PORT: String(port), STREAMER_DEMO_SPEED: '4' },
      detached: true, // its own process group, so "Ctrl-C" reaches npm and everything below it
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = await waitForOutput(child, /Press Ctrl-C to stop/, 90_000);
    const url = /WebSocket\s+(ws:\/\/\S+)/.exec(output)?.[1];
    const token = /Authorization=([\w.-]+)/.exec(output)?.[1];
    const dynamoDbPort = /DynamoDB\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(url).toBe(`ws://127.0.0.1:${port}`);
    expect(token).toBeTruthy();
    expect(dynamoDbPort).toBeTruthy();

    const client = await openClient(`${url}?Authorization=${token}`);
    client.send({
      action: 'generate_report',
      id: 'r1',
      payload: {
        start_date: '2026-01-01',
        end_date: '2026-01-31',
        format: 'pdf',
        report_type: 'monthly',
      },
    });
    await client.waitFor((f) => f.type === 'acknowledgment');
    const complete = await client.waitFor((f) => f.type === 'complete', 60_000);
    expect(complete).toMatchObject({
      request_id: 'r1',
      result: { format: 'pdf', report_type: 'monthly' },
    });
    expect(client.frames.filter((f) => f.type === 'progress').length).toBeGreaterThan(0);
    await client.close();

    // Ctrl-C in a terminal signals the whole foreground group: npm and the stack beneath it.
    const stopped = waitForOutput(child, /Stopped\./, 30_000);
    const exited = new Promise<void>((resolve) => child?.once('close', () => resolve()));
    process.kill(-(child.pid as number), 'SIGINT');
    await stopped;
    await exited;
    expect(dynamoDbLocalRunningOn(dynamoDbPort as string)).toBe(false);
  });
});
