/**
 * A real SQLite file with the store's and the index's migrations, and the index handlers called
 * as plain functions on one connection (what the writer and a reader do, minus the threads; the
 * threaded path is covered by store-extension.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { CID } from 'multiformats/cid';
import type { PutResult } from '../../src/index/index-input.ts';
import { prepareBlobs } from '../../src/index/prepare-blobs.ts';
import { putBlobsOnWriter } from '../../src/index/put-blobs.ts';
import * as indexExtension from '../../src/index/store-extension.ts';
import { applyMigrationsOnWriter, collectMigrations } from '../../src/store/migrations.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import * as storeExtension from '../../src/store/store-extension.ts';

export type BlobLike = { cid: CID | string; data: Uint8Array };

export class IndexDb {
  readonly db: DatabaseSync;
  readonly dir: string;
  /** Fake clock for observed_time: each put advances it, so event order is deterministic. */
  now = 1_800_000_000_000;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'seedling-index-'));
    this.db = openDatabase(join(this.dir, 'test.db'));
    applyMigrationsOnWriter(this.db, collectMigrations([storeExtension, indexExtension]));
  }

  /** prepareBlobs + putBlobsOnWriter in one transaction, like a write job. */
  put(blobs: (BlobLike | { data: Uint8Array })[]): PutResult[] {
    const prepared = prepareBlobs(
      blobs.map((b) => ('cid' in b ? { cid: String(b.cid), data: b.data } : { data: b.data })),
    );
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const results = putBlobsOnWriter(this.db, prepared, (this.now += 1_000));
      this.db.exec('COMMIT');
      return results;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Puts and asserts every item was accepted. */
  putOk(blobs: BlobLike[]): PutResult[] {
    const results = this.put(blobs);
    const bad = results.filter((r) => !r.ok);
    if (bad.length > 0) throw new Error(`put failed: ${JSON.stringify(bad)}`);
    return results;
  }

  read<T>(handler: string, args?: unknown): T {
    const fn = indexExtension.readHandlers[handler];
    if (!fn) throw new Error(`no read handler ${handler}`);
    return fn(this.db, args, { op: 'test', generation: 0 }) as T;
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Every index row in a form that does not depend on arrival order: row ids, blob ids, local
 * times and event ids are left out; rows are sorted.
 */
export function snapshot(db: DatabaseSync): Record<string, unknown[]> {
  const q = (sql: string) =>
    (db.prepare(sql).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r)).sort();
  return {
    documents: q(
      `SELECT account, path, parent, genesis, generation, heads, version, ref_cid, metadata, winners,
         name, summary, authors, create_time, update_time, display_time, tombstone, redirect
       FROM documents`,
    ),
    documentChanges: q(
      `SELECT d.account, d.path, m.change_cid, m.counted FROM document_changes m
       JOIN documents d ON d.id = m.doc_id`,
    ),
    changes: q('SELECT cid, genesis, author, deps, depth, ts, attrs FROM changes'),
    refs: q('SELECT cid, account, path, signer, genesis, heads, generation, ts, counted FROM refs'),
    comments: q('SELECT * FROM comments'),
    capabilities: q('SELECT cid, issuer, delegate, account, path, role FROM capabilities'),
    profiles: q('SELECT * FROM profiles'),
    contacts: q('SELECT * FROM contacts'),
    events: q('SELECT type, cid, author, account, path, extra FROM events'),
    pending: q('SELECT cid FROM index_pending'),
  };
}

/** Deterministic shuffle (mulberry32) so a failing order can be replayed from its seed. */
export function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
