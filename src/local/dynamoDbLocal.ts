import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbLaunch } from './dynamoDbLauncher';
import { freePort } from './freePort';
import { LOCAL_AWS } from './localAws';

/** Options for {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Loopback port; a free one is picked when omitted. */
  readonly port?: number;
  /** Keep data in this directory between runs instead of in memory. */
  readonly persistDir?: string;
  /** How long to wait for the first answer. Default 30 s. */
  readonly startTimeoutMs?: number;
  /**
   * The credentials its clients use (default {@link LOCAL_AWS}'s). There is no
   * `-sharedDb`: DynamoDB Local keeps one database per access key and region,
   * so a client with another access key sees none of this data.
   */
  readonly credentials?: LocalCredentials;
}

/** The fake credentials a local client sends; the access key selects DynamoDB Local's database. */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for `DynamoDBClient({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /** The JVM's process id. */
  readonly pid: number;
  /** The credentials its data is kept under. */
  readonly credentials: LocalCredentials;
  /** Whether it listens on 127.0.0.1 only; when false, `bindWarning` says why and what to install. */
  readonly loopbackOnly: boolean;
  readonly bindWarning?: string;
  /** Stops the JVM and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Raised when the jar or Java cannot be started, with what to do about it. */
export class DynamoDbLocalStartError extends Error {
  override readonly name = 'DynamoDbLocalStartError';
}

/** Directory of the DynamoDB Local jar shipped in the `amplify-dynamodb-simulator` package. */
export function dynamoDbLocalDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/**
 * Starts the official DynamoDB Local jar (with streams) listening on
 * 127.0.0.1 only, and resolves once it answers `ListTables`. The JVM dies
 * with this process, even when this process is killed with SIGKILL (see
 * `dynamoDbLauncher.ts`), so a crashed stack or test run leaves no orphan.
 * Without a JDK to compile the loopback launcher it falls back to the plain
 * jar, which listens on every interface (`loopbackOnly: false`).
 *
 * @example
 * const ddb = await startDynamoDbLocal();
 * const client = new DynamoDBClient({ endpoint: ddb.endpoint, ...LOCAL_AWS });
 * // …
 * await ddb.stop();
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const dir = dynamoDbLocalDirectory();
  // The JVM runs in the jar's directory, so a relative data directory must be made absolute here.
  const persistDir = options.persistDir ? resolve(options.persistDir) : undefined;
  const storage = persistDir ? ['-dbPath', persistDir] : ['-inMemory'];
  if (persistDir) mkdirSync(persistDir, { recursive: true });
  const launch = await dynamoDbLaunch(dir);
  const args = [...launch.args, ...storage, '-port', String(port), '-disableTelemetry'];
  // stdin is the launcher's lifeline: it exits when this end closes, i.e. when this process dies.
  const child = spawn(launch.command, args, { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnFailed = startFailure(child, port);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    process.off('exit', killOnExit);
    if (stopped || child.exitCode !== null) return;
    stopped = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      spawnFailed,
      waitUntilAnswering(endpoint, options.startTimeoutMs ?? 30_000),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  spawnFailed.catch(() => undefined);
  return {
    endpoint,
    port,
    pid: childPid(child),
    credentials: options.credentials ?? LOCAL_AWS.credentials,
    loopbackOnly: launch.loopbackOnly,
    ...(launch.reason && {
      bindWarning: `DynamoDB Local listens on every interface: ${launch.reason}. Its data is fenced by this stack's own credentials meanwhile.`,
    }),
    stop,
  };
}

/** Rejects, saying what to do, if the JVM cannot be run or exits before it answers. */
function startFailure(child: ChildProcess, port: number): Promise<never> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new DynamoDbLocalStartError(
          `Could not run java (${error.message}). DynamoDB Local needs Java 17+: install a JDK (e.g. apt-get install -y openjdk-17-jdk-headless, or brew install openjdk@17) and make sure java is on PATH.`,
          { cause: error },
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(
        new DynamoDbLocalStartError(
          `DynamoDB Local exited with code ${code} before it answered on port ${port}:\n${stderr}`,
        ),
      ),
    );
  });
}

function childPid(child: ChildProcess): number {
  if (child.pid === undefined)
    throw new DynamoDbLocalStartError('DynamoDB Local has no process id');
  return child.pid;
}

async function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DynamoDbLocalStartError(
            `DynamoDB Local did not answer at ${endpoint} within ${timeoutMs} ms`,
            {
              cause: error,
            },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}
