import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StackInfo } from '../../src/local/stackInfo';

/**
 * `npm start` as a child process: `src/local/main.ts` run by Node.js itself
 * (tsx as a loader, not its CLI, so the child's pid is the stack's own
 * process and a SIGKILL reaches the stack, not a wrapper), in a working
 * directory of the test's choosing (where `.streamer/` lives).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A script of this repository run the way `npm run …` runs it, but by `node` directly. */
export function nodeArgs(script: string, args: readonly string[] = []): string[] {
  return ['--import', TSX, join(ROOT, script), ...args];
}

/** A stack started by {@link startChildStack}. */
export interface ChildStack {
  readonly child: ChildProcess;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** Its `.streamer/local-stack.json`. */
  readonly info: StackInfo;
  /** The dev token it printed. */
  readonly token: string;
  /** Resolves with the exit code once it has exited. */
  readonly exited: Promise<number | null>;
}

/** Starts `npm start [--persist]` in `cwd`; resolves once it is ready. */
export async function startChildStack(options: {
  readonly cwd: string;
  readonly port: number;
  readonly persist?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}): Promise<ChildStack> {
  const child = spawnStack(options);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await waitForOutput(() => output, exited, /Press Ctrl-C to stop/, 120_000);
  const token = /Authorization=([\w.-]+)/.exec(output)?.[1];
  if (!token) throw new Error(`the stack printed no token:\n${output}`);
  const info = JSON.parse(
    readFileSync(join(options.cwd, '.streamer', 'local-stack.json'), 'utf8'),
  ) as StackInfo;
  return { child, output: () => output, info, token, exited };
}

/** Starts `npm start` in `cwd` and resolves with its exit code and output once it exits. */
export async function runChildStackToExit(options: {
  readonly cwd: string;
  readonly port: number;
  readonly persist?: boolean;
}): Promise<{ code: number | null; output: string }> {
  const child = spawnStack(options);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** Runs `streamer <command> …` from this repository's sources in `cwd` and returns what it printed. */
export function runCli(args: readonly string[], cwd: string): { status: number; stdout: string } {
  try {
    const stdout = execFileSync(process.execPath, nodeArgs('src/cli/main.ts', args), {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    return { status: 0, stdout };
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    return { status: failed.status ?? 1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** Whether process `pid` still runs (a zombie waiting for its reaper does not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  const text = readFileSync(stat, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
}

function spawnStack(options: {
  readonly cwd: string;
  readonly port: number;
  readonly persist?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}): ChildProcess {
  return spawn(
    process.execPath,
    nodeArgs('src/local/main.ts', options.persist ? ['--persist'] : []),
    {
      cwd: options.cwd,
      env: {
        ...process.env,
        STREAMER_PORT: String(options.port),
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function waitForOutput(
  output: () => string,
  exited: Promise<number | null>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (pattern.test(output())) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve();
      }
    }, 50);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearInterval(timer);
      clearTimeout(deadline);
      if (!pattern.test(output())) reject(new Error(`the stack exited with ${code}:\n${output()}`));
    });
  });
}
