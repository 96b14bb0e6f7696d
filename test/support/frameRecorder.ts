import type WebSocket from 'ws';
import type { ServerFrame } from '../../src/protocol';

/** Every frame a test client's socket received, and a way to wait for one. */
export interface FrameRecorder {
  /** Every frame received so far, parsed, in arrival order. */
  readonly frames: ServerFrame[];
  /** Resolves with the first frame from index `start` on (already received or later) that matches. */
  waitFrom(
    start: number,
    predicate: (frame: ServerFrame) => boolean,
    timeoutMs: number,
  ): Promise<ServerFrame>;
}

/** Records the frames `socket` receives; both test harnesses' clients are built on it. */
export function recordFrames(socket: WebSocket): FrameRecorder {
  const frames: ServerFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as ServerFrame);
    for (const wake of [...waiters]) wake();
  });
  const waitFrom = (start: number, predicate: (frame: ServerFrame) => boolean, timeoutMs: number) =>
    new Promise<ServerFrame>((resolve, reject) => {
      const check = () => {
        const found = frames.slice(start).find(predicate);
        if (!found) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `No matching frame within ${timeoutMs} ms; received: ${JSON.stringify(frames)}`,
          ),
        );
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  return { frames, waitFrom };
}
