import { compareBytesAt } from '../../blob/compare-bytes.ts';
import { addInto, difference, fingerprintOf, itemHash, LIMBS } from './fingerprint.ts';
import { type Bound, compareItems, type SyncItem } from './item.ts';

/**
 * A sealed set as plain typed arrays: item i is (ts[i], ids[offsets[i] .. offsets[i + 1])).
 * Four buffers, whatever the size, so a set crosses threads as one move of each buffer instead of
 * one object and one ArrayBuffer per item (a 9,000-item set used to land on the main thread as
 * 18,000 objects for the scavenger to copy).
 */
export type SealedSetParts = {
  ts: Float64Array;
  ids: Uint8Array;
  offsets: Uint32Array;
  prefix: Uint32Array;
};

/**
 * A sorted, immutable set of sync items with O(log n) range fingerprints: the "haves" of one scope
 * at one generation (DESIGN §5). Built once, then shared read-only by every peer of a discovery
 * and by inbound reconciles, so nothing here mutates after construction.
 *
 * Invariants:
 * 1. items are sorted by (ts, id) and unique;
 * 2. prefix[i] holds the 256-bit sum of the hashes of items [0, i), so the sum of [lo, hi) is
 *    prefix[hi] − prefix[lo] and a fingerprint costs one subtraction and one SHA-256;
 * 3. ids handed out (`at`, `id`) are views into the set's one buffer: read them, copy them, never
 *    write or transfer them.
 */
export class SealedSet {
  readonly #ts: Float64Array;
  readonly #ids: Uint8Array;
  readonly #offsets: Uint32Array;
  readonly #prefix: Uint32Array;

  private constructor(parts: SealedSetParts) {
    this.#ts = parts.ts;
    this.#ids = parts.ids;
    this.#offsets = parts.offsets;
    this.#prefix = parts.prefix;
  }

  /**
   * Rebuilds a set from `parts()` of one sealed on another thread (the reader pool seals; the main
   * thread only wraps, so building never costs the event loop a hash). Sizes and offsets are
   * checked; order and sums are trusted, as they come from our own worker.
   */
  static fromParts(parts: SealedSetParts): SealedSet {
    const { ts, ids, offsets, prefix } = parts;
    const n = ts.length;
    if (
      !(ts instanceof Float64Array) ||
      !(ids instanceof Uint8Array) ||
      !(offsets instanceof Uint32Array) ||
      !(prefix instanceof Uint32Array)
    ) {
      throw new TypeError('sealed set parts: expected Float64Array, Uint8Array and Uint32Arrays');
    }
    if (offsets.length !== n + 1 || offsets[0] !== 0 || offsets[n] !== ids.byteLength) {
      throw new RangeError('sealed set parts: id offsets do not match the items');
    }
    for (let i = 0; i < n; i++) {
      if (offsets[i + 1]! < offsets[i]!) throw new RangeError('sealed set parts: offsets go back');
    }
    if (prefix.length !== (n + 1) * LIMBS) {
      throw new RangeError('sealed set parts: prefix sums do not match the item count');
    }
    return new SealedSet(parts);
  }

  /** The set's buffers, to send to another thread; `transferList()` moves them instead of copying. */
  parts(): SealedSetParts {
    return { ts: this.#ts, ids: this.#ids, offsets: this.#offsets, prefix: this.#prefix };
  }

  /** The buffers behind `parts()`: after they are moved, this set must not be used again. */
  transferList(): ArrayBuffer[] {
    return [this.#ts, this.#ids, this.#offsets, this.#prefix].map((a) => a.buffer as ArrayBuffer);
  }

  /** Sorts, deduplicates, packs and hashes `items` (the caller's array is not kept). */
  static from(items: Iterable<SyncItem>): SealedSet {
    const sorted = [...items].sort(compareItems);
    const unique: SyncItem[] = [];
    let idBytes = 0;
    for (const item of sorted) {
      const last = unique[unique.length - 1];
      if (last !== undefined && compareItems(last, item) === 0) continue;
      unique.push(item);
      idBytes += item.id.byteLength;
    }
    const n = unique.length;
    const ts = new Float64Array(n);
    const ids = new Uint8Array(idBytes);
    const offsets = new Uint32Array(n + 1);
    const prefix = new Uint32Array((n + 1) * LIMBS);
    for (let i = 0; i < n; i++) {
      const item = unique[i]!;
      ts[i] = item.ts;
      ids.set(item.id, offsets[i]!);
      offsets[i + 1] = offsets[i]! + item.id.byteLength;
      prefix.copyWithin((i + 1) * LIMBS, i * LIMBS, (i + 1) * LIMBS);
      addInto(prefix, (i + 1) * LIMBS, itemHash(item.id));
    }
    return new SealedSet({ ts, ids, offsets, prefix });
  }

  get size(): number {
    return this.#ts.length;
  }

  at(index: number): SyncItem {
    return { ts: this.#ts[this.#checked(index)]!, id: this.id(index) };
  }

  /** The id of item `index` (a view, invariant 3). */
  id(index: number): Uint8Array {
    const i = this.#checked(index);
    return this.#ids.subarray(this.#offsets[i]!, this.#offsets[i + 1]!);
  }

  /** Index of the first item at or above `bound` (size when none). */
  lowerBound(bound: Bound, from = 0): number {
    let lo = from;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compareToBound(mid, bound) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Fingerprint of items [lo, hi). */
  fingerprint(lo: number, hi: number): Uint8Array {
    const sum = difference(this.#prefix, hi * LIMBS, this.#prefix, lo * LIMBS);
    return fingerprintOf(sum, hi - lo);
  }

  /** Memory held, for metrics. */
  get bytes(): number {
    return (
      this.#ts.byteLength +
      this.#ids.byteLength +
      this.#offsets.byteLength +
      this.#prefix.byteLength
    );
  }

  #checked(index: number): number {
    if (!(index >= 0 && index < this.size) || !Number.isInteger(index)) {
      throw new RangeError(`item ${index} is outside 0..${this.size - 1}`);
    }
    return index;
  }

  /** compareItemToBound (item.ts) for item `i`, without making a view of its id. */
  #compareToBound(i: number, bound: Bound): number {
    const ts = this.#ts[i]!;
    if (ts !== bound.ts) return ts < bound.ts ? -1 : 1;
    return compareBytesAt(this.#ids, this.#offsets[i]!, this.#offsets[i + 1]!, bound.prefix);
  }
}
