/**
 * Entry point of blob decoding: canonical DAG-CBOR bytes (or an already decoded value) to a typed
 * StructuralBlob, dispatching on `type`.
 *
 * Invariants:
 * 1. Any problem is a BlobError (never a TypeError): peer input is hostile, and callers map the
 *    error's code and `field` to a per-item rejection.
 * 2. Decoding does not check the signature or the CID; verify-blob.ts runs the whole pipeline.
 * 3. A well-formed signed map of an unknown `type` decodes as UnknownBlob (stored, not indexed).
 */
import type { StructuralBlob } from './blob-types.ts';
import { decodeDagCbor } from './dag-cbor.ts';
import { decodeChangeFields } from './decode-change.ts';
import { decodeCommentFields, decodeContactFields, decodeProfileFields } from './decode-comment.ts';
import { check, FieldReader, isWireMap, malformed } from './decode-fields.ts';
import { decodeCapabilityFields, decodeRefFields } from './decode-ref.ts';
import { SIG_BYTES } from './signature.ts';

/** Decodes canonical DAG-CBOR bytes of a structural blob. */
export function decodeStructuralBlob(bytes: Uint8Array): StructuralBlob {
  return decodeBlobValue(decodeDagCbor(bytes));
}

/** True when a decoded value looks like a structural blob (a map with a string `type`). */
export function isStructuralValue(value: unknown): boolean {
  return isWireMap(value) && typeof value['type'] === 'string';
}

/** Types an already decoded DAG-CBOR value as a structural blob. */
export function decodeBlobValue(value: unknown): StructuralBlob {
  if (!isWireMap(value)) throw malformed('', 'a structural blob must be a DAG-CBOR map');
  const r = new FieldReader(value);
  const type = r.req('type', check.string);
  const signer = r.req('signer', check.principal);
  const sig = r.req('sig', signatureBytes);
  const ts = r.req('ts', check.uint);
  const own = decodeOwnFields(type, r, signer);
  return { ...own, signer, sig, ts, extra: r.rest() } as StructuralBlob;
}

function decodeOwnFields(type: string, r: FieldReader, signer: Uint8Array) {
  switch (type) {
    case 'Change':
      return decodeChangeFields(r);
    case 'Ref':
      return decodeRefFields(r);
    case 'Capability':
      return decodeCapabilityFields(r);
    case 'Comment':
      return decodeCommentFields(r, signer);
    case 'Profile':
      return decodeProfileFields(r);
    case 'Contact':
      return decodeContactFields(r);
    default:
      return { type: 'Unknown' as const, blobType: type };
  }
}

function signatureBytes(value: unknown, path: string): Uint8Array {
  const sig = check.bytes(value, path);
  if (sig.length !== SIG_BYTES) {
    throw malformed(path, `expected ${SIG_BYTES} signature bytes, got ${sig.length}`);
  }
  return sig;
}
