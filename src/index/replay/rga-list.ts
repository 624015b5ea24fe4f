/**
 * A Replicated Growable Array: the ordered list of children under one parent block.
 *
 * Invariants:
 * 1. Elements are never removed. A block that moves away leaves its old element behind, hidden
 *    (`visible = false`), because later refs may still name it as their left neighbour.
 * 2. An element is inserted right after the element its ref names (or at the start), skipping
 *    over any following elements whose op ID is greater than its own. With causal delivery this
 *    makes concurrent inserts at one position land in the same order on every replica: the
 *    greater (newer) op ID first.
 * 3. Element op IDs are unique inside a list; a duplicate insert is refused.
 *
 * A singly linked list keeps each insert O(1) plus the skipped run, so a change placing thousands
 * of blocks in one run stays linear.
 */
import { compareOpId, type OpId, opIdKey } from './op-id.ts';

export type RgaElement<T> = {
  readonly id: OpId;
  readonly key: string;
  readonly value: T;
  visible: boolean;
  next: RgaElement<T> | null;
};

export type RgaInsertResult<T> =
  | { ok: true; element: RgaElement<T> }
  | { ok: false; reason: 'unknown-ref' | 'duplicate' };

export class RgaList<T> {
  /** Sentinel before the first element; its `next` is the head of the list. */
  readonly #start: { next: RgaElement<T> | null } = { next: null };
  readonly #byKey = new Map<string, RgaElement<T>>();

  get size(): number {
    return this.#byKey.size;
  }

  get(key: string): RgaElement<T> | undefined {
    return this.#byKey.get(key);
  }

  /** Inserts `value` with op ID `id` after the element `ref` (null: at the start). */
  insert(id: OpId, ref: OpId | null, value: T): RgaInsertResult<T> {
    const key = opIdKey(id);
    if (this.#byKey.has(key)) return { ok: false, reason: 'duplicate' };
    let left: { next: RgaElement<T> | null } = this.#start;
    if (ref !== null) {
      const found = this.#byKey.get(opIdKey(ref));
      if (!found) return { ok: false, reason: 'unknown-ref' };
      left = found;
    }
    // RGA rule: skip the elements after our anchor that were inserted with a greater op ID.
    while (left.next !== null && compareOpId(left.next.id, id) > 0) left = left.next;
    const element: RgaElement<T> = { id, key, value, visible: true, next: left.next };
    left.next = element;
    this.#byKey.set(key, element);
    return { ok: true, element };
  }

  /** Visible elements, in list order. */
  *visible(): IterableIterator<RgaElement<T>> {
    for (let e = this.#start.next; e !== null; e = e.next) if (e.visible) yield e;
  }

  /** Every element, hidden ones included, in list order. */
  *all(): IterableIterator<RgaElement<T>> {
    for (let e = this.#start.next; e !== null; e = e.next) yield e;
  }
}
