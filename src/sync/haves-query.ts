import type { DatabaseSync } from 'node:sqlite';
import { CID } from 'multiformats/cid';
import { type Transferring, transferring } from '../store/transfer.ts';
import type { SyncItem } from './rbsr/item.ts';
import { SealedSet, type SealedSetParts } from './rbsr/sealed-set.ts';
import { parseScope, type Scope } from './scope.ts';

/**
 * Reader-thread queries behind the haves cache: the blobs of a scope, read from the index tables
 * in one read transaction, sealed here (hashing is CPU work, kept off the main thread).
 *
 * A scope's items, each as (blob ts, CID bytes):
 *   doc       — the Refs of the path, the Changes of every lineage those Refs name, the Comments
 *               on it (every version), and the space's Capabilities (needed to authorize writers);
 *   children  — the same for every document directly below the path;
 *   subtree   — the same for the path and every document below it (for the account's root path,
 *               also its Profile and Contacts: the whole account);
 *   profile   — the account's Profile, Contacts and Capabilities.
 *
 * The watermark is the highest feed-event id at build time: every indexed blob appends an event
 * naming its account and path, so "was this scope touched since?" is one range probe of `events`.
 */

export type HavesParts = SealedSetParts & { watermark: number };

/** The parts move to the caller (transfer.ts): four buffers, whatever the scope's size. */
export function buildHavesOnReader(db: DatabaseSync, args: unknown): Transferring {
  const scope = parseScope(String((args as { scope?: unknown })?.scope));
  db.exec('BEGIN');
  try {
    const items: SyncItem[] = [];
    const push = (rows: unknown[]) => {
      for (const r of rows as { cid: string; ts: number }[]) {
        items.push({ ts: r.ts, id: CID.parse(r.cid).bytes });
      }
    };
    if (scope.kind !== 'profile') {
      for (const path of documentPaths(db, scope)) pushDocument(db, scope.account, path, push);
    }
    if (scope.kind === 'profile' || (scope.kind === 'subtree' && scope.path === '')) {
      push(db.prepare('SELECT cid, ts FROM profiles WHERE account = ?').all(scope.account));
      push(db.prepare('SELECT cid, ts FROM contacts WHERE account = ?').all(scope.account));
    }
    push(db.prepare('SELECT cid, ts FROM capabilities WHERE account = ?').all(scope.account));
    const watermark = lastEventId(db);
    const set = SealedSet.from(items);
    const parts: HavesParts = { ...set.parts(), watermark };
    return transferring(parts, set.transferList());
  } finally {
    db.exec('COMMIT');
  }
}

export function touchedSinceOnReader(db: DatabaseSync, args: unknown): boolean {
  const a = args as { scope?: unknown; watermark?: unknown };
  const scope = parseScope(String(a?.scope));
  const watermark = Number(a?.watermark);
  if (!Number.isSafeInteger(watermark)) return true;
  // A superset test (any event of the account at or under the path) is enough: a false "touched"
  // costs one rebuild, a false "untouched" would serve a stale set.
  const under = underRange(scope.path);
  const row = db
    .prepare(
      `SELECT 1 FROM events WHERE id > ? AND account = ?
         AND (? = 'profile' OR path IS NULL OR path = ? OR (path >= ? AND path < ?)) LIMIT 1`,
    )
    .get(watermark, scope.account, scope.kind, scope.path, under.from, under.to);
  return row !== undefined;
}

function documentPaths(db: DatabaseSync, scope: Scope): string[] {
  if (scope.kind === 'doc') return [scope.path];
  if (scope.kind === 'children') {
    return (
      db
        .prepare('SELECT path FROM documents WHERE account = ? AND parent = ?')
        .all(scope.account, scope.path) as { path: string }[]
    ).map((r) => r.path);
  }
  const under = underRange(scope.path);
  const rows = db
    .prepare(
      'SELECT path FROM documents WHERE account = ? AND (path = ? OR (path >= ? AND path < ?))',
    )
    .all(scope.account, scope.path, under.from, under.to) as { path: string }[];
  const paths = rows.map((r) => r.path);
  return paths.includes(scope.path) ? paths : [scope.path, ...paths];
}

function pushDocument(
  db: DatabaseSync,
  account: string,
  path: string,
  push: (rows: unknown[]) => void,
): void {
  const refs = db
    .prepare('SELECT cid, ts, genesis FROM refs WHERE account = ? AND path = ?')
    .all(account, path) as { cid: string; ts: number; genesis: string }[];
  push(refs);
  const changes = db.prepare('SELECT cid, ts FROM changes WHERE genesis = ?');
  for (const genesis of new Set(refs.map((r) => r.genesis))) push(changes.all(genesis));
  push(
    db
      .prepare(
        `SELECT v.cid AS cid, v.ts AS ts FROM comment_versions v
           JOIN comments c ON c.id = v.comment_id
          WHERE c.target_account = ? AND c.target_path = ?`,
      )
      .all(account, path),
  );
}

/** Paths strictly below `path`: those in [path + "/", path + "0") ("0" sorts right after "/"). */
function underRange(path: string): { from: string; to: string } {
  return { from: `${path}/`, to: `${path}0` };
}

function lastEventId(db: DatabaseSync): number {
  return (db.prepare('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
}
