/**
 * Applies the ops of ordered Changes to a document's state. Callers feed Changes in replay order
 * (change-order.ts); because that order is total, "last writer wins" is simply "last applied".
 *
 * Rules:
 * 1. SetAttributes on block '' and SetKey (deprecated) set document attributes by key path; a
 *    null value unsets. SetAttributes on a block sets that block's attributes; on a block that has
 *    no content yet it is ignored (there is nothing to attach it to).
 * 2. ReplaceBlock replaces a block's whole content, attributes included.
 * 3. MoveBlocks places a run of blocks in the parent's RGA list after `ref`; element i > 0 of the
 *    run goes after element i − 1. DeleteBlocks moves blocks to TRASH.
 * 4. Nothing here throws on bad input: every op is guarded and what fails is counted in `stats`.
 */
import type { ChangeOp } from '../../blob/blob-types.ts';
import { type AttrMap, setPath } from './attr-path.ts';
import { type ApiBlock, apiBlockFromStored } from './block-shape.ts';
import { BlockTree, type MoveOutcome } from './block-tree.ts';
import type { OrderedChange } from './change-order.ts';
import { emptyStats, type ReplayStats } from './document-state.ts';
import { actorOf, decodeRef, elementIndexes, MAX_OP_IDX, type OpId } from './op-id.ts';

export type BlockContent = { block: ApiBlock; revision: string };

type Origin = { cid: string; ts: number; actor: bigint };

export class DocumentReplayer {
  readonly tree = new BlockTree();
  readonly metadata: AttrMap = {};
  readonly blocks = new Map<string, BlockContent>();
  readonly stats: ReplayStats = emptyStats();

  apply(change: OrderedChange): void {
    const signer = change.change.signer;
    const origin: Origin = {
      cid: change.cid,
      ts: change.ts,
      actor: signer instanceof Uint8Array ? actorOf(signer) : 0n,
    };
    const ops = Array.isArray(change.change.ops) ? change.change.ops : [];
    const indexes = elementIndexes(ops);
    ops.forEach((op, i) => {
      try {
        this.#applyOp(op, indexes[i]!, origin);
      } catch {
        // Defensive: a shape no guard anticipated must not stop the rest of the document.
        this.stats.ignoredOps++;
      }
    });
    this.stats.changes++;
  }

  #applyOp(op: ChangeOp, idx: number[], origin: Origin): void {
    switch (op?.type) {
      case 'SetAttributes':
        this.#setAttributes(op, origin);
        break;
      case 'SetKey':
        this.#count(typeof op.key === 'string' && setPath(this.metadata, [op.key], op.value));
        break;
      case 'ReplaceBlock':
        this.#replaceBlock(op.block, origin);
        break;
      case 'MoveBlocks':
        this.#moveBlocks(op, idx, origin);
        break;
      case 'DeleteBlocks':
        this.#deleteBlocks(op.blocks, idx, origin);
        break;
      default:
        this.stats.unknownOps++;
    }
  }

  #setAttributes(op: Extract<ChangeOp, { type: 'SetAttributes' }>, origin: Origin): void {
    const attrs = Array.isArray(op.attrs) ? op.attrs : [];
    const block = typeof op.block === 'string' ? op.block : '';
    const content = block === '' ? null : this.blocks.get(block);
    if (block !== '' && !content) {
      this.stats.ignoredOps += attrs.length;
      return;
    }
    const target = content ? content.block.attributes : this.metadata;
    for (const attr of attrs) this.#count(setPath(target, attr?.key, attr?.value));
    if (content) content.revision = origin.cid;
  }

  #replaceBlock(raw: unknown, origin: Origin): void {
    const block = apiBlockFromStored(raw);
    if (block) this.blocks.set(block.id, { block, revision: origin.cid });
    this.#count(block !== null);
  }

  #moveBlocks(op: Extract<ChangeOp, { type: 'MoveBlocks' }>, idx: number[], origin: Origin): void {
    const blocks = Array.isArray(op.blocks) ? op.blocks : [];
    const target = decodeRef(op.ref, origin);
    const parent = typeof op.parent === 'string' ? op.parent : '';
    if (target.kind === 'invalid') {
      this.stats.ignoredOps += blocks.length;
      return;
    }
    let ref: OpId | null = target.kind === 'start' ? null : target.id;
    blocks.forEach((block, i) => {
      const id = this.#opId(idx[i], origin);
      if (id === null) return;
      this.#countMove(this.tree.move(id, parent, block, ref));
      ref = id;
    });
  }

  #deleteBlocks(blocks: unknown, idx: number[], origin: Origin): void {
    if (!Array.isArray(blocks)) {
      this.#count(false);
      return;
    }
    blocks.forEach((block, i) => {
      const id = this.#opId(idx[i], origin);
      if (id !== null) this.#countMove(this.tree.delete(id, block));
    });
  }

  #opId(idx: number | undefined, origin: Origin): OpId | null {
    if (idx === undefined || idx > MAX_OP_IDX) {
      this.stats.ignoredOps++;
      return null;
    }
    return { ts: origin.ts, idx, actor: origin.actor };
  }

  #countMove(outcome: MoveOutcome): void {
    if (outcome === 'moved') this.stats.appliedOps++;
    else if (outcome === 'cycle') this.stats.cycleMoves++;
    else if (outcome === 'unknown-ref') this.stats.unresolvedRefs++;
    else if (outcome === 'duplicate') this.stats.duplicateElements++;
    else this.stats.ignoredOps++;
  }

  #count(applied: boolean): void {
    if (applied) this.stats.appliedOps++;
    else this.stats.ignoredOps++;
  }
}
