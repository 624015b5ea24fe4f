import type { DatabaseSync } from 'node:sqlite';
import { isAuthorized } from './authorization.ts';
import { documentPathsUnder, refreshDocumentOnWriter } from './documents-writer.ts';
import { appendEventOnWriter } from './events-writer.ts';
import type { CapabilityEntry, ChangeEntry, RefEntry } from './index-input.ts';
import { parseJson, pathCovers, stmt } from './statements.ts';

/**
 * Writer: indexing of Changes, Refs and Capabilities — the blobs that decide what a document is.
 * Callers (put-blobs.ts) guarantee a Change's deps and a Ref's heads are already in `changes`.
 */

/** CIDs the entry needs in `changes` before it can be indexed (empty: ready). */
export function missingChanges(db: DatabaseSync, needs: string[]): string[] {
  const has = stmt(db, 'SELECT 1 FROM changes WHERE cid = ?');
  return needs.filter((cid) => has.get(cid) === undefined);
}

export function indexChangeOnWriter(
  db: DatabaseSync,
  e: ChangeEntry,
  blobId: number,
  now: number,
): void {
  const depth = e.depth ?? depthFromDeps(db, e.deps);
  const genesis = e.genesis ?? e.cid;
  stmt(
    db,
    `INSERT OR IGNORE INTO changes (cid, blob_id, genesis, author, deps, depth, ts, attrs)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.cid,
    blobId,
    genesis,
    e.author,
    JSON.stringify(e.deps),
    depth,
    e.ts,
    JSON.stringify(e.attrs),
  );
  // The document, when a Ref already named this lineage; otherwise claimed when one arrives.
  const doc = stmt(db, 'SELECT account, path FROM refs WHERE genesis = ? LIMIT 1').get(genesis) as
    | { account: string; path: string }
    | undefined;
  appendEventOnWriter(
    db,
    {
      type: 'Change',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: doc?.account ?? null,
      path: doc?.path ?? null,
      extra: genesis,
    },
    now,
  );
}

function depthFromDeps(db: DatabaseSync, deps: string[]): number {
  if (deps.length === 0) return 0;
  const get = stmt(db, 'SELECT depth FROM changes WHERE cid = ?');
  let max = 0;
  for (const d of deps)
    max = Math.max(max, (get.get(d) as { depth: number } | undefined)?.depth ?? 0);
  return max + 1;
}

/** Heads belong to the Ref's genesis (a head may be the genesis itself). */
function headsMatchGenesis(db: DatabaseSync, genesis: string, heads: string[]): boolean {
  const get = stmt(db, 'SELECT genesis FROM changes WHERE cid = ?');
  return heads.every((h) => (get.get(h) as { genesis: string } | undefined)?.genesis === genesis);
}

export function indexRefOnWriter(db: DatabaseSync, e: RefEntry, blobId: number, now: number): void {
  const counted =
    headsMatchGenesis(db, e.genesis, e.heads) && isAuthorized(db, e.account, e.path, e.author);
  const firstOfLineage = !stmt(db, 'SELECT 1 FROM refs WHERE genesis = ? LIMIT 1').get(e.genesis);
  stmt(
    db,
    `INSERT OR IGNORE INTO refs (cid, blob_id, account, path, signer, genesis, heads, generation, ts,
       capability, redirect, counted)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.cid,
    blobId,
    e.account,
    e.path,
    e.author,
    e.genesis,
    JSON.stringify(e.heads),
    e.generation,
    e.ts,
    e.capability,
    e.redirect ? JSON.stringify(e.redirect) : null,
    counted ? 1 : 0,
  );
  appendEventOnWriter(
    db,
    {
      type: 'Ref',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: e.account,
      path: e.path,
      extra: e.heads.join('.'),
    },
    now,
  );
  if (firstOfLineage) claimChangeEvents(db, e.account, e.path, e.genesis);
  if (counted) refreshDocumentOnWriter(db, e.account, e.path, now);
}

/**
 * Change events indexed before any Ref named their lineage learn its document now (a Change
 * indexed later finds the Ref itself), so filtering the feed by document works in any order.
 */
function claimChangeEvents(db: DatabaseSync, account: string, path: string, genesis: string): void {
  const cids = stmt(db, 'SELECT cid FROM changes WHERE genesis = ?').all(genesis) as {
    cid: string;
  }[];
  const claim = stmt(
    db,
    "UPDATE events SET account = ?, path = ? WHERE cid = ? AND type = 'Change' AND account IS NULL",
  );
  for (const { cid } of cids) claim.run(account, path, cid);
}

/**
 * A new grant can make earlier Refs and Changes count: Refs in the space that did not count are
 * checked again, and the documents under the grant's path are rebuilt (grants are rare; a rebuild
 * walks each document's reachable changes once).
 */
export function indexCapabilityOnWriter(
  db: DatabaseSync,
  e: CapabilityEntry,
  blobId: number,
  now: number,
): void {
  stmt(
    db,
    `INSERT OR IGNORE INTO capabilities (cid, blob_id, issuer, delegate, account, path, role, label,
       audience, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.cid, blobId, e.author, e.delegate, e.account, e.path, e.role, e.label, e.audience, e.ts);
  appendEventOnWriter(
    db,
    {
      type: 'Capability',
      cid: e.cid,
      author: e.author,
      eventTime: e.ts,
      account: e.account,
      path: e.path,
      extra: e.delegate,
    },
    now,
  );
  const touched = new Set(recountRefs(db, e.account, e.path));
  for (const path of documentPathsUnder(db, e.account, e.path)) touched.add(path);
  for (const path of touched) refreshDocumentOnWriter(db, e.account, path, now, true);
}

/** Refs under `prefix` in `account` that now count; returns their paths. */
function recountRefs(db: DatabaseSync, account: string, prefix: string): string[] {
  const rows = stmt(
    db,
    'SELECT cid, path, signer, genesis, heads FROM refs WHERE account = ? AND counted = 0',
  ).all(account) as { cid: string; path: string; signer: string; genesis: string; heads: string }[];
  const mark = stmt(db, 'UPDATE refs SET counted = 1 WHERE cid = ?');
  const paths: string[] = [];
  for (const r of rows) {
    if (!pathCovers(prefix, r.path)) continue;
    const heads = parseJson<string[]>(r.heads, []);
    if (!headsMatchGenesis(db, r.genesis, heads)) continue;
    if (!isAuthorized(db, account, r.path, r.signer)) continue;
    mark.run(r.cid);
    paths.push(r.path);
  }
  return paths;
}
