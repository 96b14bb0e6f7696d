/** A WebSocket constructor with the browser's API: the browser's own, Node 22's global, or `ws`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/**
 * The WebSocket implementation to use: the one given, else the global one
 * (browsers, Node ≥ 22, Deno, Bun), else `ws` (Node 20), loaded only then —
 * a browser bundle never runs that import (bundlers map `ws` to its tiny
 * browser stub).
 */
export async function resolveWebSocket(
  given?: WebSocketConstructor,
): Promise<WebSocketConstructor> {
  if (given) return given;
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global === 'function') return global as WebSocketConstructor;
  const ws = await import('ws');
  return ws.WebSocket as unknown as WebSocketConstructor;
}
