/**
 * The CRDT side of PrepareDocumentChange: turn a client's edits, applied to the document at its
 * base version, into wire ops, and wrap them in an unsigned Change for the client to sign.
 *
 * How the ops are chosen (so that replaying base + the new Change gives exactly the edited tree):
 * 1. The edits run on an EditTree; the result is compared with the base state, not replayed
 *    edit by edit, so a block moved twice costs one move and a block moved back costs none.
 * 2. Under each parent, the blocks that stay are the longest run of the old children that keeps
 *    its old relative order (a longest increasing subsequence); every other child is moved.
 *    Consecutive moved children form one MoveBlocks run whose `ref` is the RGA element of the
 *    staying block on their left (or the start). The new Change's ts is later than every
 *    existing one (nextChangeTs), so RGA places each run right after its ref element.
 * 3. Blocks gone from the tree are deleted (only the top of each deleted subtree); blocks whose
 *    content changed get a ReplaceBlock with the whole block (block attributes included, which
 *    Seed's node accepts where it refuses block-level SetAttributes); document attributes get one
 *    SetAttributes on block ''.
 * Op order follows Seed's node: moves, deletes, document attributes, block contents.
 */
import type { BlockData, ChangeOp } from '../../blob/blob-types.ts';
import { parseCid } from '../../blob/cid.ts';
import { encodeDagCbor } from '../../blob/dag-cbor.ts';
import { changeWireMap } from '../../blob/encode-change.ts';
import { deepEqual, getPath } from './attr-path.ts';
import { type ApiBlock, storedBlockFromApi } from './block-shape.ts';
import { ROOT } from './block-tree.ts';
import type { BlockNode, DocumentState } from './document-state.ts';
import { EditTree } from './edit-tree.ts';
import { encodeRef, parseOpIdKey } from './op-id.ts';
import { parseSeedEdits, type SeedEdit } from './seed-edit.ts';

export type { SeedEdit } from './seed-edit.ts';

/** Wire ops that turn `state` into `state` + `edits`. Throws InvalidInputError on a bad edit. */
export function prepareChange(state: DocumentState, edits: readonly SeedEdit[]): ChangeOp[] {
  const tree = new EditTree(state);
  parseSeedEdits(edits).forEach((edit, i) => {
    tree.apply(edit, `changes[${i}]`);
  });
  const original = originalTree(state.content);
  const deleted = deletedBlocks(state, tree);
  return [
    ...moveOps(state, tree, original.children),
    ...deleteOps(state, deleted),
    ...metadataOps(state, tree),
    ...replaceOps(tree, original.blocks),
  ];
}

/** A ts for the next Change: now, but always after every Change already in the document. */
export function nextChangeTs(state: DocumentState, now: number = Date.now()): number {
  return Math.max(now, state.updateTime + 1);
}

export type UnsignedChangeFields = {
  signer: Uint8Array;
  genesis: string | null;
  deps: readonly string[];
  depth: number | null;
  ts: number;
  ops: ChangeOp[];
};

/** DAG-CBOR bytes of the Change with `sig` = 64 zero bytes: what the client signs. */
export function buildUnsignedChange(f: UnsignedChangeFields): Uint8Array {
  const map = changeWireMap({
    ts: f.ts,
    genesis: f.genesis ? parseCid(f.genesis, 'genesis') : null,
    deps: f.deps.map((d, i) => parseCid(d, `deps[${i}]`)),
    depth: f.depth,
    ops: f.ops,
    opCount: f.ops.reduce((sum, op) => sum + logicalSize(op), 0),
  });
  map['signer'] = f.signer;
  map['sig'] = new Uint8Array(64);
  return encodeDagCbor(map);
}

/** Seed's `body.opCount`: a run or list op counts one per element. */
function logicalSize(op: ChangeOp): number {
  if (op.type === 'MoveBlocks' || op.type === 'DeleteBlocks') return op.blocks.length;
  if (op.type === 'SetAttributes') return op.attrs.length;
  return 1;
}

/**
 * prepareChange + buildUnsignedChange on top of `state`'s heads. With no heads (a new document)
 * the Change is a genesis carrying the content, as Seed's CLI makes them.
 */
export function prepareUnsignedChange(
  state: DocumentState,
  edits: readonly SeedEdit[],
  init: { signer: Uint8Array; now?: number },
): { data: Uint8Array; ops: ChangeOp[]; ts: number; depth: number | null; deps: string[] } {
  const ops = prepareChange(state, edits);
  const ts = nextChangeTs(state, init.now);
  const isNew = state.heads.length === 0;
  const depth = isNew ? null : state.depth + 1;
  const deps = isNew ? [] : [...state.heads];
  const genesis = isNew || state.genesis === '' ? null : state.genesis;
  const data = buildUnsignedChange({ signer: init.signer, genesis, deps, depth, ts, ops });
  return { data, ops, ts, depth, deps };
}

/** The state of a document that has no Changes yet. */
export function emptyDocumentState(): DocumentState {
  return {
    genesis: '',
    heads: [],
    version: '',
    depth: 0,
    metadata: {},
    content: [],
    authors: [],
    createTime: 0,
    updateTime: 0,
    blockPositions: {},
    stats: {
      changes: 0,
      excludedChanges: 0,
      missingDeps: 0,
      appliedOps: 0,
      ignoredOps: 0,
      unknownOps: 0,
      cycleMoves: 0,
      unresolvedRefs: 0,
      duplicateElements: 0,
    },
  };
}

