/** Small, stable, non-cryptographic hashes for deterministic jitter and fingerprints. */

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** 32-bit FNV-1a of `text`, mapped to [0, 1). */
export function unitHash(text: string): number {
  return fnv1a(text) / 2 ** 32;
}

/** 32-bit FNV-1a of `text` as 8 hex digits. */
export function hashHex(text: string): string {
  return fnv1a(text).toString(16).padStart(8, '0');
}
