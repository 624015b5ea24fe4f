import type { DatabaseSync } from 'node:sqlite';
import { authorizerFor } from './authorization.ts';
import type { DocumentMetadata, Json } from './read-types.ts';
import { parseJson, stmt } from './statements.ts';

/**
 * Document metadata without replay (DESIGN §4). A document's metadata is the last-writer-wins
 * resolution of the document-level attributes of the Changes reachable from its heads, in the
 * replay order of BLOBS.md: (depth, ts, cid). Because each attribute keeps its winner with that
 * key, folding in more changes is order-independent, and a Ref that moves the heads forward only
 * adds the changes between the old and new heads (`document_changes` remembers the reachable set).
 * When the new heads do not descend from the old ones (a new generation, a Ref to an older or
 * sibling version), the set is rebuilt from scratch.
 *
 * Changes whose author may not write the document (no covering Capability) are walked through
 * but contribute nothing and are marked `counted = 0`.
 */

export type Winner = { v: Json; d: number; t: number; c: string };
export type LineageState = {
  /** Keyed by JSON.stringify(attribute key path). */
  winners: Record<string, Winner>;
  authors: string[];
  createTime: number | null;
  updateTime: number | null;
};

export type ChangeRecord = {
  cid: string;
  author: string;
  deps: string[];
  depth: number;
  ts: number;
  attrs: { key: string[]; value: Json }[];
};

type Target = { id: number; account: string; path: string; heads: string[] };

export function emptyLineage(): LineageState {
  return { winners: {}, authors: [], createTime: null, updateTime: null };
}

export function loadChange(db: DatabaseSync, cid: string): ChangeRecord | null {
  const row = stmt(db, 'SELECT cid, author, deps, depth, ts, attrs FROM changes WHERE cid = ?').get(
    cid,
  ) as
    | { cid: string; author: string; deps: string; depth: number; ts: number; attrs: string }
    | undefined;
  if (!row) return null;
  return { ...row, deps: parseJson(row.deps, []), attrs: parseJson(row.attrs, []) };
}

/**
 * Writer: brings `document_changes` and the lineage state of `doc` up to its heads. `prev` is the
 * state for `prevHeads` (same genesis), or null to rebuild. Returns the new state and the CIDs
 * that joined the reachable set.
 */
export function resolveLineageOnWriter(
  db: DatabaseSync,
  doc: Target,
  prev: { heads: string[]; state: LineageState } | null,
): { state: LineageState; added: string[] } {
  if (prev) {
    const step = walkNew(db, doc);
    if (step && prev.heads.every((h) => step.hits.has(h))) {
      const state = cloneState(prev.state);
      fold(db, doc, state, step.added);
      return { state, added: step.added.map((c) => c.cid) };
    }
  }
  stmt(db, 'DELETE FROM document_changes WHERE doc_id = ?').run(doc.id);
  const all = walkNew(db, doc);
  const state = emptyLineage();
  if (all) fold(db, doc, state, all.added);
  return { state, added: all ? all.added.map((c) => c.cid) : [] };
}

/**
 * Changes reachable from the heads that are not yet in the document's set, and the members met
 * on the way (`hits`). Null when a change is missing (cannot happen for indexed heads: a change is
 * indexed only after its deps).
 */
function walkNew(
  db: DatabaseSync,
  doc: Target,
): { added: ChangeRecord[]; hits: Set<string> } | null {
  const isMember = stmt(db, 'SELECT 1 FROM document_changes WHERE doc_id = ? AND change_cid = ?');
  const hits = new Set<string>();
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (cid: string) => {
    if (seen.has(cid)) return;
    seen.add(cid);
    if (isMember.get(doc.id, cid)) hits.add(cid);
    else queue.push(cid);
  };
  for (const h of doc.heads) visit(h);
  const added: ChangeRecord[] = [];
  while (queue.length > 0) {
    const change = loadChange(db, queue.pop()!);
    if (!change) return null;
    added.push(change);
    for (const dep of change.deps) visit(dep);
  }
  return { added, hits };
}

/** Adds changes to the document's set and folds their attributes, authors and times into `state`. */
function fold(db: DatabaseSync, doc: Target, state: LineageState, changes: ChangeRecord[]): void {
  const insert = stmt(
    db,
    'INSERT OR REPLACE INTO document_changes (doc_id, change_cid, counted) VALUES (?, ?, ?)',
  );
  const authorized = authorizerFor(db, doc.account, doc.path);
  const authors = new Set(state.authors);
  for (const change of changes) {
    const counted = authorized(change.author);
    insert.run(doc.id, change.cid, counted ? 1 : 0);
    if (!counted) continue;
    authors.add(change.author);
    if (change.ts > 0) {
      state.createTime =
        state.createTime === null ? change.ts : Math.min(state.createTime, change.ts);
      state.updateTime =
        state.updateTime === null ? change.ts : Math.max(state.updateTime, change.ts);
    }
    for (const attr of change.attrs) {
      const key = JSON.stringify(attr.key);
      const w: Winner = { v: attr.value, d: change.depth, t: change.ts, c: change.cid };
      // Within one change, a later op on the same key wins (equal order keys → replace).
      const old = state.winners[key];
      if (!old || compareOrder(w, old) >= 0) state.winners[key] = w;
    }
  }
  state.authors = [...authors].sort();
}

/** Replay order of BLOBS.md: depth, then timestamp, then CID. */
export function compareOrder(a: Winner, b: Winner): number {
  if (a.d !== b.d) return a.d - b.d;
  if (a.t !== b.t) return a.t - b.t;
  return a.c < b.c ? -1 : a.c > b.c ? 1 : 0;
}

function cloneState(s: LineageState): LineageState {
  return { ...s, winners: { ...s.winners }, authors: [...s.authors] };
}

/** Winners → nested metadata object; a null value removes the attribute. */
export function metadataOf(winners: Record<string, Winner>): DocumentMetadata {
  const out: DocumentMetadata = {};
  const keys = Object.keys(winners).sort();
  for (const k of keys) {
    const path = parseJson<string[]>(k, []);
    const value = winners[k]!.v;
    if (path.length === 0 || value === null) continue;
    let node: Record<string, Json> = out;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[seg] = {};
      node = node[seg] as Record<string, Json>;
    }
    node[path.at(-1)!] = value;
  }
  return out;
}
