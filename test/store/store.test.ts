import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ClosedError, InvalidInputError, StoreError } from '../../src/errors.ts';
import { netMetrics } from '../../src/net/net-metrics.ts';
import { PeerTable } from '../../src/net/peer-table.ts';
import { OperationTracker } from '../../src/obs/operation-tracker.ts';
import { openStore } from '../../src/store/store.ts';
import { threadSchedPolicy } from '../../src/store/thread-priority.ts';
import { metric, TEST_EXTENSION, tempDir } from './fixtures/writer-harness.ts';

/** sha2-256 multihash (0x12 0x20 + digest) of `data`. */
function multihash(data: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(data).digest();
  return new Uint8Array([0x12, 0x20, ...digest]);
}

function blob(i: number) {
  const data = new TextEncoder().encode(`blob number ${i}`);
  return { multihash: multihash(data), codec: 0x55, data };
}

describe('openStore', () => {
  it('puts blobs through the writer and reads them back through the reader pool', async () => {
    const tmp = tempDir();
    const registry = new Registry();
    const tracker = new OperationTracker({ registry });
    const store = await openStore({ registry, tracker }, { path: tmp.file, readerThreads: 2 });
    try {
      const blobs = [blob(1), blob(2), blob(3)];
      const before = store.generation.get();
      const first = await store.write<{ id: number; inserted: boolean }[]>({
        op: 'test.putBlobs',
        class: 'sync',
        handler: 'store.putBlobs',
        payload: blobs,
      });
      assert.deepEqual(
        first.map((r) => r.inserted),
        [true, true, true],
      );
      assert.ok(store.generation.get() > before);
      const again = await store.write<{ id: number; inserted: boolean }[]>({
        op: 'test.putBlobs',
        class: 'interactive',
        handler: 'store.putBlobs',
        payload: [blobs[1], blob(4)],
      });
      assert.deepEqual(again, [
        { id: first[1]!.id, inserted: false },
        { id: 4, inserted: true },
      ]);
      const got = await store.read<({ data: Uint8Array; codec: number } | null)[]>({
        op: 'test.get',
        handler: 'store.getBlobs',
        args: { multihashes: [blobs[0]!.multihash, multihash(new Uint8Array([9]))] },
      });
      assert.deepEqual(Buffer.from(got[0]!.data), Buffer.from(blobs[0]!.data));
      assert.equal(got[0]!.codec, 0x55);
      assert.equal(got[1], null);
      const has = await store.read({
        op: 'test.has',
        handler: 'store.hasBlobs',
        args: { multihashes: [blob(4).multihash, blob(5).multihash] },
      });
      assert.deepEqual(has, [true, false]);
      assert.equal(await metric(registry, 'seedling_write_commits_total'), 2);
      assert.ok(tracker.slowest().some((op) => op.op === 'test.putBlobs' && op.kind === 'write'));
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it('runs the queued writer under SCHED_BATCH where chrt can set it, and says so in a metric', async () => {
    const chrt = spawnSync('chrt', ['--version'], { stdio: 'ignore' }).status === 0;
    for (const writerSchedBatch of [undefined, false]) {
      const tmp = tempDir();
      const registry = new Registry();
      const store = await openStore(
        { registry },
        {
          path: tmp.file,
          readerThreads: 1,
          extensions: [TEST_EXTENSION],
          ...(writerSchedBatch === undefined ? {} : { writerSchedBatch }),
        },
      );
      try {
        const policy = await store.write<string | null>({
          op: 'test',
          class: 'interactive',
          handler: 'test.schedPolicy',
          payload: null,
        });
        const batch = writerSchedBatch !== false && chrt && process.platform === 'linux';
        assert.equal(policy, batch ? 'batch' : 'normal', `writerSchedBatch ${writerSchedBatch}`);
        assert.equal(await metric(registry, 'seedling_writer_sched_batch'), batch ? 1 : 0);
        assert.equal(threadSchedPolicy(), 'normal', 'the main thread keeps its policy');
      } finally {
        await store.close();
        tmp.cleanup();
      }
    }
  });

  it('validates put payloads on the writer, failing the job with the field named', async () => {
    const tmp = tempDir();
    const store = await openStore(
      { registry: new Registry() },
      { path: tmp.file, readerThreads: 1 },
    );
    try {
      const err = await store
        .write({
          op: 'x',
          class: 'sync',
          handler: 'store.putBlobs',
          payload: [{ multihash: 'nope', codec: 1, data: new Uint8Array() }],
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof InvalidInputError);
      assert.equal(err.field, 'payload[0].multihash');
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it('loads extra extensions on writer and readers, and closes cleanly', async () => {
    const tmp = tempDir();
    const store = await openStore(
      { registry: new Registry() },
      { path: tmp.file, extensions: [TEST_EXTENSION], readerThreads: 1 },
    );
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.write({ op: 't', class: 'sync', handler: 'test.log', payload: { label: `l${i}` } }),
    );
    await Promise.all(writes);
    const labels = await store.read<string[]>({ op: 't', handler: 'test.labels', args: {} });
    assert.equal(labels.length, 50);
    await store.close();
    await assert.rejects(
      store.write({ op: 't', class: 'sync', handler: 'test.log', payload: { label: 'x' } }),
      ClosedError,
    );
    const db = new DatabaseSync(tmp.file, { readOnly: true });
    assert.equal(
      (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      'ok',
    );
    db.close();
    tmp.cleanup();
  });

  it('refuses to open when two extensions claim one migration version', async () => {
    const tmp = tempDir();
    try {
      const conflict = new URL('./fixtures/conflict-extension.ts', import.meta.url);
      await assert.rejects(
        openStore({ registry: new Registry() }, { path: tmp.file, extensions: [conflict] }),
        (e: unknown) => e instanceof StoreError && e.code === 'STORE_MIGRATION_CONFLICT',
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses a file that is not a database, naming it, and leaves its bytes alone', async () => {
    const tmp = tempDir();
    try {
      const bytes = new TextEncoder().encode('not a database; '.repeat(64));
      writeFileSync(tmp.file, bytes);
      await assert.rejects(
        openStore({ registry: new Registry() }, { path: tmp.file, readerThreads: 1 }),
        (e: unknown) =>
          e instanceof StoreError &&
          e.code === 'STORE_OPEN_FAILED' &&
          e.message.includes(`open database ${tmp.file}`) &&
          e.message.includes('file is not a database'),
      );
      assert.deepEqual(new Uint8Array(readFileSync(tmp.file)), bytes);
      // The failed open released its lock: the file can be replaced and opened at once.
      rmSync(tmp.file);
      const store = await openStore(
        { registry: new Registry() },
        { path: tmp.file, readerThreads: 1 },
      );
      await store.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('serves the net layer: PeerTable persists through background writes and reloads', async () => {
    const tmp = tempDir();
    const netExtension = new URL('../../src/net/store-extension.ts', import.meta.url);
    const open = () =>
      openStore(
        { registry: new Registry() },
        { path: tmp.file, extensions: [netExtension], readerThreads: 1, backgroundFlushMs: 5 },
      );
    try {
      const store = await open();
      const peers = new PeerTable(
        { metrics: netMetrics(new Registry()), store },
        { persistIntervalMs: 60_000 },
      );
      await peers.start();
      peers.seen('12D3KooWPeerA', { addrs: ['/ip4/127.0.0.1/tcp/4001'], agentVersion: 'v1' });
      peers.seen('12D3KooWPeerA', { agentVersion: 'v2' }); // coalesced with the first
      peers.stop();
      await store.close(); // drains the background entry
      const reopened = await open();
      const again = new PeerTable({ metrics: netMetrics(new Registry()), store: reopened });
      await again.start();
      assert.equal(again.get('12D3KooWPeerA')?.agentVersion, 'v2');
      again.stop();
      await reopened.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('writes in direct mode with the same API', async () => {
    const tmp = tempDir();
    const registry = new Registry();
    const store = await openStore(
      { registry },
      { path: tmp.file, mode: 'direct', directConnections: 2, readerThreads: 1 },
    );
    try {
      const puts = Array.from({ length: 20 }, (_, i) =>
        store.write({ op: 'direct', class: 'sync', handler: 'store.putBlobs', payload: [blob(i)] }),
      );
      await Promise.all(puts);
      assert.equal(await store.read({ op: 'count', handler: 'store.countBlobs', args: {} }), 20);
      assert.equal(
        await metric(registry, 'seedling_write_commits_total'),
        20,
        'one transaction per write',
      );
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
