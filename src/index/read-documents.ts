import type { DatabaseSync } from 'node:sqlite';
import { API_MAX_PAGE_SIZE, INDEX_QUERY_MAX_LIMIT } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import { accountArg, argsObject, intArg, pathArg, stringArg } from './read-args.ts';
import {
  type DocumentHead,
  type DocumentMetadata,
  type DocumentRow,
  QUERY_SORT_TERMS,
  type QueryResult,
  type QuerySortTerm,
} from './read-types.ts';
import { parseJson, stmt } from './statements.ts';

/**
 * Reader: document rows (`index.resourceMetadata`, `index.query`). Counts (children, comments)
 * come from indexed subqueries in the same statement, so a listing is one query, never one per card.
 */

const COLUMNS = `d.*,
  (SELECT count(*) FROM documents c
     WHERE c.account = d.account AND c.parent = d.path AND c.tombstone = 0) AS child_count,
  (SELECT count(*) FROM comments m
     WHERE m.target_account = d.account AND m.target_path = d.path AND m.deleted = 0) AS comment_count,
  (SELECT max(m.create_time) FROM comments m
     WHERE m.target_account = d.account AND m.target_path = d.path AND m.deleted = 0) AS comment_time`;

type Row = {
  account: string;
  path: string;
  genesis: string;
  generation: number;
  heads: string;
  version: string;
  ref_cid: string;
  ref_author: string;
  ref_time: number;
  metadata: string;
  name: string | null;
  summary: string | null;
  icon: string | null;
  cover: string | null;
  authors: string;
  create_time: number | null;
  update_time: number | null;
  display_time: number | null;
  tombstone: number;
  redirect: string | null;
  index_time: number;
  child_count: number;
  comment_count: number;
  comment_time: number | null;
};

export function loadDocument(db: DatabaseSync, account: string, path: string): DocumentRow | null {
  const row = stmt(db, `SELECT ${COLUMNS} FROM documents d WHERE d.account = ? AND d.path = ?`).get(
    account,
    path,
  ) as Row | undefined;
  return row ? toDocumentRow(db, row) : null;
}

function toDocumentRow(db: DatabaseSync, r: Row): DocumentRow {
  const latest =
    r.comment_count > 0
      ? (stmt(
          db,
          `SELECT id, version_cid AS cid, create_time AS time FROM comments
           WHERE target_account = ? AND target_path = ? AND deleted = 0
           ORDER BY create_time DESC, id DESC LIMIT 1`,
        ).get(r.account, r.path) as { id: string; cid: string; time: number })
      : null;
  const activity = Math.max(r.update_time ?? 0, r.comment_time ?? 0);
  return {
    ...toDocumentHead(r.account, r.path, r),
    genesis: r.genesis,
    generation: r.generation,
    refCid: r.ref_cid,
    refAuthor: r.ref_author,
    refTime: r.ref_time,
    name: r.name,
    summary: r.summary,
    icon: r.icon,
    cover: r.cover,
    authors: parseJson<string[]>(r.authors, []),
    createTime: r.create_time,
    updateTime: r.update_time,
    displayTime: r.display_time,
    activityTime: activity > 0 ? activity : null,
    childCount: r.child_count,
    commentCount: r.comment_count,
    latestComment: latest ? { ...latest } : null,
    indexTime: r.index_time,
  };
}

/** `index.documentHead` {account, path} → DocumentHead | null (tombstones and redirects flagged). */
export function documentHead(db: DatabaseSync, args: unknown): DocumentHead | null {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const r = stmt(
    db,
    'SELECT heads, version, metadata, tombstone, redirect FROM documents WHERE account = ? AND path = ?',
  ).get(account, path) as
    | Pick<Row, 'heads' | 'version' | 'metadata' | 'tombstone' | 'redirect'>
    | undefined;
  return r ? toDocumentHead(account, path, r) : null;
}

/** The head fields of a documents row, parsed once for both `documentHead` and full rows. */
function toDocumentHead(
  account: string,
  path: string,
  r: Pick<Row, 'heads' | 'version' | 'metadata' | 'tombstone' | 'redirect'>,
): DocumentHead {
  return {
    account,
    path,
    heads: parseJson<string[]>(r.heads, []),
    version: r.version,
    metadata: parseJson<DocumentMetadata>(r.metadata, {}),
    tombstone: r.tombstone === 1,
    redirect: r.redirect ? parseJson(r.redirect, null) : null,
  };
}

