/**
 * CIDs of blobs: CIDv1 over DAG-CBOR, raw or dag-pb bytes, hashed with sha2-256 (Seed's TypeScript
 * tools) or blake2b-256 (Seed's Go node). Both must be accepted: a blob is checked with the hash
 * its CID names.
 *
 * Size is checked before any hashing so an oversized blob costs nothing (BLOBS.md: 2 MiB limit).
 */
import { hash as oneShotHash } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { MAX_BLOB_BYTES } from '../constants.ts';
import { BlobError, InvalidInputError } from '../errors.ts';

/** Multicodec codes of the codecs a blob may have. */
export const CODEC = { dagCbor: 0x71, raw: 0x55, dagPb: 0x70 } as const;
/** Multihash codes Seedling can check. */
export const HASH_CODE = { 'sha2-256': 0x12, 'blake2b-256': 0xb220 } as const;
export type HashName = keyof typeof HASH_CODE;

const DIGEST_BYTES = 32;
const CODECS = new Set<number>(Object.values(CODEC));
/** Longest CID text accepted from a user or peer (a CIDv1 with a 32-byte digest is ~60 chars). */
const MAX_CID_TEXT = 200;

/** The 32-byte digest of `bytes`. blake2b-256 is BLAKE2b with a 32-byte output parameter, not a truncated blake2b-512. */
export function hashBytes(bytes: Uint8Array, hash: HashName = 'sha2-256'): Uint8Array {
  // One-shot hashing skips the Hash object: ~1–2 µs less per blob on the verify path.
  if (hash === 'sha2-256') return oneShotHash('sha256', bytes, 'buffer');
  if (hash === 'blake2b-256') return blake2b(bytes, { dkLen: DIGEST_BYTES });
  throw new BlobError('UNSUPPORTED_HASH', `unknown hash "${String(hash)}"`);
}

/** CIDv1 of `bytes` under `codec`; `BLOB_TOO_LARGE` above MAX_BLOB_BYTES (not hashed). */
export function cidForBytes(bytes: Uint8Array, codec: number, hash: HashName = 'sha2-256'): CID {
  checkSize(bytes);
  if (!CODECS.has(codec)) {
    throw new BlobError(
      'UNSUPPORTED_CODEC',
      `codec 0x${codec.toString(16)} is not dag-cbor, raw or dag-pb`,
    );
  }
  const code = HASH_CODE[hash];
  if (code === undefined) throw new BlobError('UNSUPPORTED_HASH', `unknown hash "${String(hash)}"`);
  return CID.createV1(codec, Digest.create(code, hashBytes(bytes, hash)));
}

/**
 * Throws unless `bytes` are exactly what `cid` names. Checks, in order: size (before hashing),
 * codec, hash function and digest length, then the digest itself.
 */
export function checkBytesMatchCid(cid: CID, bytes: Uint8Array): void {
  checkSize(bytes);
  if (!CODECS.has(cid.code)) {
    throw new BlobError(
      'UNSUPPORTED_CODEC',
      `CID codec 0x${cid.code.toString(16)} is not dag-cbor, raw or dag-pb`,
    );
  }
  const hash = hashNameOf(cid.multihash.code);
  if (cid.multihash.size !== DIGEST_BYTES) {
    throw new BlobError(
      'UNSUPPORTED_HASH',
      `CID digest is ${cid.multihash.size} bytes; ${hash} digests are 32`,
    );
  }
  const actual = hashBytes(bytes, hash);
  if (!Buffer.from(actual).equals(Buffer.from(cid.multihash.digest))) {
    throw new BlobError(
      'CID_MISMATCH',
      `${hash} of the ${bytes.length} bytes is ${Buffer.from(actual).toString('hex')}, ` +
        `but CID ${cid.toString()} names ${Buffer.from(cid.multihash.digest).toString('hex')}`,
    );
  }
}

/** Parses a CID string (CIDv1 base32/base58btc/base36, or CIDv0); throws InvalidInputError. */
export function parseCid(text: string, field = 'cid'): CID {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CID_TEXT) {
    throw new InvalidInputError('expected a CID string', { field });
  }
  try {
    return CID.parse(text);
  } catch (cause) {
    throw new InvalidInputError(`not a valid CID: ${(cause as Error).message}`, { field, cause });
  }
}

/** Name of a multihash code Seedling can check; `UNSUPPORTED_HASH` otherwise. */
export function hashNameOf(code: number): HashName {
  if (code === HASH_CODE['sha2-256']) return 'sha2-256';
  if (code === HASH_CODE['blake2b-256']) return 'blake2b-256';
  throw new BlobError(
    'UNSUPPORTED_HASH',
    `multihash 0x${code.toString(16)} is not sha2-256 or blake2b-256`,
  );
}

function checkSize(bytes: Uint8Array): void {
  if (bytes.length > MAX_BLOB_BYTES) {
    throw new BlobError(
      'BLOB_TOO_LARGE',
      `blob is ${bytes.length} bytes; the limit is ${MAX_BLOB_BYTES}`,
    );
  }
}
