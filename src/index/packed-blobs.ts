import { deserialize, serialize } from 'node:v8';
import { InvalidInputError } from '../errors.ts';
import { ownedView } from '../store/transfer.ts';
import { unpackBlobBatch } from './blob-batch.ts';
import type { IndexInput, PrepareFailure } from './index-input.ts';
import { prepareBlobs } from './prepare-blobs.ts';

/**
 * Verified blobs handed from a pool thread to the writer as opaque bytes (sync's ingest path).
 *
 * A prepared blob is an object graph (decoded entry, links, strings). Returned as objects, the main
 * thread would deserialize every graph from the pool and serialize it again for the writer, then walk
 * it for the batch byte estimate: during a sync storm that was a tenth of its busy time. Packed with
 * `node:v8` in the pool thread, the main thread only passes a byte array along, and the writer
 * unpacks and checks each item as it would a plain `index.putBlobs` payload (same process, same V8).
 *
 *   index.prepareBlobsPacked {batch: BlobBatch, packSize} → PackedPrepared   (pool)
 *   index.putPackedBlobs     Uint8Array (one pack)         → PutResult[]      (writer)
 *
 * Both ways the bytes are moved, not copied: the batch in (blob-batch.ts), the packs out (each its
 * own ArrayBuffer, handed back with `transferring`).
 */

export type PackedPrepared = {
  /** The accepted blobs, at most `packSize` per pack, each pack one writer job's payload. */
  packs: Uint8Array[];
  /** How many blobs the packs hold together. */
  accepted: number;
  /** The blobs that failed verification or decoding, with why. */
  rejected: PrepareFailure[];
};

/** Most items per pack: the writer's `index.putBlobs` limit. */
export const MAX_PACK_SIZE = 10_000;

/** Pool side: verifies and decodes a batch like `index.prepareBlobs`, then packs the accepted blobs. */
export function prepareBlobsPacked(args: unknown): PackedPrepared {
  const { batch, packSize } = (args ?? {}) as { batch?: unknown; packSize?: unknown };
  if (
    typeof packSize !== 'number' ||
    !Number.isInteger(packSize) ||
    packSize < 1 ||
    packSize > MAX_PACK_SIZE
  ) {
    throw new InvalidInputError(`must be an integer from 1 to ${MAX_PACK_SIZE}`, {
      field: 'packSize',
    });
  }
  const accepted: IndexInput[] = [];
  const rejected: PrepareFailure[] = [];
  for (const p of prepareBlobs(unpackBlobBatch(batch))) {
    if (p.kind === 'blob') accepted.push(p);
    else rejected.push(p);
  }
  const packs: Uint8Array[] = [];
  for (let at = 0; at < accepted.length; at += packSize) {
    packs.push(ownedView(serialize(accepted.slice(at, at + packSize))));
  }
  return { packs, accepted: accepted.length, rejected };
}

/** Writer side: the items of one pack, not yet checked (`putBlobsOnWriter` checks each). */
export function unpackPreparedBlobs(payload: unknown): unknown {
  if (!(payload instanceof Uint8Array)) {
    throw new InvalidInputError('must be a pack of prepared blobs (bytes)', { field: 'payload' });
  }
  try {
    return deserialize(payload);
  } catch (err) {
    throw new InvalidInputError(
      `is not a pack of prepared blobs: ${err instanceof Error ? err.message : String(err)}`,
      { field: 'payload' },
    );
  }
}
