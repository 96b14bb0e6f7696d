import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ID_RULES,
  InvalidIdError,
  idProblem,
  parseRequestKey,
  toRequestKey,
} from '../../src/events/requestKey';

// DynamoDB stores strings as UTF-8; Node's encoder maps a lone surrogate to
// U+FFFD exactly as the stored item would. Two keys collide in the table iff
// their UTF-8 bytes are equal.
const stored = (key: string) => Buffer.from(key, 'utf8').toString('hex');

/** Characters that broke keys before, and their look-alikes, mixed with any UTF-16 unit. */
const tricky = fc.constantFrom('#', '\ud801', '\udc37', '\ufffd', '?', '_', 'é', 'e\u0301', ' ');
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  tricky,
  fc.constantFrom('a', 'b', 'X', '1', '-'),
);
const anyString = fc.string({ unit, maxLength: 12 });

/** What a lossy encoder might turn a character into (U+FFFD for a lone surrogate, `?`, `_` …). */
const lookAlike = (char: string, pick: number): string => {
  const options = ['\ufffd', '?', '_', char.normalize('NFC'), char.toLowerCase()];
  return options[pick % options.length] as string;
};

/** A string and a copy with some characters swapped for look-alikes. */
const nearTwins = fc
  .tuple(anyString, fc.array(fc.nat(), { minLength: 12, maxLength: 12 }))
  .map(([text, picks]): [string, string] => [
    text,
    [...text]
      .map((char, i) => ((picks[i] ?? 0) % 2 === 0 ? char : lookAlike(char, picks[i] ?? 0)))
      .join(''),
  ]);

/** Two (tenant, request id) pairs: unrelated, or near twins of each other. */
const twoPairs: fc.Arbitrary<readonly [string, string, string, string]> = fc.oneof(
  fc.tuple(anyString, anyString, anyString, anyString),
  fc.tuple(nearTwins, nearTwins).map(([[t1, t2], [r1, r2]]) => [t1, r1, t2, r2] as const),
  fc.tuple(anyString, nearTwins).map(([t, [r1, r2]]) => [t, r1, t, r2] as const),
);

function keyOf(tenantId: string, requestId: string): string | undefined {
  try {
    return toRequestKey(tenantId, requestId);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidIdError);
    return undefined;
  }
}

describe('request keys', () => {
  it('never store two different (tenant, request id) pairs under one key', () => {
    fc.assert(
      fc.property(twoPairs, ([t1, r1, t2, r2]) => {
        const k1 = keyOf(t1, r1);
        const k2 = keyOf(t2, r2);
        if (k1 === undefined || k2 === undefined) return;
        if (t1 === t2 && r1 === r2) expect(stored(k1)).toBe(stored(k2));
        else expect(stored(k1)).not.toBe(stored(k2));
      }),
      { numRuns: 10_000 },
    );
  });

  it('never collide when the separator moves between tenant and request id', () => {
    fc.assert(
      fc.property(anyString, anyString, anyString, (a, b, c) => {
        const k1 = keyOf(a, `${b}#${c}`);
        const k2 = keyOf(`${a}#${b}`, c);
        if (k1 !== undefined && k2 !== undefined) expect(stored(k1)).not.toBe(stored(k2));
      }),
      { numRuns: 10_000 },
    );
  });

  it('split back into the ids they were built from', () => {
    fc.assert(
      fc.property(anyString, anyString, (tenantId, requestId) => {
        const key = keyOf(tenantId, requestId);
        if (key !== undefined) expect(parseRequestKey(key)).toEqual({ tenantId, requestId });
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuse the lone-surrogate look-alikes an attacker used to meet another tenant', () => {
    expect(() => toRequestKey('tk-X\ud801', 'r1')).toThrow(InvalidIdError);
    expect(() => toRequestKey('acme', 'dl-\ud801')).toThrow(/well-formed Unicode/);
    expect(toRequestKey('acme', 'dl-\ufffd')).toBe('acme#dl-\ufffd');
  });
});

describe('id rules', () => {
  it.each([
    ['tenantId', 'tenant-a\u0000'],
    ['tenantId', 'tenant-a\nx'],
    ['tenantId', '   '],
    ['tenantId', 'a#b'],
    ['tenantId', ''],
    ['tenantId', 'x'.repeat(ID_RULES.tenantId.maxLength + 1)],
    ['userId', 'ann\u200b'],
    ['userId', ' ann'],
    ['userId', '\ud800'],
    ['requestId', 'r\u0007'],
    ['requestId', 'r\u202e1'],
    ['requestId', 'x'.repeat(ID_RULES.requestId.maxLength + 1)],
  ] as const)('refuse %s %j', (kind, value) => {
    expect(idProblem(kind, value)).toBeTypeOf('string');
  });

  it.each([
    ['tenantId', 'acme'],
    ['tenantId', 'tenant_01.eu:prod@x+y-z'],
    ['tenantId', 'société'],
    ['userId', 'auth0|64f1c2 ann@example.com'],
    ['requestId', 'dl-é'],
    ['requestId', 'order #42 / 2026'],
    ['requestId', '01JD0000000000000000000000'],
  ] as const)('accept %s %j', (kind, value) => {
    expect(idProblem(kind, value)).toBeUndefined();
  });
});
