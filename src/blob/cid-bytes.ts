/**
 * CIDs as their binary form, for the sync path. A `CID` object costs ~1.8 µs and five objects to
 * decode; a sync storm decodes each of tens of thousands of CIDs several times on the main thread
 * (reconcile, fetch reply), and those objects were a quarter of what the main thread allocated.
 * Sync only compares, hashes and forwards CIDs, so it keeps their bytes, checked here once.
 *
 * Accepted: CIDv1 (version, codec, multihash code, digest length, digest) with minimal varints of
 * at most 4 bytes each, and CIDv0 (a sha2-256 multihash of 32 bytes). That is every CID
 * `CID.decode` accepts whose bytes it would encode back unchanged, less codes above 2^28; so equal
 * CIDs always have equal bytes, and a bytes key (bytes-key.ts) names one CID.
 */
import { CID } from 'multiformats/cid';

/** A CID's binary form, checked by {@link cidBytesProblem} where it came from outside. */
export type CidBytes = Uint8Array;

const MAX_VARINT_BYTES = 4;
const SHA2_256 = 0x12;
const SHA2_256_BYTES = 32;

/** Why `bytes` is not one canonical CID, or null when it is. Allocates nothing when it is. */
export function cidBytesProblem(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'empty';
  if (bytes[0] === SHA2_256) {
    if (bytes.length === 2 + SHA2_256_BYTES && bytes[1] === SHA2_256_BYTES) return null;
    return 'CIDv0 must be a sha2-256 multihash of 32 bytes';
  }
  let at = 0;
  let digestLength = 0;
  for (let field = 0; field < 4; field++) {
    const start = at;
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) return 'truncated';
      if (at - start === MAX_VARINT_BYTES) return `varint over ${MAX_VARINT_BYTES} bytes`;
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) {
        // A last byte of 0 after others means a longer encoding than needed.
        if (b === 0 && at - start > 1) return 'varint not minimally encoded';
        break;
      }
    }
    if (field === 0 && value !== 1) return `unsupported CID version ${value}`;
    if (field === 3) digestLength = value;
  }
  if (bytes.length - at !== digestLength) {
    return `digest length says ${digestLength} bytes, ${bytes.length - at} follow`;
  }
  return null;
}

/** The multihash inside a checked CID (a view, no copy): what the blobs table is keyed by. */
export function cidMultihash(bytes: CidBytes): Uint8Array {
  if (bytes[0] === SHA2_256) return bytes;
  // Skip the version (1 byte: always 1) and the codec varint.
  let at = 1;
  while (bytes[at]! >= 0x80) at++;
  return bytes.subarray(at + 1);
}

/** The CID's usual text (base32), for messages and logs; the bytes themselves when not a CID. */
export function cidText(bytes: Uint8Array): string {
  try {
    return CID.decode(bytes).toString();
  } catch {
    return `(not a CID: ${Buffer.from(bytes).toString('hex')})`;
  }
}
