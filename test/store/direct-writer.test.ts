import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { StoreError } from '../../src/errors.ts';
import { DirectWriter, type DirectWriterInit } from '../../src/store/direct-writer.ts';
import { Generation } from '../../src/store/generation.ts';
import { createWriterMetrics } from '../../src/store/writer-metrics.ts';
import { committedLabels, metric, TEST_EXTENSION, tempDir } from './fixtures/writer-harness.ts';

async function startDirect(init: Partial<DirectWriterInit> = {}) {
  const tmp = tempDir('seedling-direct-');
  const registry = new Registry();
  const generation = new Generation();
  const writer = new DirectWriter(
    { metrics: createWriterMetrics(registry), generation },
    { path: tmp.file, extensions: [TEST_EXTENSION], ...init },
  );
  await writer.start();
  return {
    writer,
    registry,
    generation,
    file: tmp.file,
    async stop() {
      await writer.close();
      tmp.cleanup();
    },
  };
}

const log = (label: string) => ({
  op: 'direct',
  class: 'sync' as const,
  handler: 'test.log',
  payload: { label },
});

describe('DirectWriter (comparison mode)', () => {
  it('runs each write as its own transaction across several connections', async () => {
    const h = await startDirect({ connections: 3 });
    try {
      const g0 = h.generation.get();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => h.writer.write<number>(log(`w${i}`))),
      );
      assert.equal(new Set(results).size, 30);
      assert.equal(committedLabels(h.file).length, 30);
      assert.equal(h.generation.get() - g0, 30, 'one commit per write');
      assert.equal(await metric(h.registry, 'seedling_write_commits_total'), 30);
      await assert.rejects(
        h.writer.write({ op: 'x', class: 'sync', handler: 'test.fail', payload: { label: 'f' } }),
        /refused on purpose/,
      );
    } finally {
      await h.stop();
    }
  });

  it('surfaces SQLITE_BUSY to the caller once the busy timeout expires (lock held elsewhere)', async () => {
    const h = await startDirect({ connections: 1, busyTimeoutMs: 50 });
    const other = new DatabaseSync(h.file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const err = await h.writer.write(log('blocked')).catch((e: unknown) => e);
      assert.ok(err instanceof StoreError, String(err));
      assert.equal(err.code, 'STORE_BUSY');
      assert.equal(await metric(h.registry, 'seedling_sqlite_busy_total'), 1);
      other.exec('ROLLBACK');
      await h.writer.write(log('after'));
      assert.deepEqual(committedLabels(h.file), ['after']);
    } finally {
      if (other.isTransaction) other.exec('ROLLBACK');
      other.close();
      await h.stop();
    }
  });

  it('reports busy under contention between its own connections', async () => {
    // 4 connections, each write holds the lock 40 ms, busy timeout 60 ms: a connection behind
    // two others waits ~80 ms and gets SQLITE_BUSY — the field failure, in miniature.
    const h = await startDirect({ connections: 4, busyTimeoutMs: 60 });
    try {
      const writes = Array.from({ length: 16 }, (_, i) =>
        h.writer.write({
          op: 'slow',
          class: 'sync',
          handler: 'test.slow',
          payload: { label: `s${i}`, ms: 40 },
        }),
      );
      const results = await Promise.allSettled(writes);
      const busy = results.filter(
        (r) => r.status === 'rejected' && (r.reason as StoreError).code === 'STORE_BUSY',
      ).length;
      assert.ok(busy > 0, 'some writes failed with SQLITE_BUSY');
      assert.equal(await metric(h.registry, 'seedling_sqlite_busy_total'), busy);
      assert.equal(committedLabels(h.file).length, 16 - busy, 'failed writes left nothing behind');
    } finally {
      await h.stop();
    }
  });
});
