import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One stack per data directory. Two DynamoDB Locals on one `--persist`
 * directory would both write its SQLite files, so a stack takes a lock file
 * in the directory first; a second one refuses to start and leaves the first
 * untouched. The lock names its holder's process; a lock whose holder is
 * gone (the stack was killed) is taken over.
 */

const LOCK_FILE = 'stack.lock';
/** Locks this process holds (a second stack in the same process must refuse too). */
const heldHere = new Set<string>();

/** Who holds a data directory. */
export interface LockHolder {
  readonly pid: number;
  /** Epoch ms when it took the lock. */
  readonly since: number;
  /** Linux: the holder's start time in clock ticks since boot, so a reused pid is not taken for it. */
  readonly processStart?: string;
}

/** Raised when another running stack holds the data directory. */
export class DataDirBusyError extends Error {
  override readonly name = 'DataDirBusyError';
  constructor(
    readonly directory: string,
    readonly holder: LockHolder,
  ) {
    super(
      `Another local stack (pid ${holder.pid}, since ${new Date(holder.since).toISOString()}) is using the data directory ${directory}: stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or start this one without --persist. Nothing was changed.`,
    );
  }
}

/** A held lock. */
export interface DataDirLock {
  /** Removes the lock file if this process still holds it. Safe to call twice. */
  release(): void;
}

/**
 * Takes the lock of `directory` (creating it), or throws
 * {@link DataDirBusyError} when a live process holds it.
 *
 * @example
 * const lock = lockDataDir('.streamer/dynamodb');
 * try { … } finally { lock.release(); }
 */
export function lockDataDir(directory: string): DataDirLock {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    since: Date.now(),
    ...(processStart(process.pid) && { processStart: processStart(process.pid) }),
  };
  for (let tries = 0; tries < 3; tries++) {
    // Written aside, then linked into place: the lock appears whole or not at all.
    const draft = `${path}.${process.pid}`;
    writeFileSync(draft, JSON.stringify(me));
    try {
      linkSync(draft, path);
      heldHere.add(path);
      return { release: () => releaseIfMine(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && (heldHere.has(path) || isAlive(holder))) {
        throw new DataDirBusyError(directory, holder);
      }
      rmSync(path, { force: true }); // stale: its stack was killed
    } finally {
      rmSync(draft, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${path}: another stack keeps taking it; try again`);
}

function releaseIfMine(path: string): void {
  if (!heldHere.delete(path)) return;
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock's holder still runs (and is the same process, where the OS says). */
function isAlive(holder: LockHolder): boolean {
  // This process, but not a lock it holds now: left by an earlier run that reused our pid.
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(holder.pid);
  return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

/** Linux: field 22 of /proc/<pid>/stat (start time since boot); undefined elsewhere. */
function processStart(pid: number): string | undefined {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  try {
    // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
    const text = readFileSync(stat, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
