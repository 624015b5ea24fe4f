import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { metricValue } from '../../src/obs/metrics.ts';
import { Checkpointer } from '../../src/store/checkpointer.ts';
import { WalIndexReader } from '../../src/store/checkpointer-wal-index.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { GATE_WRITER, WriterGate } from '../../src/store/writer-gate.ts';
import { dmsLockHeld } from './fixtures/os-locks.ts';

const THRESHOLD = 256 * 1024;

type Env = {
  dir: string;
  dbPath: string;
  writer: DatabaseSync;
  registry: Registry;
  cp: Checkpointer;
};

function setup(intervalMs = 40): Env {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-checkpointer-'));
  const dbPath = path.join(dir, 'test.db');
  // A plain write connection with SQLite's own checkpoints off, as the writer runs.
  const writer = openDatabase(dbPath, { disableAutoCheckpoint: true, busyTimeoutMs: 2_000 });
  writer.exec('CREATE TABLE items(id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT');
  const registry = new Registry();
  const cp = new Checkpointer(
    { registry },
    { path: dbPath, intervalMs, truncateAboveBytes: THRESHOLD },
  );
  return { dir, dbPath, writer, registry, cp };
}

async function teardown(env: Env): Promise<void> {
  await env.cp.stop();
  env.writer.close();
  fs.rmSync(env.dir, { recursive: true, force: true });
}

function walSize(dbPath: string): number {
  try {
    return fs.statSync(`${dbPath}-wal`).size;
  } catch {
    return 0;
  }
}

