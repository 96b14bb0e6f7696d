import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobMessage, JobReply, LoadJob, LoadResult } from './jobs';

/** The load generator process, from the bench process's side. */
export interface LoadGenerator {
  /** Runs one job in the generator process and resolves with what it measured. */
  run(job: LoadJob): Promise<LoadResult>;
  /** Ends the generator process. */
  stop(): Promise<void>;
}

/**
 * Forks `generator.ts` (with the `tsx` loader, not the parent's flags) and
 * talks to it over IPC. With `profileDir`, the generator writes a
 * `.cpuprofile` there when it exits.
 *
 * @example
 * const generator = await startLoadGenerator();
 * const result = await generator.run({ kind: 'echo', url, connections: 50, rate: 1_000, seconds: 10, drainMs: 5_000 });
 * await generator.stop();
 */
export async function startLoadGenerator(profileDir?: string): Promise<LoadGenerator> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./generator.ts', import.meta.url)), [], {
    execArgv: [
      '--import',
      'tsx',
      // With `--profile`, the generator's whole life is profiled too (its client side).
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<
    number,
    { resolve: (r: LoadResult) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let exited = false;
  child.on('message', (reply: JobReply) => {
    const waiter = waiting.get(reply.id);
    if (!waiter) return;
    waiting.delete(reply.id);
    if ('result' in reply) waiter.resolve(reply.result);
    else waiter.reject(new Error(`load generator: ${reply.error}`));
  });
  child.on('exit', (code) => {
    exited = true;
    for (const waiter of waiting.values())
      waiter.reject(new Error(`the load generator exited (code ${code})`));
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return {
    run(job) {
      if (exited) return Promise.reject(new Error('the load generator has exited'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, job } satisfies JobMessage);
      });
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill(), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
