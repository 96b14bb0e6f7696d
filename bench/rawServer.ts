import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

/** The raw `ws` baseline server (see {@link startRawServer}). */
export interface RawServer {
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The fastest thing this machine can do on each front-door path, in the
 * bench process beside the gateway so both share one event loop's
 * conditions:
 *
 * - **echo**: a message `{"id": …}` is answered with a `response` frame for it
 *   (one `JSON.parse`, one `send`: no authorizer context, no router);
 * - **connect**: a bare handshake (no token, no `$connect`, no record);
 * - **relay** (fan-out): every connection is told its id in its first frame;
 *   a connection opened with `?control=1` sends `<id>|<data>` and the server
 *   sends `<data>` to that connection — one socket write per frame, the raw
 *   twin of a Management API `PostToConnection`.
 */
export async function startRawServer(): Promise<RawServer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const byId = new Map<string, WebSocket>();
  let next = 0;
  wss.on('connection', (socket, request) => {
    if (request.url?.includes('control=1')) {
      socket.on('message', (data) => {
        const text = data.toString();
        const bar = text.indexOf('|');
        byId.get(text.slice(0, bar))?.send(text.slice(bar + 1));
      });
      return;
    }
    const id = `r${next++}`;
    byId.set(id, socket);
    socket.on('close', () => byId.delete(id));
    socket.send(`{"id":"${id}"}`);
    socket.on('message', (data) => {
      const { id: requestId } = JSON.parse(data.toString()) as { id: string };
      socket.send(
        JSON.stringify({ type: 'response', request_id: requestId, success: true, data: null }),
      );
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