/** `index.resourceMetadata` {account, path} → DocumentRow | null. */
export function resourceMetadata(db: DatabaseSync, args: unknown): DocumentRow | null {
  const a = argsObject(args);
  return loadDocument(db, accountArg(a.account), pathArg(a.path));
}

const SORT_SQL: Record<QuerySortTerm, string> = {
  Path: 'd.path',
  Title: "coalesce(d.name, '') COLLATE NOCASE",
  CreateTime: 'coalesce(d.create_time, 0)',
  UpdateTime: 'coalesce(d.update_time, 0)',
  DisplayTime: 'coalesce(d.display_time, 0)',
  ActivityTime: 'max(coalesce(d.update_time, 0), coalesce(comment_time, 0))',
};

function sortSql(value: unknown): string {
  if (value === undefined || value === null) return 'd.path ASC';
  if (!Array.isArray(value) || value.length > QUERY_SORT_TERMS.length) {
    throw new InvalidInputError('must be a list of {term, reverse?}', { field: 'sort' });
  }
  const parts = value.map((s, i) => {
    const term = (s as { term?: unknown } | null)?.term as QuerySortTerm;
    if (!QUERY_SORT_TERMS.includes(term)) {
      throw new InvalidInputError(`must be one of ${QUERY_SORT_TERMS.join(', ')}`, {
        field: `sort[${i}].term`,
      });
    }
    return `${SORT_SQL[term]} ${(s as { reverse?: unknown }).reverse === true ? 'DESC' : 'ASC'}`;
  });
  return [...parts, 'd.path ASC'].join(', ');
}

/**
 * `index.query` {account, path, mode, sort?, limit?} → {documents}: live documents strictly below
 * `path` — direct children (`Children`) or the whole subtree (`AllDescendants`).
 */
export function query(db: DatabaseSync, args: unknown): QueryResult {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  if (a.mode !== 'Children' && a.mode !== 'AllDescendants') {
    throw new InvalidInputError("must be 'Children' or 'AllDescendants'", { field: 'mode' });
  }
  const limit = intArg(a.limit, 'limit', API_MAX_PAGE_SIZE, 1, INDEX_QUERY_MAX_LIMIT);
  const order = sortSql(a.sort);
  // Descendants of '/a' are the paths in ('/a/', '/a0'): '0' is the character after '/'.
  const where =
    a.mode === 'Children'
      ? 'd.account = ? AND d.parent = ?'
      : path === ''
        ? "d.account = ? AND d.path > ''"
        : 'd.account = ? AND d.path > ? AND d.path < ?';
  const params: string[] =
    a.mode === 'Children'
      ? [account, path]
      : path === ''
        ? [account]
        : [account, `${path}/`, `${path}0`];
  const rows = db
    .prepare(
      `SELECT ${COLUMNS} FROM documents d WHERE ${where} AND d.tombstone = 0 ORDER BY ${order} LIMIT ?`,
    )
    .all(...params, limit) as Row[];
  return { documents: rows.map((r) => toDocumentRow(db, r)) };
}

/** Longest search text `index.searchDocuments` takes. */
export const SEARCH_MAX_QUERY = 200;

/**
 * `index.searchDocuments` {query, account?, limit?} → {documents}: live documents whose title
 * contains `query` (ASCII letters in any case), in one account or all; titles starting with it first, then
 * the most recently updated. Titles only: the node keeps no full-text index of document bodies.
 */
export function searchDocuments(db: DatabaseSync, args: unknown): QueryResult {
  const a = argsObject(args);
  // SQLite's lower() folds ASCII letters only; fold the query the same way so both sides agree.
  const text = stringArg(a.query, 'query', SEARCH_MAX_QUERY).replace(/[A-Z]/g, (c) =>
    c.toLowerCase(),
  );
  const account = a.account === undefined ? null : accountArg(a.account);
  const limit = intArg(a.limit, 'limit', API_MAX_PAGE_SIZE, 1, INDEX_QUERY_MAX_LIMIT);
  const rows = db
    .prepare(
      `SELECT ${COLUMNS} FROM documents d
       WHERE d.tombstone = 0 AND d.name IS NOT NULL AND instr(lower(d.name), ?) > 0
         ${account === null ? '' : 'AND d.account = ?'}
       ORDER BY instr(lower(d.name), ?) = 1 DESC, d.update_time DESC, d.account, d.path
       LIMIT ?`,
    )
    .all(...(account === null ? [text, text, limit] : [text, account, text, limit])) as Row[];
  return { documents: rows.map((r) => toDocumentRow(db, r)) };
}
