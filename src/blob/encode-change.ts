/**
 * Wire maps of Change blobs and their ops, ready for signing (create-blob.ts signs them).
 *
 * Only fields that are set go on the wire: a genesis has no `genesis`, `deps`, `depth` or `body`
 * unless the caller gives them (Seed's empty genesis is `type`, `signer`, `sig`, `ts = 0`; its CLI
 * genesis carries ops and a real ts). `deps` are sorted by their binary CID, as BLOBS.md requires,
 * so the same parents always give the same bytes.
 */

import type { CID } from 'multiformats/cid';
import type { BlockData, ChangeOp } from './blob-types.ts';
import { compareBytes } from './compare-bytes.ts';

/** What a caller gives to make a Change; the signer comes from the key. */
export type ChangeFields = {
  ts: number;
  genesis?: CID | null;
  deps?: CID[];
  depth?: number | null;
  ops?: ChangeOp[];
  /** Number of logical operations; defaults to `ops.length` when there are ops. */
  opCount?: number | null;
  /** Extra top-level fields (for forward compatibility and tests); known fields win. */
  extra?: Record<string, unknown>;
};

/** The unsigned wire map of a Change (no `signer`, no `sig`). */
export function changeWireMap(f: ChangeFields): Record<string, unknown> {
  const map: Record<string, unknown> = { ...f.extra, type: 'Change', ts: f.ts };
  if (f.genesis) map['genesis'] = f.genesis;
  if (f.deps && f.deps.length > 0) map['deps'] = sortCids(f.deps);
  if (f.depth !== undefined && f.depth !== null) map['depth'] = f.depth;
  const ops = f.ops ?? [];
  if (ops.length > 0 || (f.opCount !== undefined && f.opCount !== null)) {
    map['body'] = { ops: ops.map(opWireMap), opCount: f.opCount ?? ops.length };
  }
  return map;
}

/** Sorts CIDs by their binary form (byte-wise, shorter first on a common prefix). */
export function sortCids(cids: CID[]): CID[] {
  return [...cids].sort((a, b) => compareBytes(a.bytes, b.bytes));
}

/** Wire map of one op; an Unknown op goes back out exactly as it came in. */
export function opWireMap(op: ChangeOp): Record<string, unknown> {
  switch (op.type) {
    case 'SetAttributes':
      return {
        type: op.type,
        block: op.block,
        attrs: op.attrs.map((a) => ({ key: a.key, value: a.value })),
      };
    case 'ReplaceBlock':
      return { type: op.type, block: blockWireMap(op.block) };
    case 'MoveBlocks':
      return { type: op.type, parent: op.parent, blocks: op.blocks, ref: op.ref };
    case 'DeleteBlocks':
      return { type: op.type, blocks: op.blocks };
    case 'SetKey':
      return { type: op.type, key: op.key, value: op.value };
    case 'Unknown':
      return op.raw;
  }
}

/** A block map without `undefined` fields (DAG-CBOR has no undefined). */
function blockWireMap(block: BlockData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block)) if (v !== undefined) out[k] = v;
  return out;
}
