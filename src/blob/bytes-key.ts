/**
 * A Map key for bytes (a CID, a multihash, a public key): the bytes as a latin1 string. One byte per
 * character and no alphabet work, so several times cheaper than base32 or base58 text; equal bytes
 * give equal keys.
 */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
