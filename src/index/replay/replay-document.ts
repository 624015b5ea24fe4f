/**
 * Replays a document's change DAG into its state (Seed's `Document`): order the Changes
 * (change-order.ts), apply their ops (document-replayer.ts), then read out the block tree.
 *
 * Pure and synchronous: it runs on a reader-pool thread after the read that loaded the Changes
 * has ended. It never throws on malformed or hostile Changes; what it skips is counted in
 * `state.stats`.
 */
import type { Change } from '../../blob/blob-types.ts';
import { accountIdFromPrincipal } from '../../blob/principal.ts';
import { ROOT } from './block-tree.ts';
import { type ChangeInput, type OrderedChange, orderChanges } from './change-order.ts';
import { DocumentReplayer } from './document-replayer.ts';
import type { BlockNode, DocumentState } from './document-state.ts';

export type { BlockNode, DocumentState, ReplayStats } from './document-state.ts';

export type ReplayOptions = {
  /** The document's genesis CID when the caller knows it (Changes of other lineages are left out). */
  genesis?: string;
};

export function replayDocument(
  changes: readonly { cid: string; change: Change }[],
  options: ReplayOptions = {},
): DocumentState {
  const order = orderChanges(changes as readonly ChangeInput[], options);
  const replayer = new DocumentReplayer();
  for (const change of order.ordered) replayer.apply(change);
  const { content, blockPositions } = buildContent(replayer);
  return {
    genesis: order.genesis,
    heads: order.heads,
    version: order.heads.join('.'),
    depth: order.depth,
    metadata: replayer.metadata,
    content,
    authors: authorsOf(order.ordered),
    ...timesOf(order.ordered, order.genesis),
    blockPositions,
    stats: { ...replayer.stats, excludedChanges: order.excluded, missingDeps: order.missingDeps },
  };
}

/**
 * Walks the visible tree from the root without recursion (hostile documents can nest deeply).
 * Blocks that were placed but never given content are left out with their subtree.
 */
function buildContent(replayer: DocumentReplayer): {
  content: BlockNode[];
  blockPositions: DocumentState['blockPositions'];
} {
  const content: BlockNode[] = [];
  const blockPositions: DocumentState['blockPositions'] = {};
  const seen = new Set<string>();
  const stack: { parent: string; out: BlockNode[] }[] = [{ parent: ROOT, out: content }];
  while (stack.length > 0) {
    const { parent, out } = stack.pop()!;
    for (const id of replayer.tree.children(parent)) {
      const stored = replayer.blocks.get(id);
      if (!stored || seen.has(id)) continue;
      seen.add(id);
      const node: BlockNode = { block: { ...stored.block, revision: stored.revision } };
      out.push(node);
      blockPositions[id] = { parent, element: replayer.tree.elementKeyOf(id)! };
      const children: BlockNode[] = [];
      node.children = children;
      stack.push({ parent: id, out: children });
    }
  }
  pruneEmptyChildren(content);
  return { content, blockPositions };
}

function pruneEmptyChildren(nodes: BlockNode[]): void {
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.children && node.children.length === 0) delete node.children;
    else if (node.children) stack.push(...node.children);
  }
}

function authorsOf(ordered: OrderedChange[]): string[] {
  const authors = new Set<string>();
  for (const { change } of ordered) {
    try {
      if (change.signer instanceof Uint8Array) authors.add(accountIdFromPrincipal(change.signer));
    } catch {
      // A signer that is not a principal names no author; the blob layer rejects such blobs anyway.
    }
  }
  return [...authors].sort();
}

function timesOf(
  ordered: OrderedChange[],
  genesis: string,
): { createTime: number; updateTime: number } {
  let first = 0;
  let last = 0;
  for (const c of ordered) {
    if (c.ts > 0 && (first === 0 || c.ts < first)) first = c.ts;
    if (c.ts > last) last = c.ts;
  }
  const genesisTs = ordered.find((c) => c.cid === genesis)?.ts ?? 0;
  return { createTime: genesisTs > 0 ? genesisTs : first, updateTime: last };
}
