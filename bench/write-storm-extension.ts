/**
 * Bench-only store extension for `bench/write-storm.ts`: a table of blob-sized rows written by the
 * `interactive` and `sync` producers, a key/value table upserted by `background` bursts, and the
 * read the reader loop runs. Migration 900 keeps far above the real subsystems' numbers.
 */
import type { Migration, ReadHandler, WriteHandler } from '../src/store/extension.ts';
import { stmt } from '../src/store/statements.ts';

export const STORM_SCHEMA_SQL = `
CREATE TABLE storm_rows (
  id    INTEGER PRIMARY KEY,
  class TEXT    NOT NULL,
  data  BLOB    NOT NULL
) STRICT;
CREATE TABLE storm_kv (
  key     TEXT    PRIMARY KEY,
  value   TEXT    NOT NULL,
  updated INTEGER NOT NULL
) STRICT;`;

export const INSERT_ROW_SQL = 'INSERT INTO storm_rows (class, data) VALUES (?, ?)';

export const migrations: Migration[] = [
  { version: 900, name: 'bench: write storm', sql: STORM_SCHEMA_SQL },
];

export const writeHandlers: Record<string, WriteHandler> = {
  /** payload {class, rows: Uint8Array[]} → rows inserted. */
  'storm.insertRows': (db, payload) => {
    const { class: cls, rows } = payload as { class: string; rows: Uint8Array[] };
    const insert = stmt(db, INSERT_ROW_SQL);
    for (const row of rows) insert.run(cls, row);
    return rows.length;
  },
  /** payload {key, value} → 1 (latest value wins). */
  'storm.upsert': (db, payload) => {
    const { key, value } = payload as { key: string; value: string };
    stmt(
      db,
      `INSERT INTO storm_kv (key, value, updated) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated`,
    ).run(key, value, Date.now());
    return 1;
  },
};

export const readHandlers: Record<string, ReadHandler> = {
  /** The newest rows' ids and sizes plus the key count: a feed-page-sized read. */
  'storm.recent': (db) => {
    const rows = stmt(
      db,
      'SELECT id, length(data) AS size FROM storm_rows ORDER BY id DESC LIMIT 20',
    ).all();
    const kv = stmt(db, 'SELECT count(*) AS n FROM storm_kv').get() as { n: number };
    return { rows: rows.length, keys: kv.n };
  },
};
