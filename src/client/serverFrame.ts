import type { ServerFrame } from '../protocol/frames';

const FRAME_TYPES = new Set([
  'response',
  'acknowledgment',
  'progress',
  'complete',
  'error',
  'pong',
]);

/**
 * Reads one server frame, or undefined for anything that is not one (API
 * Gateway's own `{"message":"Internal server error"}` when an integration
 * fails, for example). Frames come from our own server, so the shape of the
 * known types is trusted beyond `type`.
 */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && FRAME_TYPES.has(type) ? (value as ServerFrame) : undefined;
}