function originalTree(content: BlockNode[]): {
  children: Map<string, string[]>;
  blocks: Map<string, ApiBlock>;
} {
  const children = new Map<string, string[]>();
  const blocks = new Map<string, ApiBlock>();
  const stack: { parent: string; nodes: BlockNode[] }[] = [{ parent: ROOT, nodes: content }];
  while (stack.length > 0) {
    const { parent, nodes } = stack.pop()!;
    children.set(
      parent,
      nodes.map((n) => n.block.id),
    );
    for (const node of nodes) {
      const { revision: _revision, ...block } = node.block;
      blocks.set(block.id, block);
      if (node.children) stack.push({ parent: block.id, nodes: node.children });
    }
  }
  return { children, blocks };
}

function moveOps(state: DocumentState, tree: EditTree, before: Map<string, string[]>): ChangeOp[] {
  const ops: ChangeOp[] = [];
  const queue = [ROOT];
  for (let q = 0; q < queue.length; q++) {
    const parent = queue[q]!;
    const after = tree.childrenOf(parent);
    const stable = stableChildren(state, parent, before.get(parent) ?? [], after);
    let run: string[] = [];
    let left = '';
    const flush = () => {
      if (run.length > 0) ops.push(moveRun(state, parent, run, left));
      run = [];
    };
    for (const child of after) {
      queue.push(child);
      if (stable.has(child)) {
        flush();
        left = child;
      } else run.push(child);
    }
    flush();
  }
  return ops;
}

function moveRun(state: DocumentState, parent: string, blocks: string[], left: string): ChangeOp {
  const element = left === '' ? null : parseOpIdKey(state.blockPositions[left]!.element);
  // Refs may hold a 56-bit actor as a bigint; DAG-CBOR writes it as a plain unsigned integer.
  const ref = (element ? encodeRef(element) : []) as number[];
  return { type: 'MoveBlocks', parent, blocks: [...blocks], ref };
}

/**
 * Children of `parent` that keep their RGA element: the longest subsequence of the new order that
 * were already under `parent`, in their old relative order.
 */
function stableChildren(
  state: DocumentState,
  parent: string,
  before: readonly string[],
  after: readonly string[],
): Set<string> {
  const oldIndex = new Map(before.map((id, i) => [id, i]));
  const candidates = after.filter((id) => {
    const position = state.blockPositions[id];
    return (
      oldIndex.has(id) && position?.parent === parent && parseOpIdKey(position.element) !== null
    );
  });
  const keep = longestIncreasing(candidates.map((id) => oldIndex.get(id)!));
  return new Set(keep.map((i) => candidates[i]!));
}

/** Indexes (into `values`) of one longest strictly increasing subsequence; O(n log n). */
export function longestIncreasing(values: readonly number[]): number[] {
  const tails: number[] = [];
  const previous: number[] = new Array(values.length).fill(-1);
  values.forEach((value, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const out: number[] = [];
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!)
    out.push(i);
  return out.reverse();
}

function deletedBlocks(state: DocumentState, tree: EditTree): Set<string> {
  return new Set(Object.keys(state.blockPositions).filter((id) => !tree.isVisible(id)));
}

function deleteOps(state: DocumentState, deleted: Set<string>): ChangeOp[] {
  const tops = [...deleted].filter((id) => !deleted.has(state.blockPositions[id]!.parent));
  return tops.length > 0 ? [{ type: 'DeleteBlocks', blocks: tops }] : [];
}

function metadataOps(state: DocumentState, tree: EditTree): ChangeOp[] {
  const last = new Map<string, { key: string[]; value: unknown }>();
  for (const edit of tree.metadataEdits) {
    const path = JSON.stringify(edit.key);
    last.delete(path);
    last.set(path, edit);
  }
  const writes = [...last.values()];
  const overlaps = (a: string[], b: string[]) =>
    a !== b && a.slice(0, Math.min(a.length, b.length)).every((part, i) => part === b[i]);
  const attrs = writes.filter((w) => {
    const unchanged = deepEqual(getPath(state.metadata, w.key) ?? null, w.value ?? null);
    return !unchanged || writes.some((other) => overlaps(w.key, other.key));
  });
  return attrs.length > 0 ? [{ type: 'SetAttributes', block: '', attrs }] : [];
}

function replaceOps(tree: EditTree, before: Map<string, ApiBlock>): ChangeOp[] {
  const ops: ChangeOp[] = [];
  for (const id of [...tree.touched].sort()) {
    const block = tree.blocks.get(id);
    // Content of a block that ends up deleted is not worth writing (Seed's node drops it too);
    // a block never placed anywhere is kept as a detached block.
    if (!block || (tree.parentOf.has(id) && !tree.isVisible(id))) continue;
    const stored = storedBlockFromApi(block);
    const old = before.get(id);
    if (old && deepEqual(storedBlockFromApi(old), stored)) continue;
    ops.push({ type: 'ReplaceBlock', block: stored as BlockData });
  }
  return ops;
}
