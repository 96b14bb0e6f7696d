import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
const TSX = join(repo, 'node_modules', '.bin', 'tsx');
const MAIN = join(repo, 'src', 'cli', 'main.ts');

/** What a CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI's environment: no STREAMER_URL/TOKEN of the outer shell leaks into a test. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { STREAMER_URL: _url, STREAMER_TOKEN: _token, ...env } = process.env;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

/** Runs `streamer <args>` from the sources in `cwd` (where `.streamer/local-stack.json` is). */
export function runCli(
  cwd: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [MAIN, ...args],
      { cwd, env: cliEnv(env), timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `streamer <args> --json`, its output parsed. */
export async function runCliJson<T>(
  cwd: string,
  args: readonly string[],
): Promise<{ code: number; json: T }> {
  const result = await runCli(cwd, [...args, '--json']);
  try {
    return { code: result.code, json: JSON.parse(result.stdout) as T };
  } catch {
    throw new Error(
      `streamer ${args.join(' ')} --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A CLI run in a pseudo-terminal (util-linux `script`), its output readable while it runs. */
export interface PtyRun {
  /** Everything printed so far (with the terminal's control sequences). */
  output(): string;
  /** Resolves when the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number>;
  /** Kills the run (its `script` process) if it is still running. */
  kill(): void;
}

/** Runs `streamer <args>` with its stdout a terminal, as a user's shell would. */
export function runCliInPty(cwd: string, args: readonly string[]): PtyRun {
  const command = [TSX, MAIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: { ...cliEnv(), COLUMNS: '100', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  return {
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        const check = () => {
          if (!pattern.test(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}
