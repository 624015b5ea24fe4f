/**
 * Items and bounds of range-based set reconciliation (DESIGN §5).
 *
 * An item is a blob as the reconciler sees it: its timestamp in ms (0 for media) and its CID bytes.
 * Items are ordered by (ts, id bytes). A bound is a point in that order: a timestamp plus an id
 * prefix; an item lies at or above a bound when its (ts, id) compares ≥ (bound.ts, bound.prefix)
 * byte-wise. The upper end of the whole set is the bound with ts = Infinity.
 */
import { compareBytes } from '../../blob/compare-bytes.ts';

export type SyncItem = { readonly ts: number; readonly id: Uint8Array };

export type Bound = { readonly ts: number; readonly prefix: Uint8Array };

export const MIN_BOUND: Bound = { ts: 0, prefix: new Uint8Array(0) };
export const MAX_BOUND: Bound = { ts: Number.POSITIVE_INFINITY, prefix: new Uint8Array(0) };

export function compareItems(a: SyncItem, b: SyncItem): number {
  return a.ts !== b.ts ? a.ts - b.ts : compareBytes(a.id, b.id);
}

/** < 0 when the item sorts below the bound, ≥ 0 when at or above it. */
export function compareItemToBound(item: SyncItem, bound: Bound): number {
  if (item.ts !== bound.ts) return item.ts < bound.ts ? -1 : 1;
  return compareBytes(item.id, bound.prefix);
}

export function compareBounds(a: Bound, b: Bound): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return compareBytes(a.prefix, b.prefix);
}

/**
 * The shortest bound that separates `prev` (below) from `next` (at or above): a timestamp alone
 * when they differ in time, else the shortest prefix of `next.id` that `prev.id` sorts below.
 * Short bounds keep fingerprint messages small.
 */
export function minimalBound(prev: SyncItem, next: SyncItem): Bound {
  if (prev.ts !== next.ts) return { ts: next.ts, prefix: new Uint8Array(0) };
  let shared = 0;
  const n = Math.min(prev.id.byteLength, next.id.byteLength);
  while (shared < n && prev.id[shared] === next.id[shared]) shared++;
  return { ts: next.ts, prefix: next.id.slice(0, shared + 1) };
}
