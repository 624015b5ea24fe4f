import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { openStore } from '../../src/store/store.ts';
import { databaseLockHeld, dmsLockHeld } from './fixtures/os-locks.ts';
import { tempDir } from './fixtures/writer-harness.ts';

function blob(i: number) {
  const data = new Uint8Array(4096).fill(i % 251);
  data.set(new TextEncoder().encode(`row ${i}`));
  const digest = createHash('sha256').update(data).digest();
  return { multihash: new Uint8Array([0x12, 0x20, ...digest]), codec: 0x55, data };
}

describe("the store keeps SQLite's OS locks", () => {
  it('through checkpoints, catch-ups and their flushes, so other processes see the database in use', {
    skip: !fs.existsSync('/proc/locks') && 'reads the OS lock table from Linux /proc/locks',
    timeout: 30_000,
  }, async () => {
    const tmp = tempDir();
    // Checkpoint often and restart the WAL past 64 KiB: the catch-up path, whose flush opens the
    // WAL and database files outside SQLite, runs many times within a second of writes.
    const store = await openStore(
      { registry: new Registry() },
      { path: tmp.file, readerThreads: 1, checkpointIntervalMs: 20, truncateAboveBytes: 64 * 1024 },
    );
    try {
      const until = performance.now() + 1_500;
      for (let i = 0; performance.now() < until; i += 16) {
        const payload = Array.from({ length: 16 }, (_, k) => blob(i + k));
        await store.write({ op: 't', class: 'sync', handler: 'store.putBlobs', payload });
      }
      const shm = fs.statSync(`${tmp.file}-shm`).ino;
      const db = fs.statSync(tmp.file).ino;
      assert.ok(dmsLockHeld(shm), 'the "wal-index in use" lock on -shm is held');
      assert.ok(databaseLockHeld(db), 'the shared lock on the database file is held');
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
