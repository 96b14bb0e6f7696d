import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeListCursor, encodeListCursor } from '../../src/inspect/listCursor';
import { ProtocolError } from '../../src/protocol';

const filters = { status: 'FAILED' as const, action: 'echo_async' };

function issueOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    const details = (error as ProtocolError).toFrameError().details as {
      issues: { path: string; message: string }[];
    };
    return `${details.issues[0]?.path}: ${details.issues[0]?.message}`;
  }
}

describe('the list cursor', () => {
  it('gives back the position it was made from, under the same filters', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\w.-]+$/.test(s)),
        fc.nat(),
        (requestId, createdAt) => {
          const cursor = encodeListCursor({ requestId, createdAt }, filters);
          expect(decodeListCursor(cursor, filters, 'm1')).toEqual({ requestId, createdAt });
        },
      ),
    );
  });

  it('holds no tenant and no storage key', () => {
    const cursor = encodeListCursor({ requestId: 'r-1', createdAt: 5 }, filters);
    const body = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    expect(Object.keys(body).sort()).toEqual(['c', 'f', 'r', 'v']);
    expect(JSON.stringify(body)).not.toContain('#');
  });

  it('refuses a cursor sent with other filters, and anything it did not write', () => {
    const cursor = encodeListCursor({ requestId: 'r-1', createdAt: 5 }, filters);
    expect(issueOf(() => decodeListCursor(cursor, { status: 'FAILED' }, 'm1'))).toMatch(
      /^payload\.cursor: this cursor belongs to a list with other filters/,
    );
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const bad of [
      'not base64 json',
      forged({ v: 2, r: 'r-1', c: 5, f: 'x' }),
      forged({ v: 1, r: 'a\ud801', c: 5 }),
      forged({ v: 1, r: 'r-1', c: -1 }),
      forged([1, 2]),
    ]) {
      expect(issueOf(() => decodeListCursor(bad, filters, 'm1'))).toBe(
        'payload.cursor: not a cursor from list',
      );
    }
  });
});
