// Names and hashes in the shapes the real control plane produces, so that
// objects in the sandbox read like objects in a cluster.
import { randomInt } from 'node:crypto';
import { canonicalJson } from '../semantic.js';

/** The apiserver's alphabet for generated names: no vowels, no look-alikes (k8s.io/apimachinery/pkg/util/rand). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps every byte to a letter of the safe alphabet, as rand.SafeEncodeString. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** The 5-character suffix generateName adds. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[randomInt(SAFE_ALPHABET.length)];
  return out;
}

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The pod-template-hash / controller-revision-hash of a template: FNV-32a over
 * the template, then the collision count as 4 little-endian bytes, printed in
 * decimal and safe-encoded (controller.ComputeHash). The controller hashes Go's
 * printed struct; hashing canonical JSON gives values of the same look
 * (`8f94845dc`) that change exactly when the template does.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  const enc = new TextEncoder();
  let h = fnv32a(enc.encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const cc = new Uint8Array(4);
    new DataView(cc.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(cc, h);
  }
  return safeEncode(String(h));
}

/** 64 hex digits, the shape of container IDs and image digests. */
export function hex64(seed: string): string {
  let out = '';
  let h = fnv32a(new TextEncoder().encode(seed));
  while (out.length < 64) {
    h = fnv32a(new TextEncoder().encode(String(h)), h);
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}
