/**
 * The block tree of a document: an RGA list of children per parent, plus the winning position
 * of every block.
 *
 * Invariants:
 * 1. Every move inserts an element into its parent's list, even a move that is then ignored, so
 *    later refs to it still resolve (a ref names a place in a list, not a block).
 * 2. A block's position is its latest applied move in replay order (last writer wins); its older
 *    elements are hidden. So the visible elements of all lists are exactly the winning positions.
 * 3. The tree stays acyclic: a move of a block under itself or under one of its descendants is
 *    ignored (its element is inserted hidden), and so is a move nesting deeper than MAX_TREE_DEPTH.
 * 4. Deleting is moving under the TRASH parent, which is never walked; a later move can bring a
 *    block (and the subtree that stayed under it) back.
 */
import type { OpId } from './op-id.ts';
import { type RgaElement, RgaList } from './rga-list.ts';

/** Parent ID of top-level blocks. */
export const ROOT = '';
/** Parent ID of deleted blocks (the value Seed uses). */
export const TRASH = '◊';

/**
 * Deepest nesting a move may create. Checking a move walks up from the new parent, so without a
 * bound a hostile chain of n nested blocks costs O(n²); no real document nests this deep.
 */
export const MAX_TREE_DEPTH = 256;

export type MoveOutcome = 'moved' | 'cycle' | 'too-deep' | 'unknown-ref' | 'duplicate' | 'invalid';

type Position = { parent: string; element: RgaElement<string> };

export class BlockTree {
  readonly #lists = new Map<string, RgaList<string>>();
  readonly #positions = new Map<string, Position>();

  /** Places `block` under `parent` right after the element `ref` (null: at the start). */
  move(id: OpId, parent: string, block: string, ref: OpId | null): MoveOutcome {
    if (typeof block !== 'string' || block === ROOT || block === TRASH) return 'invalid';
    if (typeof parent !== 'string') return 'invalid';
    const inserted = this.#list(parent).insert(id, ref, block);
    if (!inserted.ok) return inserted.reason;
    const check = parent === block ? 'cycle' : this.#checkPlacement(block, parent);
    if (check !== 'ok') {
      inserted.element.visible = false;
      return check;
    }
    const previous = this.#positions.get(block);
    if (previous) previous.element.visible = false;
    this.#positions.set(block, { parent, element: inserted.element });
    return 'moved';
  }

  /** Deletes `block` (and hides its subtree) by moving it to TRASH. */
  delete(id: OpId, block: string): MoveOutcome {
    return this.move(id, TRASH, block, null);
  }

  parentOf(block: string): string | undefined {
    return this.#positions.get(block)?.parent;
  }

  /** Op ID key of the element holding `block`'s current position. */
  elementKeyOf(block: string): string | undefined {
    return this.#positions.get(block)?.element.key;
  }

  /** Walks up from `parent`: 'cycle' if `block` is on the way, 'too-deep' past MAX_TREE_DEPTH. */
  #checkPlacement(block: string, parent: string): 'ok' | 'cycle' | 'too-deep' {
    let current: string | undefined = parent;
    for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
      if (current === undefined || current === ROOT || current === TRASH) return 'ok';
      if (current === block) return 'cycle';
      current = this.#positions.get(current)?.parent;
    }
    return 'too-deep';
  }

  /** Visible children of `parent`, in order. */
  children(parent: string): string[] {
    const list = this.#lists.get(parent);
    if (!list) return [];
    const out: string[] = [];
    for (const element of list.visible()) out.push(element.value);
    return out;
  }

  #list(parent: string): RgaList<string> {
    let list = this.#lists.get(parent);
    if (!list) {
      list = new RgaList<string>();
      this.#lists.set(parent, list);
    }
    return list;
  }
}
