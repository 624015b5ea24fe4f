import type { DatabaseSync } from 'node:sqlite';
import { isAuthorized } from './authorization.ts';
import { appendEventOnWriter } from './events-writer.ts';
import type { CommentEntry, ContactEntry, ProfileEntry } from './index-input.ts';
import { stmt } from './statements.ts';

/**
 * Writer: comments, profiles and contacts. Editable blobs keep one row per ID at their latest
 * version, by (ts, cid); versions may arrive in any order and converge to the same row.
 */

function isNewer(ts: number, cid: string, oldTs: number, oldCid: string): boolean {
  return ts > oldTs || (ts === oldTs && cid > oldCid);
}

/** A comment version; an empty body deletes the comment with the same ID (author/tsid). */
export function indexCommentOnWriter(db: DatabaseSync, e: CommentEntry, now: number): void {
  const id = `${e.author}/${e.tsid}`;
  stmt(db, 'INSERT OR IGNORE INTO comment_versions (cid, comment_id, ts) VALUES (?, ?, ?)').run(
    e.cid,
    id,
    e.ts,
  );
  const old = stmt(
    db,
    'SELECT version_cid, version_ts, create_time, first_cid FROM comments WHERE id = ?',
  ).get(id) as
    | { version_cid: string; version_ts: number; create_time: number; first_cid: string }
    | undefined;
  const fields = [
    e.cid,
    e.ts,
    e.account,
    e.path,
    e.version.join('.'),
    e.replyParent,
    e.threadRoot,
    e.capability,
    JSON.stringify(e.body),
    e.body.length === 0 ? 1 : 0,
  ];
  if (!old) {
    stmt(
      db,
      `INSERT INTO comments (version_cid, version_ts, target_account, target_path, target_version,
         reply_parent, thread_root, capability, body, deleted, id, tsid, author, first_cid,
         create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...fields, id, e.tsid, e.author, e.cid, e.ts);
  } else {
    if (isNewer(e.ts, e.cid, old.version_ts, old.version_cid)) {
      stmt(
        db,
        `UPDATE comments SET version_cid = ?, version_ts = ?, target_account = ?, target_path = ?,
           target_version = ?, reply_parent = ?, thread_root = ?, capability = ?, body = ?,
           deleted = ? WHERE id = ?`,
      ).run(...fields, id);
    }
    if (e.ts < old.create_time || (e.ts === old.create_time && e.cid < old.first_cid)) {
      stmt(db, 'UPDATE comments SET create_time = ?, first_cid = ? WHERE id = ?').run(
        e.ts,
        e.cid,
        id,
      );
    }
  }
  appendEventOnWriter(
    db,
    {
      type: 'Comment',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: e.account,
      path: e.path,
      extra: id,
    },
    now,
  );
}

/** Whether the signer may speak for `account` (itself, or a grant over the whole space). */
function speaksFor(db: DatabaseSync, account: string, signer: string): boolean {
  return signer === account || isAuthorized(db, account, '', signer);
}

/** Returns false when the signer may not publish the profile (stored, not indexed). */
export function indexProfileOnWriter(db: DatabaseSync, e: ProfileEntry, now: number): boolean {
  if (!speaksFor(db, e.account, e.author)) return false;
  const old = stmt(db, 'SELECT cid, ts FROM profiles WHERE account = ?').get(e.account) as
    | { cid: string; ts: number }
    | undefined;
  if (!old || isNewer(e.ts, e.cid, old.ts, old.cid)) {
    stmt(
      db,
      `INSERT OR REPLACE INTO profiles (account, cid, signer, name, avatar, description, alias, ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(e.account, e.cid, e.author, e.name, e.avatar, e.description, e.alias, e.ts);
  }
  appendEventOnWriter(
    db,
    {
      type: 'Profile',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: e.account,
      path: null,
      extra: null,
    },
    now,
  );
  return true;
}

/** Returns false when the signer may not publish for the contact's account (stored, not indexed). */
export function indexContactOnWriter(db: DatabaseSync, e: ContactEntry, now: number): boolean {
  if (!speaksFor(db, e.account, e.author)) return false;
  const id = `${e.account}/${e.tsid}`;
  const old = stmt(db, 'SELECT cid, ts FROM contacts WHERE id = ?').get(id) as
    | { cid: string; ts: number }
    | undefined;
  if (!old || isNewer(e.ts, e.cid, old.ts, old.cid)) {
    stmt(
      db,
      `INSERT OR REPLACE INTO contacts (id, tsid, account, cid, subject, name, subscribe, ts, signer)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      e.tsid,
      e.account,
      e.cid,
      e.subject,
      e.name,
      e.subscribe ? JSON.stringify(e.subscribe) : null,
      e.ts,
      e.author,
    );
  }
  appendEventOnWriter(
    db,
    {
      type: 'Contact',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: e.account,
      path: null,
      extra: e.subject,
    },
    now,
  );
  return true;
}
