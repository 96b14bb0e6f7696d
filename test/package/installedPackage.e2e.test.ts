import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/local/freePort';
import { openClient } from '../support/localStackHarness';

// What a stranger does with Streamer, outside this repository: install the
// packed package into a new app (the starter app of examples/expense-approval,
// whose package.json has no "type": "module", so its TypeScript loads as
// CommonJS beside the engine's ES modules), type-check it, run its tests,
// serve it with `npx streamer dev` and drive a request over a WebSocket, and
// synthesize its CDK app. The npm cache CI warmed makes the install quick.

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'streamer-package-'));
const app = join(work, 'expense-approval');
const children: ChildProcess[] = [];

/** The environment of a shell in the app: no npm settings or binaries of this repository's run. */
function appEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|INIT_CWD$)/.test(name)),
  );
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.startsWith(repo));
  return {
    ...env,
    PATH: path.join(delimiter),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const inApp = (file: string, args: string[]) =>
  run(file, args, { cwd: app, env: appEnv(), maxBuffer: 64 * 1024 * 1024 });

beforeAll(async () => {
  // Build and pack, exactly as for publishing.
  await run('npm', ['run', 'build'], { cwd: repo });
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
    cwd: repo,
  });
  const tarball = join(work, packed.stdout.trim().split('\n').at(-1) as string);
  // The starter app, depending on the tarball instead of the repository.
  cpSync(join(repo, 'examples', 'expense-approval'), app, {
    recursive: true,
    filter: (source) => !/node_modules|cdk\.out|package-lock\.json/.test(source),
  });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as AppManifest;
  expect(manifest.type).toBeUndefined();
  // The versions this repository tested (and the npm cache holds), the engine from its tarball.
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const name of Object.keys(deps)) {
      if (name !== 'streamer-engine') deps[name] = installedVersion(name);
    }
  }
  manifest.dependencies['streamer-engine'] = `file:${tarball}`;
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await inApp('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
}, 600_000);

