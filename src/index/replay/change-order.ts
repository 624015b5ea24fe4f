/**
 * The deterministic replay order of a document's change DAG (BLOBS.md): by depth, then ts, then
 * CID, with every Change after all of its deps.
 *
 * Input is hostile or partial (a missing dep, a lying or absent `depth`, a duplicated CID, a
 * Change of another lineage, even a dependency cycle made of fake CIDs), so:
 * 1. The depth used for ordering is max(stated depth, 1 + depth of each dep present), computed
 *    over the deps present in the set. Deps therefore always sort first, whatever the field says.
 * 2. Changes of another genesis, duplicates and Changes on (or above) a dependency cycle are left
 *    out and counted, never thrown on.
 * 3. The result depends only on the set of Changes, not on the order they were given in.
 */
import type { Change } from '../../blob/blob-types.ts';

export type ChangeInput = { cid: string; change: Change };
export type OrderedChange = ChangeInput & { depth: number; ts: number; deps: string[] };

export type ChangeOrder = {
  ordered: OrderedChange[];
  /** CID of the genesis Change ('' when none can be determined). */
  genesis: string;
  /** Changes no other ordered Change depends on, sorted. */
  heads: string[];
  /** Greatest ordering depth among the heads (a new Change on top gets depth + 1). */
  depth: number;
  /** Inputs left out: duplicates, malformed, other lineage, dependency cycles. */
  excluded: number;
  /** Deps named by ordered Changes but absent from the set. */
  missingDeps: number;
};

type Node = { cid: string; change: Change; genesisField: string | null; depCids: string[] };

export function orderChanges(
  input: readonly ChangeInput[],
  options: { genesis?: string } = {},
): ChangeOrder {
  const unique = dedupe(input);
  let excluded = input.length - unique.length;
  const genesis = options.genesis ?? chooseGenesis(unique);
  const members = unique.filter(
    (n) => genesis === '' || n.cid === genesis || n.genesisField === genesis,
  );
  excluded += unique.length - members.length;
  const byCid = new Map(members.map((n) => [n.cid, n]));
  let missingDeps = 0;
  const deps = new Map<string, string[]>();
  for (const node of members) {
    const present = node.depCids.filter((d) => d !== node.cid && byCid.has(d));
    missingDeps += node.depCids.filter((d) => d !== node.cid && !byCid.has(d)).length;
    deps.set(node.cid, [...new Set(present)]);
  }
  const depths = computeDepths(members, deps);
  excluded += members.length - depths.size;
  const ordered: OrderedChange[] = [];
  for (const node of members) {
    const depth = depths.get(node.cid);
    if (depth === undefined) continue;
    ordered.push({
      cid: node.cid,
      change: node.change,
      depth,
      ts: safeTs(node.change),
      deps: deps.get(node.cid)!,
    });
  }
  ordered.sort(compareOrdered);
  const heads = headsOf(ordered);
  const depth = Math.max(0, ...heads.map((h) => depths.get(h) ?? 0));
  return { ordered, genesis, heads, depth, excluded, missingDeps };
}

export function compareOrdered(a: OrderedChange, b: OrderedChange): number {
  if (a.depth !== b.depth) return a.depth - b.depth;
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0;
}

/**
 * The Changes of `input` reachable from `heads` through deps (a historical version). `missing`
 * lists the heads that are not in the input.
 */
export function selectVersion(
  input: readonly ChangeInput[],
  heads: readonly string[],
): { changes: ChangeInput[]; missing: string[] } {
  const byCid = new Map<string, ChangeInput>();
  for (const item of input) if (!byCid.has(item.cid)) byCid.set(item.cid, item);
  const missing = heads.filter((h) => !byCid.has(h));
  const seen = new Set<string>();
  const stack = heads.filter((h) => byCid.has(h));
  while (stack.length > 0) {
    const cid = stack.pop()!;
    if (seen.has(cid)) continue;
    seen.add(cid);
    for (const dep of depCidsOf(byCid.get(cid)!.change))
      if (byCid.has(dep) && !seen.has(dep)) stack.push(dep);
  }
  return { changes: [...seen].map((cid) => byCid.get(cid)!), missing };
}

function dedupe(input: readonly ChangeInput[]): Node[] {
  const seen = new Map<string, Node>();
  for (const item of input) {
    if (!item || typeof item.cid !== 'string' || item.cid === '' || seen.has(item.cid)) continue;
    const change = item.change;
    if (!change || typeof change !== 'object' || change.type !== 'Change') continue;
    const genesisField = change.genesis ? String(change.genesis) : null;
    seen.set(item.cid, { cid: item.cid, change, genesisField, depCids: depCidsOf(change) });
  }
  return [...seen.values()];
}

function depCidsOf(change: Change): string[] {
  return Array.isArray(change.deps) ? change.deps.map((d) => String(d)) : [];
}

/**
 * The lineage most Changes name in their `genesis` field (ties: smallest CID); without any such
 * field, the earliest root (a Change with no deps).
 */
function chooseGenesis(nodes: Node[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes)
    if (n.genesisField) counts.set(n.genesisField, (counts.get(n.genesisField) ?? 0) + 1);
  let best = '';
  let bestCount = 0;
  for (const [cid, count] of counts) {
    if (count > bestCount || (count === bestCount && cid < best)) [best, bestCount] = [cid, count];
  }
  if (best !== '') return best;
  const roots = nodes.filter((n) => n.depCids.length === 0 && n.genesisField === null);
  roots.sort((a, b) => safeTs(a.change) - safeTs(b.change) || (a.cid < b.cid ? -1 : 1));
  return roots[0]?.cid ?? '';
}

/** Kahn's algorithm over the present deps; Changes never reached (cycles) get no depth. */
function computeDepths(nodes: Node[], deps: Map<string, string[]>): Map<string, number> {
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const node of nodes) {
    const own = deps.get(node.cid)!;
    waiting.set(node.cid, own.length);
    for (const dep of own) {
      let list = dependents.get(dep);
      if (!list) dependents.set(dep, (list = []));
      list.push(node.cid);
    }
  }
  const byCid = new Map(nodes.map((n) => [n.cid, n]));
  const depths = new Map<string, number>();
  const queue = nodes.filter((n) => waiting.get(n.cid) === 0).map((n) => n.cid);
  for (let i = 0; i < queue.length; i++) {
    const cid = queue[i]!;
    const fromDeps = deps.get(cid)!.map((d) => depths.get(d)! + 1);
    depths.set(cid, Math.max(statedDepth(byCid.get(cid)!.change), 0, ...fromDeps));
    for (const next of dependents.get(cid) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  return depths;
}

function headsOf(ordered: OrderedChange[]): string[] {
  const referenced = new Set<string>();
  for (const c of ordered) for (const d of c.deps) referenced.add(d);
  return ordered
    .filter((c) => !referenced.has(c.cid))
    .map((c) => c.cid)
    .sort();
}

function statedDepth(change: Change): number {
  const d = change.depth;
  return typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? d : 0;
}

function safeTs(change: Change): number {
  const ts = change.ts;
  return typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0 ? ts : 0;
}