/** Commits `rows` rows of 4 KiB, one transaction per 10 rows; returns the slowest commit (ms). */
function grow(writer: DatabaseSync, rows: number): number {
  const stmt = writer.prepare('INSERT INTO items(body) VALUES (randomblob(4096))');
  let slowest = 0;
  for (let i = 0; i < rows; i += 10) {
    const t = performance.now();
    writer.exec('BEGIN IMMEDIATE');
    for (let k = 0; k < 10; k++) stmt.run();
    writer.exec('COMMIT');
    slowest = Math.max(slowest, performance.now() - t);
  }
  return slowest;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('start-up TRUNCATE drains a WAL left behind', async () => {
  const env = setup();
  try {
    grow(env.writer, 200);
    assert.ok(walSize(env.dbPath) > THRESHOLD);
    await env.cp.start();
    assert.equal(walSize(env.dbPath), 0);
    const last = env.cp.stats().last;
    assert.equal(last?.mode, 'TRUNCATE');
    assert.equal(last?.busy, 0);
  } finally {
    await teardown(env);
  }
});

test('under steady writes the WAL is restarted (bounded) without TRUNCATE, and truncated once the writer is idle', async () => {
  const env = setup(100);
  try {
    await env.cp.start();
    let slowest = 0;
    let rows = 0;
    // Write steadily for 3 s while checkpoints run: every commit must succeed, none may wait long.
    // (3 s, not less: enough RESTARTs that the bound below holds on a loaded 2-core machine.)
    const end = Date.now() + 3_000;
    while (Date.now() < end) {
      slowest = Math.max(slowest, grow(env.writer, 20));
      rows += 20;
      await new Promise((r) => setTimeout(r, 1));
    }
    const busy = env.cp.stats();
    assert.ok(busy.restarts >= 3, `restarts ${busy.restarts}`);
    assert.equal(busy.truncates, 1, 'no TRUNCATE while the writer is busy (only the start-up one)');
    // RESTART lets the writer wrap around: the file stays far below what was written.
    const written = rows * 4096;
    assert.ok(busy.walMaxBytes < written / 3, `wal max ${busy.walMaxBytes} of ${written} written`);
    assert.ok(slowest < 500, `slowest commit ${slowest} ms`);
    const count = env.writer.prepare('SELECT count(*) AS n FROM items').get() as { n: number };
    assert.equal(count.n, rows);
    // Writes stop: after one quiet interval the WAL is truncated.
    await waitFor(() => env.cp.stats().truncates >= 2, 3_000);
    assert.equal(walSize(env.dbPath), 0);
    const m = (labels: Record<string, string>) =>
      metricValue(env.registry, 'seedling_checkpoints_total', labels);
    assert.ok(((await m({ mode: 'RESTART', result: 'done' })) ?? 0) >= 3);
    assert.ok(((await m({ mode: 'TRUNCATE', result: 'done' })) ?? 0) >= 2);
    assert.equal(env.cp.walBacklogBytes(), 0);
  } finally {
    await teardown(env);
  }
});

test('a reader holding an old snapshot prevents TRUNCATE until it ends', async () => {
  const env = setup();
  const reader = openDatabase(env.dbPath, { readOnly: true });
  try {
    grow(env.writer, 10);
    await env.cp.start();
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM items').get(); // the snapshot starts here
    grow(env.writer, 200);
    const big = walSize(env.dbPath);
    assert.ok(big > THRESHOLD);
    const before = env.cp.stats().passives;
    await waitFor(() => env.cp.stats().passives >= before + 5, 3_000);
    // PASSIVE ran several times but could not copy past the reader's snapshot: no TRUNCATE.
    assert.equal(env.cp.stats().truncates, 1); // the start-up one only
    assert.ok(walSize(env.dbPath) >= big);
    const last = env.cp.stats().last;
    assert.ok(last && last.checkpointedPages < last.logPages, 'PASSIVE reported a partial copy');
    reader.exec('COMMIT');
    await waitFor(() => env.cp.stats().truncates >= 2, 3_000);
    assert.equal(walSize(env.dbPath), 0);
    assert.equal(await metricValue(env.registry, 'seedling_wal_bytes'), 0);
  } finally {
    reader.close();
    await teardown(env);
  }
});

test('bad settings are refused with the field named', () => {
  assert.throws(
    () => new Checkpointer({ registry: new Registry() }, { path: 'x', intervalMs: 0 }),
    /intervalMs/,
  );
});

test('the wal-index header gives the live backlog: frames written, not yet copied', () => {
  const env = setup();
  const missing = new WalIndexReader(path.join(env.dir, 'missing.db'));
  const reader = new WalIndexReader(env.dbPath);
  try {
    assert.equal(missing.read(), undefined);
    grow(env.writer, 50);
    const before = reader.read();
    assert.ok(before && before.pageSize === 4096 && before.mxFrame > 50 && before.nBackfill === 0);
    assert.equal(reader.backlogBytes(), before.mxFrame * 4096);
    env.writer.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    assert.equal(reader.backlogBytes(), 0);
    grow(env.writer, 10);
    const after = reader.read();
    assert.ok(after && after.change > before.change, 'the commit counter moves with each commit');
    assert.ok(reader.backlogBytes() > 0);
  } finally {
    reader.close();
    missing.close();
    env.writer.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
});

test("reading the wal-index keeps SQLite's OS locks: another process still sees the database in use", {
  skip: !fs.existsSync('/proc/locks') && 'reads the OS lock table from Linux /proc/locks',
}, () => {
  const env = setup();
  const reader = new WalIndexReader(env.dbPath);
  try {
    grow(env.writer, 10);
    const shm = fs.statSync(`${env.dbPath}-shm`).ino;
    assert.ok(dmsLockHeld(shm), 'SQLite holds its "wal-index in use" lock on -shm');
    for (let i = 0; i < 5; i++) assert.ok(reader.read());
    assert.ok(dmsLockHeld(shm), 'still held after reads (a read that closed -shm released it)');
    // Why the reader closes last: closing any descriptor of -shm drops the process's locks on it.
    reader.close();
    assert.equal(dmsLockHeld(shm), false);
  } finally {
    reader.close();
    env.writer.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
});

test('TRUNCATE waits for the write gate: never while the writer holds it, right after it is freed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-checkpointer-gate-'));
  const dbPath = path.join(dir, 'test.db');
  const writer = openDatabase(dbPath, { disableAutoCheckpoint: true, busyTimeoutMs: 2_000 });
  writer.exec('CREATE TABLE items(id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT');
  const gate = new WriterGate();
  const cp = new Checkpointer(
    { registry: new Registry() },
    { path: dbPath, intervalMs: 40, truncateAboveBytes: THRESHOLD, writeGateBuffer: gate.buffer },
  );
  try {
    await cp.start();
    grow(writer, 200);
    assert.ok(gate.tryAcquire(GATE_WRITER), 'the writer takes the gate');
    await new Promise((r) => setTimeout(r, 400)); // ten ticks with the WAL idle and large
    assert.ok(walSize(dbPath) > THRESHOLD, 'no TRUNCATE while the writer holds the gate');
    assert.equal(cp.stats().truncates, 1, 'only the start-up one');
    gate.release(GATE_WRITER);
    await waitFor(() => walSize(dbPath) === 0, 3_000);
  } finally {
    await cp.stop();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
