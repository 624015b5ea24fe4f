import assert from 'node:assert/strict';
import type { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { StoreError } from '../../src/errors.ts';
import type { Migration, StoreExtension } from '../../src/store/extension.ts';
import {
  applyMigrationsOnWriter,
  collectMigrations,
  schemaVersionOnWriter,
} from '../../src/store/migrations.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import * as storeExtension from '../../src/store/store-extension.ts';
import { startWriter, tempDir } from './fixtures/writer-harness.ts';

const m = (version: number, sql: string, name = `m${version}`): Migration => ({
  version,
  name,
  sql,
});

function withDb(fn: (open: () => DatabaseSync) => void): void {
  const tmp = tempDir('seedling-migrations-');
  try {
    fn(() => openDatabase(tmp.file));
  } finally {
    tmp.cleanup();
  }
}

function tables(db: DatabaseSync): string[] {
  const rows = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as { name: string }[];
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('collects migrations of all extensions sorted by version', () => {
    const a: StoreExtension = { migrations: [m(30, 'SELECT 1'), m(1, 'SELECT 1')] };
    const b: StoreExtension = { migrations: [m(10, 'SELECT 1')] };
    assert.deepEqual(
      collectMigrations([a, b]).map((x) => x.version),
      [1, 10, 30],
    );
  });

  it('refuses duplicate and invalid versions', () => {
    const a: StoreExtension = { migrations: [m(3, 'SELECT 1', 'index: docs')] };
    const b: StoreExtension = { migrations: [m(3, 'SELECT 1', 'net: peers')] };
    assert.throws(
      () => collectMigrations([a, b]),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === 'STORE_MIGRATION_CONFLICT' &&
        /index: docs/.test(e.message),
    );
    assert.throws(() => collectMigrations([{ migrations: [m(0, 'SELECT 1')] }]), StoreError);
    assert.throws(() => collectMigrations([{ migrations: [m(2.5, 'SELECT 1')] }]), StoreError);
  });

  it('applies each migration once, in order, and survives reopening', () => {
    withDb((open) => {
      const list = collectMigrations([
        { migrations: [m(2, 'CREATE TABLE b (x INTEGER REFERENCES a (x))')] },
        { migrations: [m(1, 'CREATE TABLE a (x INTEGER PRIMARY KEY)')] },
      ]);
      const db = open();
      assert.deepEqual(applyMigrationsOnWriter(db, list), { from: 0, to: 2, applied: [1, 2] });
      db.close();
      const again = open();
      assert.deepEqual(applyMigrationsOnWriter(again, list), { from: 2, to: 2, applied: [] });
      const more = [...list, m(3, 'CREATE TABLE c (y INTEGER)')];
      assert.deepEqual(applyMigrationsOnWriter(again, more).applied, [3]);
      assert.deepEqual(tables(again), ['a', 'b', 'c', 'store_migrations']);
      assert.equal(schemaVersionOnWriter(again), 3);
      again.close();
    });
  });

  it('rolls a failing migration back whole, leaving the version at the last good step', () => {
    withDb((open) => {
      const db = open();
      const list = [
        m(1, 'CREATE TABLE a (x INTEGER)'),
        m(2, 'CREATE TABLE half (x); SELECT nope FROM nowhere'),
      ];
      assert.throws(
        () => applyMigrationsOnWriter(db, list),
        (e: unknown) =>
          e instanceof StoreError && e.code === 'STORE_MIGRATION_FAILED' && /v2/.test(e.message),
      );
      assert.equal(schemaVersionOnWriter(db), 1);
      assert.ok(!tables(db).includes('half'), 'no half-applied step');
      assert.equal(db.isTransaction, false);
      db.close();
    });
  });

  it('refuses to start when a known migration sits below the applied version unrecorded', () => {
    withDb((open) => {
      const db = open();
      applyMigrationsOnWriter(db, [m(1, 'CREATE TABLE a (x)'), m(30, 'CREATE TABLE peers (x)')]);
      const withIndex = [
        m(1, 'CREATE TABLE a (x)'),
        m(10, 'CREATE TABLE docs (x)'),
        m(30, 'CREATE TABLE peers (x)'),
      ];
      assert.throws(
        () => applyMigrationsOnWriter(db, withIndex),
        (e: unknown) =>
          e instanceof StoreError && e.code === 'STORE_MIGRATION_GAP' && /v10/.test(e.message),
      );
      db.close();
    });
  });

  it('refuses a schema newer than every migration it knows, and leaves it as it was', () => {
    withDb((open) => {
      const db = open();
      const known = [m(1, 'CREATE TABLE a (x)'), m(10, 'CREATE TABLE docs (x)')];
      applyMigrationsOnWriter(db, known);
      db.exec('PRAGMA user_version = 50'); // as a newer Seedling's migration would leave it
      assert.throws(
        () => applyMigrationsOnWriter(db, known),
        (e: unknown) =>
          e instanceof StoreError &&
          e.code === 'STORE_SCHEMA_NEWER' &&
          e.message.startsWith('database is at schema v50, newer than this Seedling knows (v10)'),
      );
      assert.equal(schemaVersionOnWriter(db), 50);
      assert.deepEqual(tables(db), ['a', 'docs', 'store_migrations']);
      db.close();
    });
  });

  it('the store extension creates the blobs table (v1), STRICT, with a unique multihash', () => {
    withDb((open) => {
      const db = open();
      applyMigrationsOnWriter(db, collectMigrations([storeExtension]));
      const sql = (
        db.prepare("SELECT sql FROM sqlite_master WHERE name = 'blobs'").get() as { sql: string }
      ).sql;
      assert.match(sql, /STRICT/);
      assert.match(sql, /multihash\s+BLOB\s+NOT NULL UNIQUE/);
      db.close();
    });
  });

  it('runs at writer start: applied once, not again on reopen', async () => {
    const tmp = tempDir('seedling-migrations-');
    try {
      const first = await startWriter({}, tmp.file);
      assert.deepEqual(first.ready.appliedMigrations, [1, 5, 6]);
      await first.stop();
      const second = await startWriter({}, tmp.file);
      assert.deepEqual(second.ready.appliedMigrations, []);
      assert.equal(second.ready.schemaVersion, 6);
      await second.stop();
    } finally {
      tmp.cleanup();
    }
  });
});
