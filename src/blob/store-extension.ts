/**
 * Store extension of the blob layer: `blob.verifyBatch`, run on a reader-pool thread so hashing,
 * decoding and signature checks of many blobs never touch the main thread or the writer.
 *
 * Arguments and results cross threads by structured clone, so both are plain data: CIDs as
 * strings, errors as `{code, message}`. One bad blob fails only its own item.
 */
import type { DatabaseSync } from 'node:sqlite';
import { BlobError, InvalidInputError, SeedlingError } from '../errors.ts';
import type { ReadHandler, StoreExtension } from '../store/extension.ts';
import { verifyBlob } from './verify-blob.ts';

/** Items per `blob.verifyBatch` call: keeps one call's run time (and clone size) bounded. */
export const VERIFY_BATCH_MAX_ITEMS = 10_000;

export type VerifyBatchArgs = { blobs: { cid?: string; data: Uint8Array }[] };
export type VerifyBatchItem =
  | { ok: true; cid: string; type: string | null }
  | { ok: false; code: string; message: string };

/** Verifies every blob of the batch; never throws for a bad blob, only for bad arguments. */
export function verifyBatch(args: VerifyBatchArgs): VerifyBatchItem[] {
  const blobs = checkArgs(args);
  return blobs.map(verifyItem);
}

function verifyItem(item: { cid?: string; data: Uint8Array }, i: number): VerifyBatchItem {
  try {
    if (typeof item !== 'object' || item === null) {
      throw new BlobError('BLOB_MALFORMED', 'expected {cid?, data}', { field: `blobs[${i}]` });
    }
    const v = verifyBlob({ cid: item.cid, data: item.data });
    return { ok: true, cid: v.cid.toString(), type: v.blob ? blobTypeName(v.blob) : null };
  } catch (err) {
    if (err instanceof SeedlingError) return { ok: false, code: err.code, message: err.message };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code: 'INTERNAL', message };
  }
}

/** Wire type name; for a blob of an unknown type, the type it declares. */
function blobTypeName(blob: { type: string; blobType?: string }): string {
  return blob.type === 'Unknown' && blob.blobType ? blob.blobType : blob.type;
}

function checkArgs(args: VerifyBatchArgs): VerifyBatchArgs['blobs'] {
  const blobs = (args as { blobs?: unknown } | null)?.blobs;
  if (!Array.isArray(blobs)) throw new InvalidInputError('expected a list', { field: 'blobs' });
  if (blobs.length > VERIFY_BATCH_MAX_ITEMS) {
    throw new InvalidInputError(`at most ${VERIFY_BATCH_MAX_ITEMS} blobs per batch`, {
      field: 'blobs',
    });
  }
  return blobs;
}

const verifyBatchHandler: ReadHandler = (_db: DatabaseSync, args: unknown) =>
  verifyBatch(args as VerifyBatchArgs);

export const readHandlers: StoreExtension['readHandlers'] = {
  'blob.verifyBatch': verifyBatchHandler,
};