afterAll(() => {
  for (const child of children) {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

describe('streamer-engine installed from its tarball', () => {
  it('type-checks a strict CommonJS app that imports streamer-engine', async () => {
    await expect(inApp('npx', ['--no-install', 'tsc', '--noEmit'])).resolves.toBeDefined();
  }, 120_000);

  it("passes the app's own tests (streamer-engine/runtime, and its lifecycle with streamer-engine/testing)", async () => {
    const { stdout } = await inApp('npm', ['test']);
    expect(stdout).toMatch(/# fail 0/);
    expect(stdout).toMatch(/ok \d+ - keeps the lifecycle invariants under random schedules/);
    expect(stdout).toMatch(/ok \d+ - replays its recorded history/);
    expect(stdout).toMatch(/ok \d+ - every path of its machine/);
  }, 120_000);

  it('serves the app with npx streamer dev: a WebSocket client drives a request to complete', async () => {
    const port = await freePort();
    const dev = startDev(['--workflows', './workflows.ts', '--port', String(port)]);
    const output = await dev.waitFor(/Press Ctrl-C to stop/, 90_000);
    const token = /Authorization=([\w.-]+)/.exec(output)?.[1];
    expect(token).toBeTruthy();

    const client = await openClient(`ws://127.0.0.1:${port}?Authorization=${token}`);
    client.send({
      action: 'expense_approval',
      id: 'exp-1',
      payload: { employee: 'ann', amountCents: 4_200, receipts: ['rcpt-1', 'rcpt-2'] },
    });
    await client.waitFor((f) => f.type === 'progress' && f.percentage === 40, 60_000);
    client.send({
      action: 'signal',
      id: 'm1',
      payload: { request_id: 'exp-1', event: { type: 'approve', approver: 'bob' } },
    });
    const complete = await client.waitFor((f) => f.type === 'complete', 60_000);
    expect(complete).toMatchObject({
      request_id: 'exp-1',
      result: { paid: true, transferId: 'tr-exp-1' },
    });
    await client.close();
    await inspectFromTheBin(port);
    await dev.stop();
  }, 240_000);

  it('refuses, at streamer dev start, a module that cannot load and a machine with an unregistered actor', async () => {
    mkdirSync(join(app, 'broken'), { recursive: true });
    writeFileSync(
      join(app, 'broken', 'missingImport.ts'),
      "import { step } from 'streamer-engine';\nimport { rates } from './rates';\nexport const workflows = [step, rates];\n",
    );
    writeFileSync(
      join(app, 'broken', 'unregistered.ts'),
      `import { setup } from 'xstate';
import { defineWorkflow } from 'streamer-engine';
export const workflows = [
  defineWorkflow({
    action: 'send_invoice',
    version: 1,
    estimatedDuration: 60_000,
    input: { '~standard': { version: 1, vendor: 'none', validate: (value: unknown) => ({ value }) } },
    machine: setup({}).createMachine({ id: 'invoice', initial: 'sending', states: { sending: { invoke: { src: 'sendInvoice' } } } } as never),
  }),
];
`,
    );
    const missing = await startDev(['--workflows', './broken/missingImport.ts']).exited();
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('Cannot load the workflows module ./broken/missingImport.ts');
    expect(missing.output).toContain('./rates');
    expect(missing.output).not.toContain('Streamer is ready');

    const unregistered = await startDev(['--workflows', './broken/unregistered.ts']).exited();
    expect(unregistered.code).toBe(1);
    expect(unregistered.output).toContain(
      'Workflow send_invoice invokes actor "sendInvoice" (in state invoice.sending) that is not registered',
    );
    expect(unregistered.output).not.toContain('Streamer is ready');
  }, 120_000);

  it("synthesizes the app's CDK stack with streamer-engine/cdk, its workflows inside the bundles", async () => {
    await inApp('npx', ['--no-install', 'cdk', 'synth', '--quiet', '--no-notices']);
    const template = JSON.parse(
      readFileSync(join(app, 'cdk.out', 'expense-approval.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    const bundles = Object.fromEntries(
      functions.map((fn) => {
        const name = String(fn.Properties.FunctionName).replace('expense-approval-dev-', '');
        const key = String((fn.Properties.Code as { S3Key: string }).S3Key).replace('.zip', '');
        return [name, readFileSync(join(app, 'cdk.out', `asset.${key}`, 'index.mjs'), 'utf8')];
      }),
    );
    expect(Object.keys(bundles).sort()).toEqual(
      ['authorizer', 'connect', 'disconnect', 'processor', 'projector', 'router', 'runner'].sort(),
    );
    // The app's workflow runs in the router (inline, accepting) and the runner (every durable run) …
    for (const kind of ['router', 'runner']) {
      expect(bundles[kind]).toContain('expense_approval');
      expect(bundles[kind]).toContain('is not a receipt id');
      expect(bundles[kind]).not.toContain('generate_report');
    }
    // … and nowhere else: the processor only dispatches, the projector only folds.
    for (const kind of ['authorizer', 'processor', 'projector']) {
      expect(bundles[kind]).not.toContain('expense_approval');
    }
  }, 300_000);
});

/**
 * What the installed bin shows of the run `npx streamer dev` served: `streamer
 * runs list` and `show` find the stack through its stack info file, `streamer
 * graph` draws the app's machine, and the stack serves the shipped dashboard.
 */
async function inspectFromTheBin(port: number): Promise<void> {
  const streamer = async <T>(...args: string[]): Promise<T> =>
    JSON.parse((await inApp('npx', ['--no-install', 'streamer', ...args, '--json'])).stdout) as T;
  // The projector posts a frame before it saves the view: the listing may trail the complete frame.
  let listed: { runs: { request_id: string; status: string }[] } = { runs: [] };
  for (let i = 0; i < 50 && listed.runs[0]?.status !== 'COMPLETED'; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    listed = await streamer('runs', 'list');
  }
  expect(listed.runs).toEqual([
    expect.objectContaining({ request_id: 'exp-1', status: 'COMPLETED' }),
  ]);
  const shown = await streamer<{ run: { status: string }; events: { type: string }[] }>(
    'runs',
    'show',
    'exp-1',
  );
  expect(shown.run.status).toBe('COMPLETED');
  expect(shown.events.at(-1)?.type).toBe('request.completed');
  const graph = await inApp('npx', ['--no-install', 'streamer', 'graph', 'expense_approval']);
  expect(graph.stdout).toMatch(/^stateDiagram-v2/);
  expect(graph.stdout).toContain('awaitingApproval');
  const page = await fetch(`http://127.0.0.1:${port}/dashboard/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('dashboard.js');
  const script = await fetch(`http://127.0.0.1:${port}/dashboard/dashboard.js`);
  expect(script.status).toBe(200);
  expect(await script.text()).toContain('Streamer dashboard. Bundles preact');
}

interface AppManifest {
  type?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

function installedVersion(name: string): string {
  const path = join(repo, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** `npx streamer dev …` in the app, in its own process group (so SIGINT reaches all of it). */
function startDev(args: string[]) {
  const started = spawn('npx', ['--no-install', 'streamer', 'dev', ...args], {
    cwd: app,
    env: appEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(started);
  let output = '';
  const listeners: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  started.stdout.on('data', onData);
  started.stderr.on('data', onData);
  const closed = new Promise<number | null>((resolve) => started.once('close', resolve));
  return {
    waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern}:\n${output}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(output)) return;
          clearTimeout(timer);
          resolve(output);
        };
        listeners.push(check);
        check();
        void closed.then(() => reject(new Error(`exited before ${pattern}:\n${output}`)));
      });
    },
    async exited(): Promise<{ code: number | null; output: string }> {
      return { code: await closed, output };
    },
    /** Ctrl-C, as a terminal sends it to the whole foreground group. */
    async stop(): Promise<void> {
      process.kill(-(started.pid as number), 'SIGINT');
      await closed;
      expect(output).toContain('Stopped.');
    },
  };
}
