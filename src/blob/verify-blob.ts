/**
 * The whole acceptance check for one blob from a peer or a client, in the order that spends the
 * least on bad input: size (before hashing), CID match, canonical decode, signature.
 *
 * It is pure CPU work and runs on pool threads (store-extension.ts `blob.verifyBatch`, INDEX's
 * `index.prepareBlobs`), never on the writer. Every failure is a BlobError with a stable code:
 * BLOB_TOO_LARGE, BAD_CID, UNSUPPORTED_CODEC, UNSUPPORTED_HASH, CID_MISMATCH, BLOB_MALFORMED,
 * BAD_PRINCIPAL, BAD_SIGNATURE.
 */
import { CID } from 'multiformats/cid';
import { MAX_BLOB_BYTES } from '../constants.ts';
import { BlobError } from '../errors.ts';
import type { StructuralBlob, VerifiedBlob } from './blob-types.ts';
import { CODEC, checkBytesMatchCid, cidForBytes, parseCid } from './cid.ts';
import { decodeDagCbor } from './dag-cbor.ts';
import { decodeBlobValue, isStructuralValue } from './decode-blob.ts';
import { verifyBlobSignature } from './signature.ts';

export type { VerifiedBlob } from './blob-types.ts';

/** `cid` as text, as a parsed CID, or as its binary form (sync's packed batches). */
export type BlobInput = { cid?: string | CID | Uint8Array; data: Uint8Array };

/**
 * Verifies one blob. Without a CID, the bytes are taken as DAG-CBOR when they decode to a
 * structural map (a map with a string `type`) and as raw otherwise, hashed with sha2-256.
 */
export function verifyBlob(input: BlobInput): VerifiedBlob {
  const data = input.data;
  if (!(data instanceof Uint8Array)) {
    throw new BlobError('BLOB_MALFORMED', 'blob data must be bytes', { field: 'data' });
  }
  if (data.length > MAX_BLOB_BYTES) {
    throw new BlobError(
      'BLOB_TOO_LARGE',
      `blob is ${data.length} bytes; the limit is ${MAX_BLOB_BYTES}`,
      { field: 'data' },
    );
  }
  if (input.cid === undefined) return verifyWithoutCid(data);
  const cid = toCid(input.cid);
  checkBytesMatchCid(cid, data);
  if (cid.code !== CODEC.dagCbor) return { cid, data, codec: cid.code, blob: null };
  return { cid, data, codec: cid.code, blob: decodeAndCheckSignature(decodeDagCbor(data), data) };
}

function verifyWithoutCid(data: Uint8Array): VerifiedBlob {
  const value = tryDecode(data);
  if (value === undefined || !isStructuralValue(value)) {
    return { cid: cidForBytes(data, CODEC.raw), data, codec: CODEC.raw, blob: null };
  }
  const cid = cidForBytes(data, CODEC.dagCbor);
  return { cid, data, codec: CODEC.dagCbor, blob: decodeAndCheckSignature(value, data) };
}

function decodeAndCheckSignature(value: unknown, data: Uint8Array): StructuralBlob {
  const blob = decodeBlobValue(value);
  verifyBlobSignature(data, blob.signer, blob.sig);
  return blob;
}

function tryDecode(data: Uint8Array): unknown {
  try {
    return decodeDagCbor(data);
  } catch (err) {
    if (err instanceof BlobError) return undefined;
    throw err;
  }
}

function toCid(cid: string | CID | Uint8Array): CID {
  if (cid instanceof Uint8Array) {
    try {
      return CID.decode(cid);
    } catch (cause) {
      throw new BlobError('BAD_CID', `not a valid binary CID (${cid.byteLength} bytes)`, {
        field: 'cid',
        cause,
      });
    }
  }
  if (typeof cid !== 'string') return cid;
  try {
    return parseCid(cid);
  } catch (cause) {
    throw new BlobError('BAD_CID', `not a valid CID: ${JSON.stringify(cid.slice(0, 100))}`, {
      field: 'cid',
      cause,
    });
  }
}
