import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/event';
import { frameForEvent, framesForEvents } from '../../src/projections/progressFeed';

function event(seq: number, type: string, data: unknown): StoredEvent {
  return {
    requestKey: 'acme#r1',
    seq,
    type,
    at: 1_000 + seq,
    tenantId: 'acme',
    userId: 'ann',
    data,
    schemaVersion: 1,
  };
}

describe('progressFeed', () => {
  it('maps step.progress to a progress frame with the client id, seq and the event time', () => {
    expect(
      frameForEvent(
        event(3, 'step.progress', {
          stepId: 's',
          percentage: 40,
          message: 'Rendering',
          metadata: { page: 2 },
        }),
        'r1',
      ),
    ).toEqual({
      type: 'progress',
      request_id: 'r1',
      percentage: 40,
      message: 'Rendering',
      metadata: { page: 2 },
      seq: 3,
      timestamp: 1_003,
    });
  });

  it('maps the terminal events to complete or error frames carrying seq', () => {
    expect(frameForEvent(event(5, 'request.completed', { output: { url: 'x' } }), 'r1')).toEqual({
      type: 'complete',
      request_id: 'r1',
      result: { url: 'x' },
      seq: 5,
      timestamp: 1_005,
    });
    expect(
      frameForEvent(
        event(5, 'request.failed', {
          error: { name: 'Error', message: 'boom', retryable: false },
          attempts: 3,
        }),
        'r1',
      ),
    ).toMatchObject({
      type: 'error',
      request_id: 'r1',
      seq: 5,
      error: { code: 'PROCESSING_FAILED', message: 'boom' },
    });
    expect(
      frameForEvent(
        event(5, 'request.failed', {
          error: { name: 'TimeoutError', message: 'slow', retryable: true },
          attempts: 3,
        }),
        'r1',
      ),
    ).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(
      frameForEvent(event(5, 'request.cancelled', { reason: 'user asked' }), 'r1'),
    ).toMatchObject({
      type: 'error',
      seq: 5,
      error: { code: 'CANCELLED', message: 'user asked' },
    });
  });

  it('gives no frame for bookkeeping events', () => {
    for (const type of [
      'request.accepted',
      'step.started',
      'step.completed',
      'request.dead_lettered',
      'request.suspended',
    ]) {
      expect(frameForEvent(event(1, type, {}), 'r1')).toBeUndefined();
    }
  });

  it('maps a run of events to frames in seq order, the same every time', () => {
    const log = [
      event(1, 'request.accepted', {}),
      event(2, 'step.progress', { stepId: 's', percentage: 50, message: 'half' }),
      event(3, 'step.completed', { stepId: 's', output: 1 }),
      event(4, 'request.completed', { output: 1 }),
    ];
    const frames = framesForEvents(log, 'r1');
    expect(frames.map((f) => f.type)).toEqual(['progress', 'complete']);
    expect(framesForEvents(log, 'r1')).toEqual(frames);
  });
});
