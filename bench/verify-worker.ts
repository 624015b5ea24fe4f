/**
 * Piscina worker for bench/verify.ts: verifies one packed batch of blobs with the production
 * pipeline (verifyBlob) and returns counts. A batch arrives as one transferred ArrayBuffer (all blob
 * bytes back to back) plus offsets and CID strings, so a task costs one message, not one per blob.
 */
import { verifyBlob } from '../src/blob/verify-blob.ts';

export type PackedBatch = { bytes: ArrayBuffer; ends: Uint32Array<ArrayBuffer>; cids: string[] };

export default function verifyPackedBatch(batch: PackedBatch): { ok: number; failed: number } {
  const all = new Uint8Array(batch.bytes);
  let ok = 0;
  let failed = 0;
  let start = 0;
  for (let i = 0; i < batch.cids.length; i++) {
    const end = batch.ends[i]!;
    try {
      verifyBlob({ cid: batch.cids[i], data: all.subarray(start, end) });
      ok++;
    } catch {
      failed++;
    }
    start = end;
  }
  return { ok, failed };
}
