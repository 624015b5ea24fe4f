/**
 * The result of replaying a document: plain data only (strings, numbers, plain objects), so it
 * crosses threads by structured clone, caches as-is and maps straight onto Seed's `Document`.
 */
import type { ApiBlock } from './block-shape.ts';

/** A block and its children, as Seed's `Document.content` holds them. */
export type BlockNode = { block: ApiBlock; children?: BlockNode[] };

/** What replay met and set aside; it never throws on bad input, it counts it here. */
export type ReplayStats = {
  /** Changes replayed. */
  changes: number;
  /** Inputs left out: duplicates, other lineage, dependency cycles, malformed. */
  excludedChanges: number;
  /** Deps named by replayed Changes but absent from the input. */
  missingDeps: number;
  appliedOps: number;
  /** Ops (or op elements) that could not apply: bad fields, unknown block, invalid ref. */
  ignoredOps: number;
  /** Op types replay does not know (kept in the blob, skipped here). */
  unknownOps: number;
  /** Moves ignored because they would put a block under itself or its own descendant. */
  cycleMoves: number;
  /** Moves whose `ref` names no element of the parent's list. */
  unresolvedRefs: number;
  /** Elements whose op ID was already used (same signer, same millisecond). */
  duplicateElements: number;
};

export type DocumentState = {
  /** CID of the genesis Change ('' when unknown). */
  genesis: string;
  /** Head Change CIDs, sorted. */
  heads: string[];
  /** Heads joined by '.'. */
  version: string;
  /** Ordering depth of the heads: the next Change on top of them gets depth + 1. */
  depth: number;
  /** Document attributes as a nested object (`name`, `summary`, `icon`, `cover`, `theme.…`). */
  metadata: Record<string, unknown>;
  content: BlockNode[];
  /** Account IDs of every signer of a replayed Change, sorted. */
  authors: string[];
  /** ms since the epoch: the genesis ts, or the first non-zero ts for an empty (ts 0) genesis. */
  createTime: number;
  /** ms since the epoch: the greatest ts among replayed Changes. */
  updateTime: number;
  /**
   * Where each visible block sits: its parent and the op ID key (`ts:idx:actor`) of its RGA
   * element. PrepareDocumentChange builds `MoveBlocks.ref`s from it.
   */
  blockPositions: Record<string, { parent: string; element: string }>;
  stats: ReplayStats;
};

export function emptyStats(): ReplayStats {
  return {
    changes: 0,
    excludedChanges: 0,
    missingDeps: 0,
    appliedOps: 0,
    ignoredOps: 0,
    unknownOps: 0,
    cycleMoves: 0,
    unresolvedRefs: 0,
    duplicateElements: 0,
  };
}
