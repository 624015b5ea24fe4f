import type { DatabaseSync } from 'node:sqlite';
import {
  emptyLineage,
  type LineageState,
  metadataOf,
  resolveLineageOnWriter,
  type Winner,
} from './lineage.ts';
import { parentPath, parseJson, stmt } from './statements.ts';

/**
 * Writer: the `documents` row of one (account, path), from the winning counted Ref — the highest
 * (generation, ts, cid) whose signer may write the path and whose heads belong to its genesis.
 */

type RefRow = {
  cid: string;
  signer: string;
  genesis: string;
  heads: string;
  generation: number;
  ts: number;
  redirect: string | null;
};

type DocRow = {
  id: number;
  genesis: string;
  heads: string;
  ref_cid: string;
  winners: string;
  authors: string;
  create_time: number | null;
  update_time: number | null;
};

/**
 * Recomputes the document at (account, path) if its winning Ref changed (or always, with
 * `rebuild`: a new Capability may change which changes count).
 */
export function refreshDocumentOnWriter(
  db: DatabaseSync,
  account: string,
  path: string,
  now: number,
  rebuild = false,
): void {
  const best = stmt(
    db,
    `SELECT cid, signer, genesis, heads, generation, ts, redirect FROM refs
     WHERE account = ? AND path = ? AND counted = 1
     ORDER BY generation DESC, ts DESC, cid DESC LIMIT 1`,
  ).get(account, path) as RefRow | undefined;
  if (!best) return;
  let doc = stmt(
    db,
    `SELECT id, genesis, heads, ref_cid, winners, authors, create_time, update_time
     FROM documents WHERE account = ? AND path = ?`,
  ).get(account, path) as DocRow | undefined;
  if (doc && doc.ref_cid === best.cid && !rebuild) return;
  const prev = doc && doc.genesis === best.genesis && !rebuild ? previousState(doc) : null;
  if (!doc) doc = insertSkeleton(db, account, path, best, now);
  const heads = parseJson<string[]>(best.heads, []);
  const { state } = resolveLineageOnWriter(db, { id: doc.id, account, path, heads }, prev);
  writeDocument(db, doc.id, best, heads, state, now);
}

function previousState(doc: DocRow): { heads: string[]; state: LineageState } {
  return {
    heads: parseJson<string[]>(doc.heads, []),
    state: {
      winners: parseJson<Record<string, Winner>>(doc.winners, {}),
      authors: parseJson<string[]>(doc.authors, []),
      createTime: doc.create_time,
      updateTime: doc.update_time,
    },
  };
}

function insertSkeleton(
  db: DatabaseSync,
  account: string,
  path: string,
  ref: RefRow,
  now: number,
): DocRow {
  const row = stmt(
    db,
    `INSERT INTO documents (account, path, parent, genesis, generation, heads, version, ref_cid,
       ref_author, ref_time, metadata, winners, authors, tombstone, index_time)
     VALUES (?, ?, ?, ?, ?, '[]', '', '', ?, ?, '{}', '{}', '[]', 0, ?) RETURNING id`,
  ).get(account, path, parentPath(path), ref.genesis, ref.generation, ref.signer, ref.ts, now) as {
    id: number;
  };
  const empty = emptyLineage();
  return {
    id: row.id,
    genesis: ref.genesis,
    heads: '[]',
    ref_cid: '',
    winners: '{}',
    authors: '[]',
    create_time: empty.createTime,
    update_time: empty.updateTime,
  };
}

function writeDocument(
  db: DatabaseSync,
  id: number,
  ref: RefRow,
  heads: string[],
  state: LineageState,
  now: number,
): void {
  const metadata = metadataOf(state.winners);
  const text = (k: string) => (typeof metadata[k] === 'string' ? (metadata[k] as string) : null);
  const shown = text('displayPublishTime');
  const parsed = shown === null ? Number.NaN : Date.parse(shown);
  const tombstone = heads.length === 0 && ref.redirect === null;
  stmt(
    db,
    `UPDATE documents SET genesis = ?, generation = ?, heads = ?, version = ?, ref_cid = ?,
       ref_author = ?, ref_time = ?, metadata = ?, winners = ?, name = ?, summary = ?, icon = ?,
       cover = ?, authors = ?, create_time = ?, update_time = ?, display_time = ?, tombstone = ?,
       redirect = ?, index_time = ?
     WHERE id = ?`,
  ).run(
    ref.genesis,
    ref.generation,
    JSON.stringify(heads),
    heads.join('.'),
    ref.cid,
    ref.signer,
    ref.ts,
    JSON.stringify(metadata),
    // Sorted keys: the same winners give the same text whatever order they were folded in.
    JSON.stringify(
      Object.fromEntries(Object.entries(state.winners).sort(([a], [b]) => (a < b ? -1 : 1))),
    ),
    text('name'),
    text('summary'),
    text('icon'),
    text('cover'),
    JSON.stringify(state.authors),
    state.createTime,
    state.updateTime,
    Number.isFinite(parsed) ? parsed : state.createTime,
    tombstone ? 1 : 0,
    ref.redirect,
    now,
    id,
  );
}

/** Writer: documents of `account` at or below `prefix` ('' = all), for a rebuild after a new grant. */
export function documentPathsUnder(db: DatabaseSync, account: string, prefix: string): string[] {
  const rows = (
    prefix === ''
      ? stmt(db, 'SELECT path FROM documents WHERE account = ?').all(account)
      : stmt(
          db,
          'SELECT path FROM documents WHERE account = ? AND (path = ? OR (path > ? AND path < ?))',
        ).all(account, prefix, `${prefix}/`, `${prefix}0`)
  ) as { path: string }[];
  return rows.map((r) => r.path);
}
