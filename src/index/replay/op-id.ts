/**
 * Identity of CRDT operations inside a document's change DAG: the RGA element identity that
 * `MoveBlocks.ref` points at.
 *
 * An op ID is the triple `(ts, idx, actor)`, the scheme Seed's own node uses, so refs written by
 * Seed's tools resolve here and refs we write resolve there:
 *
 * 1. `ts` — the Change's `ts` (ms since the epoch).
 * 2. `idx` — the position of the element inside the Change, numbered as Seed numbers it: a counter
 *    starts at -1 and advances by one per op; inside a multi-element op (MoveBlocks, DeleteBlocks,
 *    SetAttributes) element `i` first advances it by `i` more. So a run of n blocks uses
 *    idx b, b+1, b+3, b+6, … (b + i(i+1)/2). The quirk is wire-visible: changing it would make
 *    existing refs point at the wrong elements.
 * 3. `actor` — 56 bits of the signer: the first 8 bytes of SHA-256(principal), byte 7 cleared,
 *    read little-endian. Kept as a `bigint` because it does not fit in a double.
 *
 * Ordering (for RGA ties and nothing else): ts, then idx, then actor. On the wire a ref is `[]`
 * (start of the list), `[idx]` (an element of the same Change) or `[ts, idx, actor]`.
 * Two Changes by one signer in the same millisecond would collide; the later one in replay order
 * then loses its colliding elements (counted), which keeps replay deterministic.
 */
import { createHash } from 'node:crypto';
import type { ChangeOp } from '../../blob/blob-types.ts';

export type OpId = { ts: number; idx: number; actor: bigint };

/** Largest idx accepted (Seed's policy bound: ~65k blocks in one run). */
export const MAX_OP_IDX = 2 ** 31 - 1;
/** Largest ts accepted in an op ID (48 bits of milliseconds). */
export const MAX_OP_TS = 2 ** 48 - 1;

const actorCache = new Map<string, bigint>();
const ACTOR_CACHE_MAX = 1024;

/** Seed's ActorID of a principal: 56 bits of its SHA-256, little-endian. */
export function actorOf(principal: Uint8Array): bigint {
  const cacheKey = Buffer.from(principal).toString('hex');
  const hit = actorCache.get(cacheKey);
  if (hit !== undefined) return hit;
  const sum = createHash('sha256').update(principal).digest();
  sum[7] = 0;
  const actor = sum.readBigUInt64LE(0);
  if (actorCache.size >= ACTOR_CACHE_MAX) actorCache.clear();
  actorCache.set(cacheKey, actor);
  return actor;
}

export function compareOpId(a: OpId, b: OpId): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.idx !== b.idx) return a.idx < b.idx ? -1 : 1;
  if (a.actor !== b.actor) return a.actor < b.actor ? -1 : 1;
  return 0;
}

/** Map key / plain-data form of an op ID: `ts:idx:actor` in decimal. */
export function opIdKey(id: OpId): string {
  return `${id.ts}:${id.idx}:${id.actor}`;
}

/** Inverse of opIdKey; null for anything malformed. */
export function parseOpIdKey(key: string): OpId | null {
  const parts = key.split(':');
  if (parts.length !== 3 || !parts.every((p) => /^\d{1,20}$/.test(p))) return null;
  const ts = Number(parts[0]);
  const idx = Number(parts[1]);
  if (ts > MAX_OP_TS || idx > MAX_OP_IDX) return null;
  return { ts, idx, actor: BigInt(parts[2]!) };
}

/**
 * The idx of every element of every op of a Change (Seed's numbering, see the file comment):
 * one entry per op, holding one idx for single ops and one per element for multi-element ops.
 */
export function elementIndexes(ops: readonly ChangeOp[]): number[][] {
  const out: number[][] = [];
  let idx = -1;
  for (const op of ops) {
    idx++;
    const count = multiElementCount(op);
    if (count === null) {
      out.push([idx]);
      continue;
    }
    const run: number[] = [];
    for (let i = 0; i < count; i++) {
      idx += i;
      run.push(idx);
    }
    out.push(run);
  }
  return out;
}

function multiElementCount(op: ChangeOp): number | null {
  switch (op.type) {
    case 'MoveBlocks':
    case 'DeleteBlocks':
      return Array.isArray(op.blocks) ? op.blocks.length : 0;
    case 'SetAttributes':
      return Array.isArray(op.attrs) ? op.attrs.length : 0;
    default:
      return null;
  }
}

/** What a wire `ref` names: the start of the list, an element, or nothing valid. */
export type RefTarget = { kind: 'start' } | { kind: 'element'; id: OpId } | { kind: 'invalid' };

/** Decodes a wire ref relative to the Change that carries it (`self`: its ts and actor). */
export function decodeRef(ref: unknown, self: { ts: number; actor: bigint }): RefTarget {
  if (ref === undefined || ref === null) return { kind: 'start' };
  if (!Array.isArray(ref)) return { kind: 'invalid' };
  if (ref.length === 0) return { kind: 'start' };
  if (ref.length === 1) {
    const idx = toBoundedNumber(ref[0], MAX_OP_IDX);
    return idx === null ? { kind: 'invalid' } : { kind: 'element', id: { ...self, idx } };
  }
  if (ref.length !== 3) return { kind: 'invalid' };
  const ts = toBoundedNumber(ref[0], MAX_OP_TS);
  const idx = toBoundedNumber(ref[1], MAX_OP_IDX);
  const actor = toUint64(ref[2]);
  if (ts === null || idx === null || actor === null) return { kind: 'invalid' };
  return { kind: 'element', id: { ts, idx, actor } };
}

/**
 * Wire ref for an element: `[idx]` when it belongs to the Change being written (`self`), else
 * `[ts, idx, actor]`. Values past 2^53 stay bigints (DAG-CBOR writes both as plain integers).
 */
export function encodeRef(id: OpId, self?: { ts: number; actor: bigint }): Array<number | bigint> {
  if (self && self.ts === id.ts && self.actor === id.actor) return [id.idx];
  const actor = id.actor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id.actor) : id.actor;
  return [id.ts, id.idx, actor];
}

function toBoundedNumber(value: unknown, max: number): number | null {
  if (typeof value === 'bigint') {
    return value >= 0n && value <= BigInt(max) ? Number(value) : null;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max) {
    return value;
  }
  return null;
}

function toUint64(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value >= 0n && value < 2n ** 64n ? value : null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return null;
}
