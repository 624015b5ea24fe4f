import type { DatabaseSync } from 'node:sqlite';
import { parseCid } from '../blob/cid.ts';
import { decodeStructuralBlob } from '../blob/decode-blob.ts';
import { SeedlingError } from '../errors.ts';
import { getBlobByMultihash } from '../store/blobs-table.ts';
import type { IndexEntry } from './index-input.ts';
import type { LinkEntry } from './links.ts';
import { entryOf } from './prepare-blobs.ts';
import { stmt } from './statements.ts';

/** Writer: the links one blob makes (links.ts), keyed by the blob; a repeated link is kept once. */
export function insertLinksOnWriter(
  db: DatabaseSync,
  source: { cid: string; kind: 'Change' | 'Comment'; ts: number },
  links: readonly LinkEntry[] | undefined,
): void {
  if (!links || links.length === 0) return;
  const insert = stmt(
    db,
    `INSERT OR IGNORE INTO links (source_cid, source_kind, anchor, link_type, target_account,
       target_path, target_version, fragment, exact, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const l of links) {
    insert.run(
      source.cid,
      source.kind,
      l.anchor,
      l.type,
      l.account,
      l.path,
      l.version,
      l.fragment,
      l.exact ? 1 : 0,
      source.ts,
    );
  }
}

/**
 * Migration v42's backfill: the links of every Change and Comment version indexed before links
 * were, read back from their stored blobs. A blob that no longer decodes is skipped, not fatal: it
 * was accepted once, and the rest of the index should not be held back by it.
 */
export function backfillLinksOnWriter(db: DatabaseSync): void {
  // Iterated, not loaded whole: a large node has millions of changes. Inserting into `links` while
  // reading `changes` and `blobs` is fine in SQLite (another table, same transaction).
  const changes = db
    .prepare('SELECT c.cid, c.ts, b.data FROM changes c JOIN blobs b ON b.id = c.blob_id')
    .iterate() as Iterable<{ cid: string; ts: number; data: Uint8Array }>;
  for (const row of changes) {
    const entry = storedEntry(row.cid, row.data);
    if (entry?.type === 'Change') {
      insertLinksOnWriter(db, { cid: row.cid, kind: 'Change', ts: row.ts }, entry.links);
    }
  }
  const versions = db.prepare('SELECT cid, ts FROM comment_versions').iterate() as Iterable<{
    cid: string;
    ts: number;
  }>;
  for (const v of versions) {
    const row = getBlobByMultihash(db, parseCid(v.cid).multihash.bytes);
    const entry = row ? storedEntry(v.cid, row.data) : null;
    if (entry?.type === 'Comment') {
      insertLinksOnWriter(db, { cid: v.cid, kind: 'Comment', ts: v.ts }, entry.links);
    }
  }
}

function storedEntry(cid: string, data: Uint8Array): IndexEntry | null {
  try {
    return entryOf(decodeStructuralBlob(data), cid, data);
  } catch (err) {
    if (err instanceof SeedlingError) return null;
    throw err;
  }
}
