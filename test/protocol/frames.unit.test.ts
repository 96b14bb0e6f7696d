import { describe, expect, it } from 'vitest';
import {
  acknowledgmentFrame,
  errorFrame,
  failedResponseFrame,
  pongFrame,
  responseFrame,
} from '../../src/protocol';

describe('frames', () => {
  it('builds each frame with its type and timestamp', () => {
    expect(responseFrame('r1', { ok: 1 }, 5)).toEqual({
      type: 'response',
      request_id: 'r1',
      success: true,
      data: { ok: 1 },
      timestamp: 5,
    });
    expect(failedResponseFrame('r1', { code: 'PROCESSING_FAILED', message: 'boom' }, 5)).toEqual({
      type: 'response',
      request_id: 'r1',
      success: false,
      data: null,
      error: { code: 'PROCESSING_FAILED', message: 'boom' },
      timestamp: 5,
    });
    expect(acknowledgmentFrame('r1', 5)).toMatchObject({
      type: 'acknowledgment',
      status: 'queued',
      timestamp: 5,
    });
    expect(acknowledgmentFrame('r1', 5, { duplicate: true })).toMatchObject({ duplicate: true });
    expect(pongFrame(5)).toEqual({ type: 'pong', timestamp: 5 });
  });

  it('omits request_id and seq from an error frame when they are unknown', () => {
    const frame = errorFrame({ code: 'VALIDATION_ERROR', message: 'bad' }, 5);
    expect(frame).toEqual({
      type: 'error',
      error: { code: 'VALIDATION_ERROR', message: 'bad' },
      timestamp: 5,
    });
    expect(
      errorFrame({ code: 'CANCELLED', message: 'x' }, 5, { requestId: 'r1', seq: 4 }),
    ).toMatchObject({
      request_id: 'r1',
      seq: 4,
    });
  });
});
