/**
 * Replay from stored bytes: decode the Change blobs INDEX loaded for a document and replay them.
 * Runs on a reader-pool thread after the database read has ended.
 *
 * Seed's node writes `MoveBlocks.ref = [ts, idx, actor]` with a 56-bit actor, past JavaScript's
 * safe integers; a decoder that insists on safe integers refuses such Changes. For those (and
 * only those) we decode again with the wide ref values set aside and put them back afterwards,
 * so documents written by Seed's own node replay here with the positions they were written with.
 */
import type { Change } from '../../blob/blob-types.ts';
import { decodeDagCbor } from '../../blob/dag-cbor.ts';
import { decodeBlobValue, decodeStructuralBlob } from '../../blob/decode-blob.ts';
import { isPlainObject } from './attr-path.ts';
import type { DocumentState } from './document-state.ts';
import { replayDocument } from './replay-document.ts';

/** What INDEX's `documentChanges` returns (read-types.ts `DocumentChanges`). */
export type StoredChanges = {
  genesis: string;
  heads: string[];
  version: string;
  changes: { cid: string; data: Uint8Array }[];
};

export function replayStoredChanges(stored: StoredChanges): DocumentState {
  const decoded: { cid: string; change: Change }[] = [];
  let undecodable = 0;
  for (const { cid, data } of stored.changes) {
    const change = decodeChange(data);
    if (change) decoded.push({ cid, change });
    else undecodable++;
  }
  const state = replayDocument(decoded, stored.genesis ? { genesis: stored.genesis } : {});
  state.stats.excludedChanges += undecodable;
  return state;
}

/** A Change from its bytes, or null when the bytes are not a decodable Change. */
export function decodeChange(data: Uint8Array): Change | null {
  try {
    const blob = decodeStructuralBlob(data);
    return blob.type === 'Change' ? blob : null;
  } catch {
    return decodeWithWideRefs(data);
  }
}

function decodeWithWideRefs(data: Uint8Array): Change | null {
  try {
    const value = decodeDagCbor(data);
    const body = isPlainObject(value) ? value.body : undefined;
    const ops = isPlainObject(body) ? body.ops : undefined;
    if (!Array.isArray(ops)) return null;
    const wide = new Map<number, unknown[]>();
    ops.forEach((op, i) => {
      if (isPlainObject(op) && Array.isArray(op.ref) && op.ref.some((x) => typeof x === 'bigint')) {
        wide.set(i, op.ref);
        op.ref = [];
      }
    });
    if (wide.size === 0) return null;
    const blob = decodeBlobValue(value);
    if (blob.type !== 'Change') return null;
    for (const [i, ref] of wide) {
      const op = blob.ops[i];
      // The op type keeps `ref` as number[]; replay reads each item as number or bigint.
      if (op?.type === 'MoveBlocks') op.ref = ref as number[];
    }
    return blob;
  } catch {
    return null;
  }
}
