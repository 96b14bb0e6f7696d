import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  jsonNestingDepth,
  PROTOCOL_LIMITS,
  ProtocolError,
  parseClientMessage,
  parseEngineActionPayload,
} from '../../src/protocol';

function rejection(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseClientMessage', () => {
  it('reads action, id, payload and string metadata, ignoring unknown fields', () => {
    const message = parseClientMessage(
      JSON.stringify({
        action: 'echo',
        id: 'r1',
        payload: { text: 'hi' },
        metadata: { source: 'cli', debug: true, count: 3 },
        extra: 'ignored',
      }),
    );
    expect(message).toEqual({
      action: 'echo',
      id: 'r1',
      payload: { text: 'hi' },
      metadata: { source: 'cli' },
    });
  });

  it('accepts request_id as an alias of id, id winning when both are sent', () => {
    expect(parseClientMessage('{"action":"echo","request_id":"r2"}').id).toBe('r2');
    expect(parseClientMessage('{"action":"echo","id":"a","request_id":"b"}').id).toBe('a');
    expect(parseClientMessage('{"action":"echo"}').id).toBeUndefined();
  });

  it.each([
    ['invalid JSON', '{"action":', 'VALIDATION_ERROR'],
    ['a JSON array', '[1,2]', 'VALIDATION_ERROR'],
    ['a JSON string', '"echo"', 'VALIDATION_ERROR'],
    ['null', 'null', 'VALIDATION_ERROR'],
    ['a missing action', '{"id":"r1"}', 'VALIDATION_ERROR'],
    ['a non-string action', '{"action":42}', 'VALIDATION_ERROR'],
    ['an impossible action name', '{"action":"../etc"}', 'INVALID_ACTION'],
    ['a numeric id', '{"action":"echo","id":7}', 'VALIDATION_ERROR'],
    ['an empty id', '{"action":"echo","id":""}', 'VALIDATION_ERROR'],
  ])('rejects %s', (_, text, code) => {
    expect(rejection(() => parseClientMessage(text)).code).toBe(code);
  });

  it('keeps the id on errors found after it was read', () => {
    const error = rejection(() => parseClientMessage('{"id":"r9"}'));
    expect(error.requestId).toBe('r9');
  });

  it('rejects a message over the size limit before parsing it', () => {
    const text = JSON.stringify({
      action: 'echo',
      payload: 'x'.repeat(PROTOCOL_LIMITS.maxMessageBytes),
    });
    const error = rejection(() => parseClientMessage(text));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.details).toEqual({ size: text.length, limit: PROTOCOL_LIMITS.maxMessageBytes });
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const limits = { maxMessageBytes: 40, maxDepth: 8 };
    const ascii = JSON.stringify({ action: 'echo', payload: 'abcdefghij' });
    const multibyte = JSON.stringify({ action: 'echo', payload: 'ééééééééé' });
    expect(parseClientMessage(ascii, limits).payload).toBe('abcdefghij');
    expect(rejection(() => parseClientMessage(multibyte, limits)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects deep nesting without building the structure', () => {
    const deep = `{"action":"echo","payload":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const error = rejection(() => parseClientMessage(deep));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toEqual({ depth: 10_001, limit: PROTOCOL_LIMITS.maxDepth });
  });

  it('ignores brackets inside strings when measuring depth', () => {
    expect(jsonNestingDepth('{"a":"[[[[{{{{\\"]]]"}')).toBe(1);
  });

  it.each([
    '{"action":"echo","payload":{"__proto__":{"polluted":true}}}',
    '{"action":"echo","__proto__":{"polluted":true}}',
    '{"action":"echo","payload":[{"a":{"__proto__":{}}}]}',
    '{"action":"echo","payload":{"constructor":{"prototype":{"polluted":true}}}}',
  ])('rejects prototype-polluting keys: %s', (text) => {
    const error = rejection(() => parseClientMessage(text));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('allows a plain "constructor" field that is not a prototype carrier', () => {
    expect(parseClientMessage('{"action":"echo","payload":{"constructor":"x"}}').payload).toEqual({
      constructor: 'x',
    });
  });

  it('never throws anything but a ProtocolError, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseClientMessage(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });

  it('keeps every string metadata value and drops every other one', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), { maxKeys: 10 }),
        (metadata) => {
          // Prototype-polluting keys anywhere reject the whole message (tested above), not just the value.
          fc.pre(!holdsPollutingKey(metadata));
          const message = parseClientMessage(JSON.stringify({ action: 'echo', metadata }));
          const expected = Object.fromEntries(
            Object.entries(metadata).filter(([, v]) => typeof v === 'string'),
          );
          expect(message.metadata).toEqual(expected);
        },
      ),
    );
  });
});

/** Whether `value` holds `__proto__` or `constructor` as a key at any depth. */
function holdsPollutingKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(
    ([key, child]) => key === '__proto__' || key === 'constructor' || holdsPollutingKey(child),
  );
}

describe('parseEngineActionPayload', () => {
  it('reads the target request id, with payload.id as an alias', () => {
    expect(parseEngineActionPayload('status', { request_id: 'r1' }, 'm1')).toEqual({
      requestId: 'r1',
    });
    expect(parseEngineActionPayload('status', { id: 'r1' }, 'm1')).toEqual({ requestId: 'r1' });
  });

  it('reads last_seq, reason and event', () => {
    expect(parseEngineActionPayload('subscribe', { request_id: 'r1', last_seq: 4 }, 'm1')).toEqual({
      requestId: 'r1',
      lastSeq: 4,
    });
    expect(
      parseEngineActionPayload('cancel', { request_id: 'r1', reason: 'no longer needed' }, 'm1'),
    ).toEqual({
      requestId: 'r1',
      reason: 'no longer needed',
    });
    expect(
      parseEngineActionPayload(
        'signal',
        { request_id: 'r1', event: { type: 'APPROVE', by: 'ann' } },
        'm1',
      ),
    ).toEqual({ requestId: 'r1', event: { type: 'APPROVE', by: 'ann' } });
  });

  it.each([
    ['status', undefined],
    ['status', { request_id: 5 }],
    ['subscribe', { request_id: 'r1', last_seq: -1 }],
    ['subscribe', { request_id: 'r1', last_seq: 'x' }],
    ['signal', { request_id: 'r1' }],
    ['signal', { request_id: 'r1', event: { kind: 'x' } }],
  ] as const)(
    'rejects a bad %s payload %j with readable issues and the message id',
    (action, payload) => {
      const error = rejection(() => parseEngineActionPayload(action, payload, 'm1'));
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.requestId).toBe('m1');
      expect(error.details).toMatchObject({
        issues: [expect.objectContaining({ path: expect.any(String) })],
      });
    },
  );
});
