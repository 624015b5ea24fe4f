/**
 * Signing and verifying structural blobs by patching the `sig` bytes (BLOBS.md).
 *
 * The signed message is the blob's canonical DAG-CBOR with `sig` set to 64 zero bytes. Canonical
 * encoding gives `sig` a fixed position and a fixed header (`0x63 s i g` then `0x58 0x40` and the
 * 64 bytes), so verifying needs only a copy of the bytes with those 64 bytes zeroed: no decode and
 * re-encode. To find the field we walk the top-level map's keys, skipping each value as a whole
 * CBOR item, so a `sig`-like byte run inside some other field (a string, a block's text, a nested
 * map's own `sig` key) can never be mistaken for it.
 *
 * The decoders have already checked the bytes are canonical (dag-cbor.ts), so the walk may assume
 * definite lengths; it still bounds-checks every step because it is also used on unchecked bytes.
 */
import { BlobError, InvalidInputError } from '../errors.ts';
import { encodeDagCbor } from './dag-cbor.ts';
import type { KeyPair } from './keys.ts';
import { signerKind, verifyPrincipalSignature } from './principal.ts';

/** Ed25519 and P-256 (r‖s) signatures are both 64 bytes. */
export const SIG_BYTES = 64;
const SIG_KEY = [0x73, 0x69, 0x67]; // "sig"
const MAJOR_TEXT = 3;
const MAJOR_MAP = 5;

/** Throws BAD_SIGNATURE unless `sig` is `signer`'s signature of `bytes` with the sig field zeroed. */
export function verifyBlobSignature(bytes: Uint8Array, signer: Uint8Array, sig: Uint8Array): void {
  const kind = signerKind(signer); // BAD_PRINCIPAL unless Ed25519 or P-256
  const offset = locateSignature(bytes);
  if (!sameSig(bytes, offset, sig)) {
    throw new BlobError('BAD_SIGNATURE', 'the sig given is not the one in the blob bytes', {
      field: 'sig',
    });
  }
  if (!verifyPrincipalSignature(signer, signedBytes(bytes, offset), sig)) {
    const scheme = kind === 'ed25519' ? 'Ed25519' : 'ECDSA P-256';
    throw new BlobError('BAD_SIGNATURE', `${scheme} signature does not verify for the signer`, {
      field: 'sig',
    });
  }
}

/** Canonical bytes of `map` (which has no `sig`) signed by `key`, with the signature in `sig`. */
export function signBlobMap(map: Record<string, unknown>, key: KeyPair): Uint8Array {
  if (Object.hasOwn(map, 'sig')) {
    throw new InvalidInputError('the map to sign must not carry a sig yet', { field: 'sig' });
  }
  const signer = map['signer'];
  if (signer !== undefined && !(signer instanceof Uint8Array && sameBytes(signer, key.principal))) {
    throw new InvalidInputError('signer is not the principal of the signing key', {
      field: 'signer',
    });
  }
  const bytes = encodeDagCbor({ ...map, signer: key.principal, sig: new Uint8Array(SIG_BYTES) });
  const offset = locateSignature(bytes);
  bytes.set(key.sign(bytes), offset);
  return bytes;
}

/** A copy of `bytes` with the signature zeroed: the message that was signed. */
export function signedBytes(bytes: Uint8Array, offset = locateSignature(bytes)): Uint8Array {
  const copy = new Uint8Array(bytes); // copy: the caller's bytes may be shared or stored
  copy.fill(0, offset, offset + SIG_BYTES);
  return copy;
}

/**
 * Offset of the 64 signature bytes of the top-level `sig` field. BLOB_MALFORMED (field `sig`)
 * when the top level is not a map or has no 64-byte `sig`.
 */
export function locateSignature(bytes: Uint8Array): number {
  const cur = { pos: 0 };
  const top = readHead(bytes, cur);
  if (top.major !== MAJOR_MAP) throw noSig('the blob is not a DAG-CBOR map');
  for (let i = 0; i < top.arg; i++) {
    const key = readHead(bytes, cur);
    if (key.major !== MAJOR_TEXT) throw noSig('map key is not a string');
    const keyStart = cur.pos;
    cur.pos += key.arg;
    if (cur.pos > bytes.length) throw noSig('map key runs past the end');
    if (key.arg === SIG_KEY.length && matches(bytes, keyStart, SIG_KEY)) {
      return sigValueOffset(bytes, cur.pos);
    }
    skipItem(bytes, cur);
  }
  throw noSig('no sig field');
}

function sigValueOffset(bytes: Uint8Array, pos: number): number {
  // 0x58 = byte string with a 1-byte length; 0x40 = 64.
  if (bytes[pos] !== 0x58 || bytes[pos + 1] !== SIG_BYTES || pos + 2 + SIG_BYTES > bytes.length) {
    throw noSig(`sig is not ${SIG_BYTES} bytes`);
  }
  return pos + 2;
}

type Head = { major: number; arg: number };

/** Reads one CBOR head (major type and argument) at `cur.pos` and advances past it. */
function readHead(bytes: Uint8Array, cur: { pos: number }): Head {
  if (cur.pos >= bytes.length) throw noSig('truncated CBOR');
  const first = bytes[cur.pos++];
  const major = first >> 5;
  const info = first & 31;
  if (info < 24) return { major, arg: info };
  const width = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (width === 0) throw noSig('indefinite-length or reserved CBOR item');
  if (cur.pos + width > bytes.length) throw noSig('truncated CBOR');
  let arg = 0;
  for (let i = 0; i < width; i++) arg = arg * 256 + bytes[cur.pos + i];
  cur.pos += width;
  return { major, arg };
}

/** Skips one complete CBOR item (iteratively: nesting depth costs no stack). */
function skipItem(bytes: Uint8Array, cur: { pos: number }): void {
  let pending = 1;
  while (pending > 0) {
    pending--;
    const { major, arg } = readHead(bytes, cur);
    if (major === 2 || major === 3) {
      cur.pos += arg;
      if (cur.pos > bytes.length) throw noSig('string runs past the end');
    } else if (major === 4) {
      pending += arg;
    } else if (major === MAJOR_MAP) {
      pending += 2 * arg;
    } else if (major === 6) {
      pending += 1;
    }
    // Majors 0, 1 and 7 (ints, simple values, floats) are complete after their head.
    if (pending > bytes.length) throw noSig('item count exceeds the input size');
  }
}

function matches(bytes: Uint8Array, at: number, want: number[]): boolean {
  for (let i = 0; i < want.length; i++) if (bytes[at + i] !== want[i]) return false;
  return true;
}

function sameSig(bytes: Uint8Array, offset: number, sig: Uint8Array): boolean {
  if (sig.length !== SIG_BYTES) return false;
  for (let i = 0; i < SIG_BYTES; i++) if (bytes[offset + i] !== sig[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function noSig(reason: string): BlobError {
  return new BlobError('BLOB_MALFORMED', `cannot locate the signature: ${reason}`, {
    field: 'sig',
  });
}
