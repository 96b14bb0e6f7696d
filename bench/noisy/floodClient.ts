import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FloodJob, FloodResult } from './tenantFlood';

/**
 * Runs one flood in a forked process (`tenantFlood.ts`), so the noisy
 * tenant's client CPU is not billed to the stack's event loop, and resolves
 * with what it counted.
 */
export function runFlood(job: FloodJob): Promise<FloodResult> {
  const child = fork(fileURLToPath(new URL('./tenantFlood.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<FloodResult>((resolve, reject) => {
    child.once('message', (reply: { result?: FloodResult; error?: string }) => {
      child.disconnect();
      if (reply.result) resolve(reply.result);
      else reject(new Error(`noisy tenant: ${reply.error}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) reject(new Error(`noisy tenant exited with ${code}`));
    });
    child.send(job);
  });
}
