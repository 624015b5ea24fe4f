/**
 * Time-sortable IDs (BLOBS.md): 10 bytes — a 48-bit big-endian millisecond timestamp, then the
 * first 4 bytes of the SHA-256 of the blob's first version — in base58btc multibase. Comments and
 * contacts that can be edited keep one `id` across versions; the timestamp makes IDs sort by
 * creation time and the hash part keeps two IDs made in the same millisecond apart.
 */
import { createHash } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { InvalidInputError } from '../errors.ts';

export type Tsid = { ts: number; hashPrefix: Uint8Array };

const TSID_BYTES = 10;
const TS_BYTES = 6;
const HASH_PREFIX_BYTES = 4;
const MAX_TS = 2 ** 48 - 1;
/** 10 bytes in base58 are at most 14 digits, plus the `z` prefix. */
const MAX_TSID_TEXT = 1 + 14;

/** The TSID of a blob whose first version has bytes `firstVersion`, made at `ts` ms. */
export function createTsid(ts: number, firstVersion: Uint8Array): string {
  const hash = createHash('sha256').update(firstVersion).digest();
  return encodeTsid({ ts, hashPrefix: hash.subarray(0, HASH_PREFIX_BYTES) });
}

/** `z…` text of a TSID. */
export function encodeTsid(tsid: Tsid): string {
  const { ts, hashPrefix } = tsid;
  if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TS) {
    throw new InvalidInputError('timestamp must be an integer in [0, 2^48)', { field: 'ts' });
  }
  if (!(hashPrefix instanceof Uint8Array) || hashPrefix.length !== HASH_PREFIX_BYTES) {
    throw new InvalidInputError(`must be ${HASH_PREFIX_BYTES} bytes`, { field: 'hashPrefix' });
  }
  const bytes = new Uint8Array(TSID_BYTES);
  Buffer.from(bytes.buffer).writeUIntBE(ts, 0, TS_BYTES);
  bytes.set(hashPrefix, TS_BYTES);
  return base58btc.encode(bytes);
}

/** Parses TSID text; `InvalidInputError` naming `field` when it is not a 10-byte base58btc value. */
export function decodeTsid(text: string, field = 'id'): Tsid {
  if (typeof text !== 'string' || !text.startsWith('z') || text.length > MAX_TSID_TEXT) {
    throw new InvalidInputError('not a time-sortable ID (base58btc text starting with "z")', {
      field,
    });
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(text);
  } catch (cause) {
    throw new InvalidInputError('not valid base58btc', { field, cause });
  }
  if (bytes.length !== TSID_BYTES) {
    throw new InvalidInputError(`a time-sortable ID is ${TSID_BYTES} bytes, got ${bytes.length}`, {
      field,
    });
  }
  const ts = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readUIntBE(0, TS_BYTES);
  return { ts, hashPrefix: bytes.slice(TS_BYTES) };
}
