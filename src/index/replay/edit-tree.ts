/**
 * A mutable copy of a replayed document that PrepareDocumentChange applies the client's edits to,
 * one by one, checking each against the state the previous ones left. prepare-change.ts then
 * compares the result with the original state to write the fewest wire ops.
 *
 * Invariants:
 * 1. `children` holds only visible blocks, in order; `parentOf` knows every block ever placed
 *    (TRASH for deleted ones). A block is visible when its parent chain reaches ROOT.
 * 2. Edits that cannot apply (left sibling not under the parent, a cycle, an unknown block) throw
 *    InvalidInputError naming the edit, so a client never gets a change that does something else.
 */
import { InvalidInputError } from '../../errors.ts';
import { type AttrMap, setPath, toPlain } from './attr-path.ts';
import type { ApiBlock } from './block-shape.ts';
import { MAX_TREE_DEPTH, ROOT, TRASH } from './block-tree.ts';
import type { BlockNode, DocumentState } from './document-state.ts';
import type { ParsedEdit } from './seed-edit.ts';

export class EditTree {
  readonly children = new Map<string, string[]>();
  readonly parentOf = new Map<string, string>();
  readonly blocks = new Map<string, ApiBlock>();
  readonly metadata: AttrMap;
  /** Document attribute writes, in edit order. */
  readonly metadataEdits: { key: string[]; value: unknown }[] = [];
  /** Blocks whose content an edit touched. */
  readonly touched = new Set<string>();

  constructor(state: DocumentState) {
    this.metadata = toPlain(state.metadata) as AttrMap;
    const stack: { parent: string; nodes: BlockNode[] }[] = [
      { parent: ROOT, nodes: state.content },
    ];
    while (stack.length > 0) {
      const { parent, nodes } = stack.pop()!;
      for (const node of nodes) {
        const { revision: _revision, ...block } = node.block;
        // Shared with the state, never mutated: edits replace blocks with new objects.
        this.blocks.set(block.id, block);
        this.#childList(parent).push(block.id);
        this.parentOf.set(block.id, parent);
        if (node.children) stack.push({ parent: block.id, nodes: node.children });
      }
    }
  }

  apply(edit: ParsedEdit, field: string): void {
    switch (edit.kind) {
      case 'setMetadata':
        this.#setDocumentAttribute(edit.key, edit.value);
        break;
      case 'moveBlock':
        this.#move(edit.block, edit.parent, edit.left, field);
        break;
      case 'replaceBlock':
        this.blocks.set(edit.block.id, toPlain(edit.block) as ApiBlock);
        this.touched.add(edit.block.id);
        break;
      case 'deleteBlock':
        this.#delete(edit.block, field);
        break;
      case 'setAttribute':
        if (edit.block === '') this.#setDocumentAttribute(edit.key, edit.value);
        else this.#setBlockAttribute(edit.block, edit.key, edit.value, field);
        break;
      case 'none':
        break;
    }
  }

  /** True when `block`'s parent chain reaches the root. */
  isVisible(block: string): boolean {
    let current: string | undefined = block;
    for (let steps = 0; steps <= this.parentOf.size; steps++) {
      current = this.parentOf.get(current);
      if (current === ROOT) return true;
      if (current === undefined || current === TRASH) return false;
    }
    return false;
  }

  childrenOf(parent: string): readonly string[] {
    return this.children.get(parent) ?? [];
  }

  #move(block: string, parent: string, left: string, field: string): void {
    const at = `${field}.op.value`;
    if (block === left)
      throw new InvalidInputError('a block cannot be its own left sibling', {
        field: `${at}.leftSibling`,
      });
    if (parent !== ROOT && !this.isVisible(parent)) {
      throw new InvalidInputError(`parent block ${parent} is not in the document`, {
        field: `${at}.parent`,
      });
    }
    const placement = parent === block ? 'cycle' : this.#placement(block, parent);
    if (placement !== 'ok') {
      const why =
        placement === 'cycle' ? 'would make a cycle' : `would nest deeper than ${MAX_TREE_DEPTH}`;
      throw new InvalidInputError(`moving ${block} under ${parent} ${why}`, {
        field: `${at}.parent`,
      });
    }
    this.#detach(block);
    const siblings = this.#childList(parent);
    const leftIndex = left === '' ? -1 : siblings.indexOf(left);
    if (left !== '' && leftIndex < 0) {
      throw new InvalidInputError(`block ${left} is not a child of ${parent || 'the root'}`, {
        field: `${at}.leftSibling`,
      });
    }
    siblings.splice(leftIndex + 1, 0, block);
    this.parentOf.set(block, parent);
  }

  #delete(block: string, field: string): void {
    if (!this.parentOf.has(block) && !this.blocks.has(block)) {
      throw new InvalidInputError(`block ${block} is not in the document`, {
        field: `${field}.op.value`,
      });
    }
    this.#detach(block);
    this.parentOf.set(block, TRASH);
  }

  #setDocumentAttribute(key: string[], value: unknown): void {
    setPath(this.metadata, key, value);
    this.metadataEdits.push({ key, value });
  }

  #setBlockAttribute(block: string, key: string[], value: unknown, field: string): void {
    const current = this.blocks.get(block);
    if (!current) {
      throw new InvalidInputError(`block ${block} has no content to set attributes on`, {
        field: `${field}.op.value.blockId`,
      });
    }
    const attributes = toPlain(current.attributes) as AttrMap;
    setPath(attributes, key, value);
    this.blocks.set(block, { ...current, attributes });
    this.touched.add(block);
  }

  /** The same rule replay applies (block-tree.ts): no cycles, no nesting past MAX_TREE_DEPTH. */
  #placement(block: string, parent: string): 'ok' | 'cycle' | 'too-deep' {
    let current: string | undefined = parent;
    for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
      if (current === undefined || current === ROOT || current === TRASH) return 'ok';
      if (current === block) return 'cycle';
      current = this.parentOf.get(current);
    }
    return 'too-deep';
  }

  #detach(block: string): void {
    const parent = this.parentOf.get(block);
    if (parent === undefined) return;
    const siblings = this.children.get(parent);
    const index = siblings ? siblings.indexOf(block) : -1;
    if (siblings && index >= 0) siblings.splice(index, 1);
  }

  #childList(parent: string): string[] {
    let list = this.children.get(parent);
    if (!list) this.children.set(parent, (list = []));
    return list;
  }
}
