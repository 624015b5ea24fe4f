import { InvalidInputError } from '../errors.ts';
import { MAX_PREPARE_ITEMS } from './prepare-blobs.ts';

/**
 * Many blobs as one byte array, for sync's hop from the main thread to a verify thread.
 *
 * Posted as objects ({cid: string, data}), every blob cost the main thread a CID → base32 string
 * and its own ArrayBuffer in the structured clone: together about a fifth of the main thread's
 * busy time during a storm. Packed, a chunk is two buffers that are moved (transferred), not copied,
 * and the CIDs stay bytes until the verify thread decodes them.
 *
 * Layout: `bytes` holds, per blob, its CID's bytes then its data; `ends[2i]` is where blob i's
 * CID ends and `ends[2i + 1]` where its data ends (offsets into `bytes`).
 */
export type BlobBatch = { bytes: Uint8Array; ends: Uint32Array };

export type BatchItem = { cid: Uint8Array; data: Uint8Array };

export function packBlobBatch(blobs: readonly BatchItem[]): BlobBatch {
  let total = 0;
  for (const b of blobs) total += b.cid.byteLength + b.data.byteLength;
  const bytes = new Uint8Array(total);
  const ends = new Uint32Array(blobs.length * 2);
  let at = 0;
  blobs.forEach((b, i) => {
    bytes.set(b.cid, at);
    at += b.cid.byteLength;
    ends[2 * i] = at;
    bytes.set(b.data, at);
    at += b.data.byteLength;
    ends[2 * i + 1] = at;
  });
  return { bytes, ends };
}

/** The buffers to move with a batch (`postMessage` transfer list); the batch is unusable after. */
export function batchTransferList(batch: BlobBatch): ArrayBuffer[] {
  return [batch.bytes.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer];
}

/** The blobs of a batch, as views into its bytes (no copies). Checks the layout, not the blobs. */
export function unpackBlobBatch(batch: unknown): BatchItem[] {
  const { bytes, ends } = (batch ?? {}) as { bytes?: unknown; ends?: unknown };
  if (!(bytes instanceof Uint8Array) || !(ends instanceof Uint32Array)) {
    throw new InvalidInputError('must be a blob batch {bytes: Uint8Array, ends: Uint32Array}', {
      field: 'batch',
    });
  }
  if (ends.length % 2 !== 0 || ends.length / 2 > MAX_PREPARE_ITEMS) {
    throw new InvalidInputError(
      `ends must hold two offsets per blob, for at most ${MAX_PREPARE_ITEMS} blobs (got ${ends.length})`,
      { field: 'batch.ends' },
    );
  }
  const items: BatchItem[] = [];
  let at = 0;
  for (let i = 0; i < ends.length; i += 2) {
    const cidEnd = ends[i]!;
    const dataEnd = ends[i + 1]!;
    if (cidEnd < at || dataEnd < cidEnd || dataEnd > bytes.byteLength) {
      throw new InvalidInputError(
        `offsets of blob ${i / 2} (${cidEnd}, ${dataEnd}) do not follow ${at} within ${bytes.byteLength} bytes`,
        { field: 'batch.ends' },
      );
    }
    items.push({ cid: bytes.subarray(at, cidEnd), data: bytes.subarray(cidEnd, dataEnd) });
    at = dataEnd;
  }
  return items;
}
