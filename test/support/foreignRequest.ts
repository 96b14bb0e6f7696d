import { expect } from 'vitest';
import type { ServerFrame } from '../../src/protocol';

/** Anything that sends a message and waits for its reply frame. */
interface Requester {
  request(message: unknown): Promise<ServerFrame>;
}

/** A frame without its `timestamp`, to compare frames sent at different moments. */
export function withoutTimestamp(frame: ServerFrame): Record<string, unknown> {
  const { timestamp: _, ...rest } = frame;
  return rest;
}

/**
 * Sends `action` about another tenant's request `knownId`, then about an id
 * nobody used, and expects the same NOT_FOUND for both (only the id in the
 * message differs): another tenant's request is indistinguishable from a
 * missing one.
 */
export async function expectForeignLikeMissing(
  client: Requester,
  action: string,
  knownId: string,
  payloadFor: (action: string, id: string) => Record<string, unknown>,
): Promise<void> {
  const foreign = await client.request({
    action,
    id: `${action}-1`,
    payload: payloadFor(action, knownId),
  });
  const missing = await client.request({
    action,
    id: `${action}-1`,
    payload: payloadFor(action, `${knownId}-missing`),
  });
  expect(withoutTimestamp(foreign)).toEqual({
    type: 'error',
    request_id: `${action}-1`,
    error: { code: 'NOT_FOUND', message: `Request ${knownId} was not found` },
  });
  expect(withoutTimestamp(missing)).toEqual({
    ...withoutTimestamp(foreign),
    error: { code: 'NOT_FOUND', message: `Request ${knownId}-missing was not found` },
  });
}
