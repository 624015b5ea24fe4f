import type { DatabaseSync } from 'node:sqlite';
import { InvalidInputError, SeedlingError } from '../errors.ts';
import { insertBlobsOnWriter } from '../store/blobs-table.ts';
import {
  indexCapabilityOnWriter,
  indexChangeOnWriter,
  indexRefOnWriter,
  missingChanges,
} from './index-documents.ts';
import { checkPrepared, type IndexEntry, type IndexInput, type PutResult } from './index-input.ts';
import {
  indexCommentOnWriter,
  indexContactOnWriter,
  indexProfileOnWriter,
} from './index-social.ts';
import { insertLinksOnWriter } from './links-writer.ts';
import { parseJson, stmt } from './statements.ts';

/**
 * `index.putBlobs` (writer): stores each prepared blob in the store's `blobs` table and indexes
 * it, inside the job's transaction.
 *
 * 1. An item that throws rolls back alone (its blob row too) and is reported `ok: false`; the
 *    others commit. (The list first runs under one SAVEPOINT; only if an item throws is it
 *    rolled back and run again with a SAVEPOINT per item.)
 * 2. A blob seen before (`indexed_blobs`) is a no-op: `duplicate`.
 * 3. A Change whose deps (or a Ref whose heads) are not indexed yet is stored and parked in
 *    `index_pending`; indexing a Change releases what waited for it, in the same transaction,
 *    transitively (a worklist, not recursion: a long chain delivered backwards is fine).
 *    A Profile/Contact signed for another account without a grant waits the same way for the
 *    next Capability in that account.
 */

export const MAX_PUT_ITEMS = 10_000;

export function putBlobsOnWriter(
  db: DatabaseSync,
  payload: unknown,
  now: number = Date.now(),
): PutResult[] {
  if (!Array.isArray(payload) || payload.length > MAX_PUT_ITEMS) {
    throw new InvalidInputError(`must be an array of at most ${MAX_PUT_ITEMS} prepared blobs`, {
      field: 'payload',
    });
  }
  const items = payload.map((raw, i): IndexInput | PutResult => {
    try {
      const checked = checkPrepared(raw, `payload[${i}]`);
      if (checked.kind === 'error') {
        return { cid: checked.cid, ok: false, code: checked.code, error: checked.error };
      }
      return checked;
    } catch (err) {
      return failure(null, err);
    }
  });
  // Fast path: one savepoint for the whole list. Items almost never fail, and two statements per
  // item cost a sixth of indexing time. If one does fail, the list is rolled back and run again
  // item by item, each in its own savepoint (rule 1): same results, only slower.
  db.exec('SAVEPOINT index_items');
  try {
    const results = items.map(
      (item): PutResult =>
        'ok' in item ? item : { cid: item.cid, ok: true, status: putOne(db, item, now) },
    );
    db.exec('RELEASE index_items');
    return results;
  } catch {
    db.exec('ROLLBACK TO index_items');
    db.exec('RELEASE index_items');
  }
  return items.map((item) => ('ok' in item ? item : putAlone(db, item, now)));
}

/** One item in its own savepoint: if it throws, it rolls back alone and is reported. */
function putAlone(db: DatabaseSync, item: IndexInput, now: number): PutResult {
  db.exec('SAVEPOINT index_item');
  try {
    const status = putOne(db, item, now);
    db.exec('RELEASE index_item');
    return { cid: item.cid, ok: true, status };
  } catch (err) {
    db.exec('ROLLBACK TO index_item');
    db.exec('RELEASE index_item');
    return failure(item.cid, err);
  }
}

function failure(cid: string | null, err: unknown): PutResult {
  const code = err instanceof SeedlingError ? err.code : 'INDEX_FAILED';
  return { cid, ok: false, code, error: err instanceof Error ? err.message : String(err) };
}

function putOne(db: DatabaseSync, item: IndexInput, now: number): PutResult['status'] {
  const [stored] = insertBlobsOnWriter(
    db,
    [{ multihash: item.multihash, codec: item.codec, data: item.data }],
    now,
  );
  const blobId = stored!.id;
  const seen = stmt(db, 'SELECT state FROM indexed_blobs WHERE blob_id = ?').get(blobId) as
    | { state: string }
    | undefined;
  // A raw blob announced again as DAG-CBOR (same multihash) is indexed now.
  if (seen && (seen.state !== 'stored' || item.entry === null)) return 'duplicate';
  const entry = item.entry;
  if (entry === null) {
    markOnWriter(db, blobId, item.blobType, 'stored');
    return 'stored';
  }
  const missing = missingChanges(db, needsOf(entry));
  if (missing.length > 0) {
    parkOnWriter(db, entry, blobId, missing, now);
    markOnWriter(db, blobId, entry.type, 'pending');
    return 'pending';
  }
  const status = indexReadyOnWriter(db, entry, blobId, now);
  releaseWaitersOnWriter(db, releaseKeyOf(entry), now);
  return status;
}

/**
 * Indexes an entry whose deps are present. A Profile or Contact whose signer may not (yet) speak
 * for the account waits for a grant in that account (`grant:<account>`) instead of being dropped,
 * so a grant delivered later makes it count, as it does for Refs.
 */
