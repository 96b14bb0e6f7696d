import { ProtocolError } from './errorCodes';
import type { ParseLimits } from './limits';

/** UTF-8 size of `text` in bytes, as API Gateway counts it. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Deepest nesting of objects and arrays in a JSON text, found by scanning the
 * text (strings skipped) before anything is parsed, so a hostile message
 * costs one linear pass and never builds a deep structure.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Keys that can rewrite prototypes when untrusted JSON is later merged into
 * an object (`Object.assign`, deep merges): `__proto__` anywhere, and a
 * `constructor` object holding `prototype` (the same rule as
 * secure-json-parse).
 */
export function findPrototypeKey(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      for (const item of current) pending.push(item);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__') return '__proto__';
      const child: unknown = (current as Record<string, unknown>)[key];
      if (
        key === 'constructor' &&
        child !== null &&
        typeof child === 'object' &&
        Object.hasOwn(child, 'prototype')
      ) {
        return 'constructor.prototype';
      }
      pending.push(child);
    }
  }
  return undefined;
}

/**
 * Parses untrusted JSON text within `limits` — size first, then nesting
 * depth (both before parsing), then syntax — without checking keys. Throws a
 * {@link ProtocolError} (`PAYLOAD_TOO_LARGE` or `VALIDATION_ERROR`).
 * Callers must still reject {@link findPrototypeKey} hits.
 */
export function parseJsonWithinLimits(text: string, limits: ParseLimits): unknown {
  const size = utf8Length(text);
  if (size > limits.maxMessageBytes) {
    throw new ProtocolError(
      'PAYLOAD_TOO_LARGE',
      `Message is ${size} bytes, over the limit of ${limits.maxMessageBytes} bytes`,
      { size, limit: limits.maxMessageBytes },
    );
  }
  const depth = jsonNestingDepth(text);
  if (depth > limits.maxDepth) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      `Message is nested ${depth} levels deep, over the limit of ${limits.maxDepth}`,
      { depth, limit: limits.maxDepth },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProtocolError('VALIDATION_ERROR', 'Message is not valid JSON', undefined, {
      cause: error,
    });
  }
  return value;
}

/** The error for a message holding a prototype-polluting key. */
export function forbiddenKeyError(key: string, requestId?: string): ProtocolError {
  return new ProtocolError(
    'VALIDATION_ERROR',
    `Message contains the forbidden key "${key}"`,
    { key },
    { requestId },
  );
}

/**
 * Parses untrusted JSON text within `limits`: size first, then nesting depth
 * (both before parsing), then syntax, then prototype-polluting keys. Throws a
 * {@link ProtocolError} (`PAYLOAD_TOO_LARGE` or `VALIDATION_ERROR`) naming
 * the limit that was broken.
 *
 * @example
 * parseJsonSafely('{"a":1}', { maxMessageBytes: 1024, maxDepth: 8 }); // { a: 1 }
 * parseJsonSafely('{"__proto__":{"x":1}}', limits); // throws VALIDATION_ERROR
 */
export function parseJsonSafely(text: string, limits: ParseLimits): unknown {
  const value = parseJsonWithinLimits(text, limits);
  const key = findPrototypeKey(value);
  if (key !== undefined) throw forbiddenKeyError(key);
  return value;
}
