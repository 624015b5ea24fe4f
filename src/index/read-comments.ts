import type { DatabaseSync } from 'node:sqlite';
import { parseCid } from '../blob/cid.ts';
import { compareBytes } from '../blob/compare-bytes.ts';
import { decodeStructuralBlob } from '../blob/decode-blob.ts';
import { getBlobByMultihash } from '../store/blobs-table.ts';
import type { CommentEntry } from './index-input.ts';
import { entryOf } from './prepare-blobs.ts';
import { loadAccount } from './read-accounts.ts';
import { accountArg, argsObject, commentIdArg, pathArg, stringArg } from './read-args.ts';
import type { AccountRow, CommentList, CommentRow, Json } from './read-types.ts';
import { parseJson, stmt } from './statements.ts';

/** Reader: comments (`index.listComments`, `index.getComment`). */

export type CommentDbRow = {
  id: string;
  tsid: string;
  author: string;
  version_cid: string;
  first_cid: string;
  target_account: string;
  target_path: string;
  target_version: string;
  reply_parent: string | null;
  thread_root: string | null;
  capability: string | null;
  body: string;
  deleted: number;
  create_time: number;
  version_ts: number;
};

function commentIdOf(db: DatabaseSync, cid: string | null): string | null {
  if (cid === null) return null;
  const row = stmt(db, 'SELECT comment_id FROM comment_versions WHERE cid = ?').get(cid) as
    | { comment_id: string }
    | undefined;
  return row?.comment_id ?? null;
}

function toCommentRow(db: DatabaseSync, r: CommentDbRow): CommentRow {
  return {
    id: r.id,
    tsid: r.tsid,
    author: r.author,
    version: r.version_cid,
    firstVersion: r.first_cid,
    targetAccount: r.target_account,
    targetPath: r.target_path,
    targetVersion: r.target_version,
    replyParentId: commentIdOf(db, r.reply_parent),
    replyParentCid: r.reply_parent,
    threadRootId: commentIdOf(db, r.thread_root),
    threadRootCid: r.thread_root,
    capability: r.capability,
    content: parseJson<Json[]>(r.body, []),
    deleted: r.deleted === 1,
    createTime: r.create_time,
    updateTime: r.version_ts,
  };
}

/** `index.listComments` {account, path, includeDeleted?} → {comments, authors}. */
export function listComments(db: DatabaseSync, args: unknown): CommentList {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const sql =
    a.includeDeleted === true
      ? `SELECT * FROM comments WHERE target_account = ? AND target_path = ?
         ORDER BY create_time, id`
      : `SELECT * FROM comments WHERE target_account = ? AND target_path = ? AND deleted = 0
         ORDER BY create_time, id`;
  return withAuthors(db, stmt(db, sql).all(account, path) as CommentDbRow[]);
}

/** `index.listCommentsByAuthor` {author} → {comments, authors}: the author's live comments, newest first. */
export function listCommentsByAuthor(db: DatabaseSync, args: unknown): CommentList {
  const author = accountArg(argsObject(args).author, 'author');
  const rows = stmt(
    db,
    'SELECT * FROM comments WHERE author = ? AND deleted = 0 ORDER BY create_time DESC, id DESC',
  ).all(author) as CommentDbRow[];
  return withAuthors(db, rows);
}

/** `index.commentReplyCount` {id: 'authority/tsid'} → {count}: live direct replies to any version of the comment. */
export function commentReplyCount(db: DatabaseSync, args: unknown): { count: number } {
  const id = commentIdArg(argsObject(args).id);
  const row = stmt(
    db,
    `SELECT count(*) AS n FROM comments
     WHERE deleted = 0 AND reply_parent IN (SELECT cid FROM comment_versions WHERE comment_id = ?)`,
  ).get(id) as { n: number };
  return { count: row.n };
}

/**
 * `index.commentVersions` {id: 'authority/tsid'} → CommentRow[]: every version of a comment that has
 * a body, newest first — Seed's order: by ts, then by multihash, both descending. A deletion
 * (empty body) is not a version to show; the versions before it still are. Each version is decoded
 * from its stored blob, since the comments table keeps only the latest.
 */
export function commentVersions(db: DatabaseSync, args: unknown): CommentRow[] {
  const id = commentIdArg(argsObject(args).id);
  const head = stmt(db, 'SELECT * FROM comments WHERE id = ?').get(id) as CommentDbRow | undefined;
  if (!head) return [];
  const versions = (
    stmt(db, 'SELECT cid, ts FROM comment_versions WHERE comment_id = ?').all(id) as {
      cid: string;
      ts: number;
    }[]
  ).map((v) => ({ ...v, multihash: parseCid(v.cid, 'cid').multihash.bytes }));
  versions.sort((a, b) => b.ts - a.ts || compareBytes(b.multihash, a.multihash));
  const rows: CommentRow[] = [];
  for (const v of versions) {
    const entry = storedComment(db, v.cid, v.multihash);
    if (!entry || entry.body.length === 0) continue;
    rows.push(
      toCommentRow(db, {
        ...head,
        version_cid: entry.cid,
        version_ts: entry.ts,
        target_account: entry.account,
        target_path: entry.path,
        target_version: entry.version.join('.'),
        reply_parent: entry.replyParent,
        thread_root: entry.threadRoot,
        capability: entry.capability,
        body: JSON.stringify(entry.body),
        deleted: 0,
      }),
    );
  }
  return rows;
}

/** A stored Comment blob as its index entry (null if the blob is gone or is no comment). */
function storedComment(db: DatabaseSync, cid: string, multihash: Uint8Array): CommentEntry | null {
  const row = getBlobByMultihash(db, multihash);
  if (!row) return null;
  const entry = entryOf(decodeStructuralBlob(row.data), cid, row.data);
  return entry?.type === 'Comment' ? entry : null;
}

export function withAuthors(db: DatabaseSync, rows: CommentDbRow[]): CommentList {
  const comments = rows.map((r) => toCommentRow(db, r));
  const authors: Record<string, AccountRow> = {};
  for (const c of comments) {
    if (authors[c.author]) continue;
    authors[c.author] = loadAccount(db, c.author) ?? {
      id: c.author,
      home: null,
      profile: null,
      metadata: null,
    };
  }
  return { comments, authors };
}

/**
 * `index.getComment` {authority, tsid} | {id: 'authority/tsid'} | {cid} → CommentRow | null
 * (a deleted comment is returned with `deleted: true`).
 */
export function getComment(db: DatabaseSync, args: unknown): CommentRow | null {
  const a = argsObject(args);
  let id: string | null;
  if (a.cid !== undefined) id = commentIdOf(db, stringArg(a.cid, 'cid', 200));
  else if (a.id !== undefined) id = commentIdArg(a.id);
  else id = `${accountArg(a.authority, 'authority')}/${stringArg(a.tsid, 'tsid', 32)}`;
  if (id === null) return null;
  const row = stmt(db, 'SELECT * FROM comments WHERE id = ?').get(id) as CommentDbRow | undefined;
  return row ? toCommentRow(db, row) : null;
}
