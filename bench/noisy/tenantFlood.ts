/**
 * The noisy tenant of the noisy-neighbour scenario, in a process of its own
 * (forked by `floodClient.ts`): a burst of async starts sent at once, then a
 * flood of `status` messages at a fixed rate, over several connections. It
 * counts what came back by kind and error code and reports over IPC.
 */

import { WebSocket } from 'ws';
import { openLoop, waitUntil } from '../stats';

/** What the noisy tenant does. */
export interface FloodJob {
  /** Gateway URL with the noisy tenant's token. */
  readonly url: string;
  readonly connections: number;
  /** Async starts sent at once, before the flood. */
  readonly burst: { readonly count: number; readonly action: string; readonly payload: unknown };
  /** `status` messages per second, for `seconds`. */
  readonly statusRate: number;
  readonly seconds: number;
  /** How long to wait for the last answers. */
  readonly drainMs: number;
}

/** What came back. */
export interface FloodResult {
  readonly sent: number;
  readonly answered: number;
  /** Answers by `type` or `error.<code>`. */
  readonly byKind: Readonly<Record<string, number>>;
  /** `complete` frames of the burst's runs that got in. */
  readonly completed: number;
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function flood(job: FloodJob): Promise<FloodResult> {
  const sockets = await Promise.all(
    Array.from({ length: job.connections }, () => openSocket(job.url)),
  );
  const byKind: Record<string, number> = {};
  let answered = 0;
  let completed = 0;
  let sent = 0;
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; error?: { code?: string } };
      if (frame.type === 'complete') completed++;
      if (frame.type === 'progress' || frame.type === 'complete') return;
      answered++;
      const kind = frame.type === 'error' ? `error.${frame.error?.code}` : frame.type;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    });
  }
  const send = (i: number, message: unknown) => {
    (sockets[i % sockets.length] as WebSocket).send(JSON.stringify(message));
    sent++;
  };
  const prefix = `noisy-${Date.now()}`;
  for (let i = 0; i < job.burst.count; i++) {
    send(i, { action: job.burst.action, id: `${prefix}-a${i}`, payload: job.burst.payload });
  }
  await openLoop({ rate: job.statusRate, seconds: job.seconds }, (i) =>
    send(i, { action: 'status', id: `${prefix}-s${i}`, payload: { request_id: `${prefix}-a0` } }),
  );
  await waitUntil(() => answered >= sent, job.drainMs);
  for (const socket of sockets) socket.terminate();
  return { sent, answered, byKind, completed };
}

process.on('message', (job: FloodJob) => {
  flood(job).then(
    (result) => process.send?.({ result }),
    (error: unknown) => process.send?.({ error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
