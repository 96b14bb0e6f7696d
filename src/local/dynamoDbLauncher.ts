import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * How DynamoDB Local is launched so that it is closed to the network and
 * dies with its parent.
 *
 * The jar listens on every interface and has no option to change that, so
 * `LoopbackDynamoDbLocal.java` (beside this file) builds its server through
 * its own entry point and sets the Jetty connector's host to 127.0.0.1 before
 * it starts; it also exits when standard input closes, i.e. when its parent
 * dies, however it died (macOS and Linux alike). The class is compiled once
 * with `javac` into the user's cache and reused. On Linux the JVM is also
 * started under `setpriv --pdeathsig TERM` (util-linux), so the kernel signals
 * it when the parent dies even if the pipe somehow stays open.
 */

const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const LAUNCHER_SOURCE = fileURLToPath(new URL(`./${LAUNCHER_CLASS}.java`, import.meta.url));
const run = promisify(execFile);

/** How to start the JVM: the command and the arguments before DynamoDB Local's own. */
export interface DynamoDbLaunch {
  readonly command: string;
  readonly args: readonly string[];
  /** Whether it listens on 127.0.0.1 only (`false`: every interface, see `reason`). */
  readonly loopbackOnly: boolean;
  /** Why it could not be bound to loopback, when it could not. */
  readonly reason?: string;
  /** Whether the JVM dies with this process even on SIGKILL (watchdog pipe, or pdeathsig on Linux). */
  readonly diesWithParent: boolean;
}

/**
 * The command line that starts DynamoDB Local from `jarDirectory`, bound to
 * loopback when a JDK can compile the launcher, and tied to this process.
 *
 * @example
 * const launch = await dynamoDbLaunch(dynamoDbLocalDirectory());
 * spawn(launch.command, [...launch.args, '-inMemory', '-port', '8000'], { stdio: ['pipe', 'ignore', 'pipe'] });
 */
export async function dynamoDbLaunch(jarDirectory: string): Promise<DynamoDbLaunch> {
  const library = `-Djava.library.path=${join(jarDirectory, 'DynamoDBLocal_lib')}`;
  const jar = join(jarDirectory, 'DynamoDBLocal.jar');
  const guard = parentDeathGuard();
  const compiled = await launcherClasses();
  const argv =
    'classDirectory' in compiled
      ? [
          ...guard,
          'java',
          library,
          '-Dstreamer.bindHost=127.0.0.1',
          '-cp',
          [jar, compiled.classDirectory].join(delimiter),
          LAUNCHER_CLASS,
        ]
      : [...guard, 'java', library, '-jar', jar];
  return {
    command: argv[0] as string,
    args: argv.slice(1),
    loopbackOnly: 'classDirectory' in compiled,
    ...('unavailable' in compiled && { reason: compiled.unavailable }),
    diesWithParent: 'classDirectory' in compiled || guard.length > 0,
  };
}

/** `setpriv --pdeathsig TERM --` where util-linux has it (Linux), else nothing. */
function parentDeathGuard(): string[] {
  if (process.platform !== 'linux') return [];
  const setpriv = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'setpriv'))
    .find((path) => existsSync(path));
  return setpriv ? [setpriv, '--pdeathsig', 'TERM', '--'] : [];
}

let compiling: Promise<{ classDirectory: string } | { unavailable: string }> | undefined;

/** The compiled launcher's class directory (cached by source hash), or why there is none. */
function launcherClasses(): Promise<{ classDirectory: string } | { unavailable: string }> {
  compiling ??= compileLauncher().catch((error: unknown) => ({
    unavailable: `the loopback launcher could not be compiled (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): install a JDK 17+ with javac (e.g. apt-get install -y openjdk-17-jdk-headless, or brew install openjdk@17)`,
  }));
  return compiling;
}

async function compileLauncher(): Promise<{ classDirectory: string }> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const root = cacheRoot();
  const classDirectory = join(root, `dynamodb-launcher-${hash}`);
  if (existsSync(join(classDirectory, `${LAUNCHER_CLASS}.class`))) return { classDirectory };
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const building = mkdtempSync(join(root, 'building-'));
  try {
    await run('javac', ['--release', '17', '-d', building, LAUNCHER_SOURCE], { timeout: 60_000 });
    try {
      renameSync(building, classDirectory);
    } catch (error) {
      // Another process compiled the same source meanwhile: use its copy.
      if (!existsSync(join(classDirectory, `${LAUNCHER_CLASS}.class`))) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { classDirectory };
}

/** The user's own cache directory (never a shared one: the class runs with their rights). */
function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir() || tmpdir(), '.cache');
  return join(base, 'streamer-engine');
}
