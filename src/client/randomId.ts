/**
 * A random id for a message or a run (122 random bits as a UUID when the
 * platform has `crypto.randomUUID`, which browsers only offer to secure
 * pages; else 128 bits from `crypto.getRandomValues` as hex).
 */
export function randomId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
