import { addInto, difference, fingerprintOf, itemHash, LIMBS } from './fingerprint.ts';
import { type Bound, compareItems, compareItemToBound, type SyncItem } from './item.ts';

export type SealedSetParts = { items: SyncItem[]; prefix: Uint32Array };

/**
 * A sorted, immutable set of sync items with O(log n) range fingerprints: the "haves" of one scope
 * at one generation (DESIGN §5). Built once, then shared read-only by every peer of a discovery
 * and by inbound reconciles, so nothing here mutates after construction.
 *
 * Invariants:
 * 1. items are sorted by (ts, id) and unique;
 * 2. prefix[i] holds the 256-bit sum of the hashes of items [0, i), so the sum of [lo, hi) is
 *    prefix[hi] − prefix[lo] and a fingerprint costs one subtraction and one SHA-256.
 */
export class SealedSet {
  readonly #items: SyncItem[];
  readonly #prefix: Uint32Array;

  private constructor(items: SyncItem[], prefix?: Uint32Array) {
    this.#items = items;
    if (prefix !== undefined) {
      this.#prefix = prefix;
      return;
    }
    this.#prefix = new Uint32Array((items.length + 1) * LIMBS);
    for (let i = 0; i < items.length; i++) {
      this.#prefix.copyWithin((i + 1) * LIMBS, i * LIMBS, (i + 1) * LIMBS);
      addInto(this.#prefix, (i + 1) * LIMBS, itemHash(items[i]!.id));
    }
  }

  /**
   * Rebuilds a set from `parts()` of one sealed on another thread (the reader pool seals; the main
   * thread only wraps, so building never costs the event loop a hash). Sizes are checked; order
   * and sums are trusted, as they come from our own worker.
   */
  static fromParts(parts: SealedSetParts): SealedSet {
    if (parts.prefix.length !== (parts.items.length + 1) * LIMBS) {
      throw new RangeError('sealed set parts: prefix sums do not match the item count');
    }
    return new SealedSet(parts.items, parts.prefix);
  }

  /** Plain data to send across threads (structured clone). */
  parts(): SealedSetParts {
    return { items: this.#items, prefix: this.#prefix };
  }

  /** Sorts and deduplicates `items` (copied; the caller's array is not kept). */
  static from(items: Iterable<SyncItem>): SealedSet {
    const sorted = [...items].sort(compareItems);
    const unique: SyncItem[] = [];
    for (const item of sorted) {
      const last = unique[unique.length - 1];
      if (last === undefined || compareItems(last, item) !== 0) unique.push(item);
    }
    return new SealedSet(unique);
  }

  get size(): number {
    return this.#items.length;
  }

  at(index: number): SyncItem {
    const item = this.#items[index];
    if (item === undefined) throw new RangeError(`item ${index} is outside 0..${this.size - 1}`);
    return item;
  }

  /** Index of the first item at or above `bound` (size when none). */
  lowerBound(bound: Bound, from = 0): number {
    let lo = from;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareItemToBound(this.#items[mid]!, bound) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Fingerprint of items [lo, hi). */
  fingerprint(lo: number, hi: number): Uint8Array {
    const sum = difference(this.#prefix, hi * LIMBS, this.#prefix, lo * LIMBS);
    return fingerprintOf(sum, hi - lo);
  }

  /** Approximate memory held, for metrics. */
  get bytes(): number {
    let ids = 0;
    for (const item of this.#items) ids += item.id.byteLength + 48;
    return ids + this.#prefix.byteLength;
  }
}