function indexReadyOnWriter(
  db: DatabaseSync,
  entry: IndexEntry,
  blobId: number,
  now: number,
): 'indexed' | 'pending' {
  if (applyOnWriter(db, entry, blobId, now)) {
    markOnWriter(db, blobId, entry.type, 'indexed');
    return 'indexed';
  }
  parkOnWriter(db, entry, blobId, [grantKey((entry as { account: string }).account)], now);
  markOnWriter(db, blobId, entry.type, 'pending');
  return 'pending';
}

function grantKey(account: string): string {
  return `grant:${account}`;
}

/** What an indexed entry may release: waiters on a Change's CID, or on grants in an account. */
function releaseKeyOf(entry: IndexEntry): string | null {
  if (entry.type === 'Change') return entry.cid;
  if (entry.type === 'Capability') return grantKey(entry.account);
  return null;
}

function needsOf(entry: IndexEntry): string[] {
  if (entry.type === 'Change') return entry.deps;
  if (entry.type === 'Ref') return entry.heads;
  return [];
}

function markOnWriter(db: DatabaseSync, blobId: number, type: string, state: string): void {
  stmt(db, 'INSERT OR REPLACE INTO indexed_blobs (blob_id, type, state) VALUES (?, ?, ?)').run(
    blobId,
    type,
    state,
  );
}

/** Indexes a ready entry; false when its signer may not publish it (profile/contact for another account). */
function applyOnWriter(db: DatabaseSync, entry: IndexEntry, blobId: number, now: number): boolean {
  switch (entry.type) {
    case 'Change':
      indexChangeOnWriter(db, entry, blobId, now);
      insertLinksOnWriter(db, { cid: entry.cid, kind: 'Change', ts: entry.ts }, entry.links);
      return true;
    case 'Ref':
      indexRefOnWriter(db, entry, blobId, now);
      return true;
    case 'Capability':
      indexCapabilityOnWriter(db, entry, blobId, now);
      return true;
    case 'Comment':
      indexCommentOnWriter(db, entry, now);
      insertLinksOnWriter(db, { cid: entry.cid, kind: 'Comment', ts: entry.ts }, entry.links);
      return true;
    case 'Profile':
      return indexProfileOnWriter(db, entry, now);
    case 'Contact':
      return indexContactOnWriter(db, entry, now);
  }
}

function parkOnWriter(
  db: DatabaseSync,
  entry: IndexEntry,
  blobId: number,
  missing: string[],
  now: number,
): void {
  stmt(
    db,
    'INSERT OR REPLACE INTO index_pending (cid, blob_id, entry, since) VALUES (?, ?, ?, ?)',
  ).run(entry.cid, blobId, JSON.stringify(entry), now);
  const wait = stmt(db, 'INSERT OR IGNORE INTO index_waits (waiting_for, cid) VALUES (?, ?)');
  for (const cid of missing) wait.run(cid, entry.cid);
}

/**
 * Indexes everything that waited for `cid` and has nothing else to wait for, then what waited
 * for those. Each released blob runs in its own savepoint: one that fails is dropped from the
 * pending set (state 'failed') without undoing the blob that released it.
 */
function releaseWaitersOnWriter(db: DatabaseSync, key: string | null, now: number): void {
  if (key === null) return;
  const work = [key];
  const waiters = stmt(db, 'SELECT cid FROM index_waits WHERE waiting_for = ?');
  const unwait = stmt(db, 'DELETE FROM index_waits WHERE waiting_for = ? AND cid = ?');
  const stillWaits = stmt(db, 'SELECT 1 FROM index_waits WHERE cid = ? LIMIT 1');
  const load = stmt(db, 'SELECT blob_id, entry FROM index_pending WHERE cid = ?');
  const unpark = stmt(db, 'DELETE FROM index_pending WHERE cid = ?');
  while (work.length > 0) {
    const done = work.pop()!;
    // Materialized first: a blob that parks again on the same key is not revisited in this pass.
    for (const { cid: waiter } of waiters.all(done) as { cid: string }[]) {
      unwait.run(done, waiter);
      if (stillWaits.get(waiter)) continue;
      const row = load.get(waiter) as { blob_id: number; entry: string } | undefined;
      if (!row) continue;
      unpark.run(waiter);
      const entry = parseJson<IndexEntry | null>(row.entry, null);
      if (entry && releaseOne(db, entry, row.blob_id, now) === 'indexed') {
        const next = releaseKeyOf(entry);
        if (next !== null) work.push(next);
      }
    }
  }
}

function releaseOne(
  db: DatabaseSync,
  entry: IndexEntry,
  blobId: number,
  now: number,
): 'indexed' | 'pending' | 'failed' {
  db.exec('SAVEPOINT index_release');
  try {
    const status = indexReadyOnWriter(db, entry, blobId, now);
    db.exec('RELEASE index_release');
    return status;
  } catch {
    db.exec('ROLLBACK TO index_release');
    db.exec('RELEASE index_release');
    markOnWriter(db, blobId, entry.type, 'failed');
    return 'failed';
  }
}
