import { createHash } from 'node:crypto';

/**
 * The fingerprint of DESIGN §5: the items' SHA-256 hashes summed as 256-bit little-endian integers
 * mod 2^256, then the first 16 bytes of SHA-256 over (sum ‖ count as uint64 LE).
 *
 * Sums are kept as 8 little-endian 32-bit limbs so that prefix sums can be stored in one
 * Uint32Array and a range's sum is one subtraction (the sealed set's O(1) range sum).
 */

export const FINGERPRINT_BYTES = 16;
export const LIMBS = 8;

/** SHA-256 of an item's id: the value summed into fingerprints. */
export function itemHash(id: Uint8Array): Uint8Array {
  return createHash('sha256').update(id).digest();
}

/** acc[at..at+8) += 32-byte little-endian value, mod 2^256. */
export function addInto(acc: Uint32Array, at: number, value: Uint8Array): void {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  let carry = 0;
  for (let k = 0; k < LIMBS; k++) {
    const sum = acc[at + k]! + view.getUint32(k * 4, true) + carry;
    acc[at + k] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}

/** (a[ai..] − b[bi..]) mod 2^256 as 32 little-endian bytes. */
export function difference(a: Uint32Array, ai: number, b: Uint32Array, bi: number): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  let borrow = 0;
  for (let k = 0; k < LIMBS; k++) {
    let d = a[ai + k]! - b[bi + k]! - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 0x100000000;
    view.setUint32(k * 4, d, true);
  }
  return out;
}

/** Fingerprint of a range from its 256-bit sum (little-endian bytes) and its item count. */
export function fingerprintOf(sum: Uint8Array, count: number): Uint8Array {
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setBigUint64(0, BigInt(count), true);
  return createHash('sha256').update(sum).update(tail).digest().subarray(0, FINGERPRINT_BYTES);
}
