import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ClosedError, InvalidInputError, OverloadError, StoreError } from '../../src/errors.ts';
import { GATE_CHECKPOINTER, GATE_FREE, WriterGate } from '../../src/store/writer-gate.ts';
import { committedLabels, metric, startWriter } from './fixtures/writer-harness.ts';

const log = (label: string, cls: 'interactive' | 'sync' = 'sync') => ({
  op: `test.${label}`,
  class: cls,
  handler: 'test.log',
  payload: { label },
});
const slow = (label: string, ms: number, cls: 'interactive' | 'sync' = 'sync') => ({
  op: `test.${label}`,
  class: cls,
  handler: 'test.slow',
  payload: { label, ms },
});

/** Passes its savepoint, fails at COMMIT (a deferred foreign key): fails its whole batch. */
const badCommit = {
  op: 'test.badCommit',
  class: 'sync' as const,
  handler: 'test.badCommit',
  payload: null,
};

describe('Writer (real worker thread, real SQLite file)', () => {
  it('commits a batch where one job fails: the failing job alone is rolled back and rejected', async () => {
    const h = await startWriter();
    try {
      const results = await Promise.allSettled([
        h.writer.write(log('a')),
        h.writer.write({
          op: 'test.bad',
          class: 'sync',
          handler: 'test.fail',
          payload: { label: 'b' },
        }),
        h.writer.write(log('c')),
      ]);
      assert.equal(results[0]!.status, 'fulfilled');
      assert.equal(results[2]!.status, 'fulfilled');
      const rejected = results[1] as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof InvalidInputError, String(rejected.reason));
      assert.equal(rejected.reason.field, 'label');
      assert.deepEqual(committedLabels(h.file), ['a', 'c']);
      assert.equal(await metric(h.registry, 'seedling_write_jobs_total', { result: 'failed' }), 1);
      assert.equal(await metric(h.registry, 'seedling_write_batch_jobs_count'), 1, 'one batch');
      assert.equal(await metric(h.registry, 'seedling_write_batch_jobs_sum'), 3, 'of 3 jobs');
    } finally {
      await h.stop();
    }
  });

  it('acknowledges with the handler value after COMMIT, with the generation already moved', async () => {
    const h = await startWriter();
    try {
      const before = h.generation.get();
      const seq = await h.writer.write<number>(log('x'));
      assert.equal(seq, 1);
      assert.ok(h.generation.get() > before);
      assert.deepEqual(committedLabels(h.file), ['x'], 'visible to another connection: committed');
      const seen = await new Promise<number>((resolve, reject) => {
        const w = new Worker(
          `const { workerData, parentPort } = require('node:worker_threads');
           parentPort.postMessage(Number(Atomics.load(new BigInt64Array(workerData), 0)));`,
          { eval: true, workerData: h.generation.buffer },
        );
        w.once('message', resolve);
        w.once('error', reject);
      });
      assert.equal(seen, h.generation.get(), 'another thread reads the same generation');
    } finally {
      await h.stop();
    }
  });

  for (const express of [true, false]) {
    it(`lets interactive jump ahead of a sync backlog (express lane ${express ? 'on' : 'off'})`, async () => {
      const h = await startWriter({ batchMaxMs: 5, express });
      try {
        const sync = Array.from({ length: 15 }, (_, i) => h.writer.write(slow(`s${i}`, 15)));
        await new Promise((r) => setTimeout(r, 20));
        await h.writer.write(log('urgent', 'interactive'));
        const atAck = committedLabels(h.file);
        assert.ok(atAck.length <= 4, `most sync jobs still wait: ${atAck.join(',')}`);
        await Promise.all(sync);
        const order = committedLabels(h.file);
        assert.ok(order.indexOf('urgent') <= 3, `interactive committed early: ${order.join(',')}`);
        assert.ok((await metric(h.registry, 'seedling_write_deferred_total')) > 0);
        assert.equal(await metric(h.registry, 'seedling_write_express_total'), express ? 1 : 0);
      } finally {
        await h.stop();
      }
    });
  }

  it("runs the user's write inside the sync batch in flight, right after its running job (express lane)", async () => {
    const h = await startWriter({ batchMaxMs: 10_000 });
    try {
      const sync = Array.from({ length: 6 }, (_, i) => h.writer.write(slow(`s${i}`, 40)));
      await new Promise((r) => setTimeout(r, 15)); // s0 is running
      const t0 = performance.now();
      await h.writer.write(log('urgent', 'interactive'));
      const waited = performance.now() - t0;
      await Promise.all(sync);
      const order = committedLabels(h.file);
      assert.deepEqual(order.slice(0, 2), ['s0', 'urgent'], `committed: ${order.join(',')}`);
      assert.equal(order.length, 7, 'the deferred sync jobs ran too');
      assert.ok(
        waited < 150,
        `the user's write waited ${waited.toFixed(0)} ms, not the 240 ms batch`,
      );
      assert.equal(await metric(h.registry, 'seedling_write_express_total'), 1);
      assert.equal(await metric(h.registry, 'seedling_write_batches_yielded_total'), 1);
      // Each sync job held the writer ~40 ms: what the user's write waited behind, on /metrics.
      assert.equal(
        await metric(h.registry, 'seedling_write_job_run_seconds_count', { class: 'sync' }),
        6,
      );
      assert.ok(
        (await metric(h.registry, 'seedling_write_job_run_seconds_sum', { class: 'sync' })) >= 0.23,
      );
      // s1..s5 come back from s0's batch; no short batch of its own for the urgent write.
      assert.equal(await metric(h.registry, 'seedling_write_deferred_total'), 5);
    } finally {
      await h.stop();
    }
  });

  it("commits the user's write while the main thread is blocked (express lane), not after", async () => {
    for (const express of [true, false]) {
      const h = await startWriter({ batchMaxMs: 10_000, express });
      try {
        const sync = Array.from({ length: 6 }, (_, i) => h.writer.write(slow(`s${i}`, 40)));
        await new Promise((r) => setTimeout(r, 15)); // s0 is running
        const urgent = h.writer.write(log('urgent', 'interactive'));
        // The main thread stays busy past s0's end (as under a sync storm): without the lane the
        // write needs it to read s0's batch result and send another batch.
        const until = performance.now() + 150;
        while (performance.now() < until) {}
        const committedWhileBlocked = committedLabels(h.file).includes('urgent');
        await Promise.all([urgent, ...sync]);
        assert.equal(
          committedWhileBlocked,
          express,
          `express lane ${express ? 'on' : 'off'}: committed while the main thread was blocked`,
        );
      } finally {
        await h.stop();
      }
    }
  });

  it('ends a sync batch after its running job when an interactive write arrives (express lane off)', async () => {
    // A time budget far above the batch: only the waiting interactive write can end it early.
    const h = await startWriter({ batchMaxMs: 10_000, express: false });
    try {
      const sync = Array.from({ length: 6 }, (_, i) => h.writer.write(slow(`s${i}`, 40)));
      await new Promise((r) => setTimeout(r, 15)); // s0 is running
      const t0 = performance.now();
      await h.writer.write(log('urgent', 'interactive'));
      const waited = performance.now() - t0;
      await Promise.all(sync);
      const order = committedLabels(h.file);
      assert.deepEqual(order.slice(0, 2), ['s0', 'urgent'], `committed: ${order.join(',')}`);
      assert.equal(order.length, 7, 'the deferred sync jobs ran too');
      assert.ok(
        waited < 150,
        `the user's write waited ${waited.toFixed(0)} ms, not the 240 ms batch`,
      );
      assert.equal(await metric(h.registry, 'seedling_write_batches_yielded_total'), 1);
      // 5 when s0's batch yields; 4 more when the urgent write's short batch (2 ms budget) takes
      // only s1 after it.
      assert.equal(await metric(h.registry, 'seedling_write_deferred_total'), 9);
    } finally {
      await h.stop();
    }
  });

  it('keeps arrival order within a class when a batch sent ahead meets a deferral', async () => {
    // 5 jobs per batch, a 3 ms budget and 2 ms jobs: most batches defer part of their jobs while
    // the next batch is already at the writer thread, built before it knew.
    const h = await startWriter({ batchMaxMs: 3, batchMaxJobs: 5 });
    try {
      const labels = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}`);
      await Promise.all(labels.map((label) => h.writer.write(slow(label, 2))));
      assert.deepEqual(committedLabels(h.file), labels);
      assert.ok((await metric(h.registry, 'seedling_write_deferred_total')) > 0, 'jobs deferred');
      assert.ok(
        (await metric(h.registry, 'seedling_write_batches_stale_total')) > 0,
        'a batch sent ahead came back unrun',
      );
    } finally {
      await h.stop();
    }
  });

  it('does not starve background behind a sync flood', async () => {
    const h = await startWriter({ batchMaxMs: 5, backgroundFlushMs: 20 });
    try {
      const sync = Array.from({ length: 30 }, (_, i) => h.writer.write(slow(`s${i}`, 10)));
      const t0 = performance.now();
      await h.writer.write({
        op: 'test.bg',
        class: 'background',
        key: 'bg',
        handler: 'test.log',
        payload: { label: 'bg' },
      });
      const waited = performance.now() - t0;
      assert.ok(waited < 250, `background flushed in ${waited.toFixed(0)} ms`);
      assert.ok(h.writer.depth('sync') > 0, 'sync flood still running');
      await Promise.all(sync);
    } finally {
      await h.stop();
    }
  });

  it('rejects interactive at once with OverloadError when its queue is full', async () => {
    const h = await startWriter({ interactiveMax: 2 });
    try {
      const busy = h.writer.write(slow('hold', 200));
      await new Promise((r) => setTimeout(r, 20)); // the slow job is on the writer
      // i1 takes the express lane (one job at a time); i2 and i3 fill the queue.
      const queued = [
        h.writer.write(log('i1', 'interactive')),
        h.writer.write(log('i2', 'interactive')),
        h.writer.write(log('i3', 'interactive')),
      ];
      const t0 = performance.now();
      const err = await h.writer.write(log('i4', 'interactive')).catch((e: unknown) => e);
      assert.ok(err instanceof OverloadError);
      assert.ok(performance.now() - t0 < 50, 'rejected at once, not after the slow job');
      await Promise.all([busy, ...queued]);
      assert.deepEqual(committedLabels(h.file), ['hold', 'i1', 'i2', 'i3']);
      assert.equal(await metric(h.registry, 'seedling_write_express_total'), 1);
    } finally {
      await h.stop();
    }
  });

  it('applies back-pressure to sync: write() waits for room', async () => {
    const h = await startWriter({ syncMax: 2, batchMaxJobs: 1 });
    try {
      const order: string[] = [];
      const writes = Array.from({ length: 6 }, (_, i) =>
        h.writer.write(slow(`s${i}`, 10)).then(() => order.push(`s${i}`)),
      );
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await metric(h.registry, 'seedling_write_sync_blocked_producers')) > 0, true);
      await Promise.all(writes);
      assert.deepEqual(order, ['s0', 's1', 's2', 's3', 's4', 's5']);
      assert.equal(await metric(h.registry, 'seedling_write_sync_blocked_producers'), 0);
    } finally {
      await h.stop();
    }
  });

  it('coalesces background writes by key: the latest value is stored, every caller answered', async () => {
    const h = await startWriter({ backgroundFlushMs: 30 });
    try {
      const writes = ['v1', 'v2', 'v3', 'v4'].map((v) =>
        h.writer.write({
          op: 'test.put',
          class: 'background',
          key: 'peer:a',
          handler: 'test.put',
          payload: { k: 'a', v },
        }),
      );
      const results = await Promise.all(writes);
      assert.deepEqual(results, Array(4).fill({ k: 'a', v: 'v4' }));
      const db = new DatabaseSync(h.file, { readOnly: true });
      assert.deepEqual({ ...db.prepare('SELECT v FROM kv WHERE k = ?').get('a') }, { v: 'v4' });
      db.close();
      assert.equal(await metric(h.registry, 'seedling_write_background_coalesced_total'), 3);
      assert.equal(
        await metric(h.registry, 'seedling_write_jobs_total', { class: 'background' }),
        1,
      );
    } finally {
      await h.stop();
    }
  });

  it('rolls back a transaction whose COMMIT failed, counts the leak, and keeps working', async () => {
    const h = await startWriter();
    try {
      const [bad, good] = await Promise.allSettled([
        h.writer.write(badCommit),
        h.writer.write(log('same-batch')),
      ]);
      assert.equal(bad!.status, 'rejected');
      assert.equal(good!.status, 'rejected', 'a failed COMMIT fails every job of the batch');
      assert.ok((good as PromiseRejectedResult).reason instanceof StoreError);
      assert.equal(await metric(h.registry, 'seedling_write_leaked_transactions_total'), 1);
      await h.writer.write(log('after'));
      assert.deepEqual(committedLabels(h.file), ['after']);
    } finally {
      await h.stop();
    }
  });

  it("fails the user's express write with its batch when that batch's COMMIT fails", async () => {
    const h = await startWriter({ batchMaxMs: 10_000 });
    try {
      const bad = h.writer.write(badCommit);
      const hold = h.writer.write(slow('hold', 60));
      await new Promise((r) => setTimeout(r, 20)); // the batch [badCommit, hold] is running
      const urgent = h.writer.write(log('urgent', 'interactive'));
      const [b, o, u] = await Promise.allSettled([bad, hold, urgent]);
      assert.equal(b.status, 'rejected');
      assert.equal(o.status, 'rejected');
      assert.equal(u.status, 'rejected', 'acknowledged only after a COMMIT that succeeded');
      assert.ok((u as PromiseRejectedResult).reason instanceof StoreError);
      assert.equal(await metric(h.registry, 'seedling_write_express_total'), 1);
      await h.writer.write(log('after', 'interactive'));
      assert.deepEqual(committedLabels(h.file), ['after']);
    } finally {
      await h.stop();
    }
  });

  it("rejects the batch in flight and the user's express write when the writer thread dies", async () => {
    const h = await startWriter({ batchMaxMs: 10_000 });
    try {
      const sync = h.writer.write(slow('s0', 300));
      await new Promise((r) => setTimeout(r, 20)); // s0 is running
      const urgent = h.writer.write(log('urgent', 'interactive'));
      assert.equal(await metric(h.registry, 'seedling_write_express_total'), 1);
      await h.writer.workerThreads()[0]!.worker.terminate();
      const [s, u] = await Promise.allSettled([sync, urgent]);
      for (const r of [s, u]) {
        assert.equal(r.status, 'rejected', 'an outcome nobody knows is an error, never a hang');
        assert.ok((r as PromiseRejectedResult).reason instanceof StoreError);
      }
      await assert.rejects(h.writer.write(log('later', 'interactive')), StoreError);
    } finally {
      await h.stop();
    }
  });

  it('contains a handler that ends the transaction: earlier jobs fail as unknown, later ones still run', async () => {
    const h = await startWriter();
    try {
      const [a, esc, c] = await Promise.allSettled([
        h.writer.write(log('a')),
        h.writer.write({
          op: 'test.escape',
          class: 'sync',
          handler: 'test.escape',
          payload: { label: 'e' },
        }),
        h.writer.write(log('c')),
      ]);
      assert.equal(a.status, 'rejected');
      assert.equal((a as PromiseRejectedResult).reason.code, 'STORE_HANDLER_ESCAPED');
      assert.equal(esc.status, 'rejected', 'its own savepoint was gone');
      assert.equal(c.status, 'fulfilled', 'the job after it was deferred, not lost');
      // The escaping handler's own COMMIT made a and e durable: "unknown" is the honest answer.
      assert.deepEqual(committedLabels(h.file), ['a', 'e', 'c']);
    } finally {
      await h.stop();
    }
  });

  it('refuses unknown handlers and values that cannot cross threads, failing those alone', async () => {
    const h = await startWriter();
    try {
      await assert.rejects(
        h.writer.write({ op: 'x', class: 'sync', handler: 'nope', payload: 1 }),
        InvalidInputError,
      );
      const [fn, ok] = await Promise.allSettled([
        h.writer.write({
          op: 'x',
          class: 'sync',
          handler: 'test.log',
          payload: { label: 'f', f: () => 1 },
        }),
        h.writer.write(log('ok')),
      ]);
      assert.equal(fn!.status, 'rejected');
      assert.equal(ok!.status, 'fulfilled');
      assert.equal(
        await h.writer.write({
          op: 'x',
          class: 'sync',
          handler: 'test.returnsFunction',
          payload: 1,
        }),
        undefined,
      );
      // The same on the express lane: the user's write that cannot cross fails alone, at once.
      const hold = h.writer.write(slow('hold', 60));
      await new Promise((r) => setTimeout(r, 20)); // a batch is in flight
      const err = await h.writer
        .write({ op: 'x', class: 'interactive', handler: 'test.log', payload: { f: () => 1 } })
        .catch((e: unknown) => e);
      assert.ok(err instanceof InvalidInputError, String(err));
      assert.equal(err.field, 'payload');
      await h.writer.write(log('after', 'interactive'));
      await hold;
      assert.deepEqual(committedLabels(h.file), ['ok', 'hold', 'after']);
    } finally {
      await h.stop();
    }
  });

  it('counts SQLITE_BUSY from a lock held outside the writer and retries BEGIN past a short one', async () => {
    const h = await startWriter();
    const other = new DatabaseSync(h.file);
    try {
      other.exec('BEGIN IMMEDIATE');
      setTimeout(() => other.exec('ROLLBACK'), 30);
      assert.equal(await h.writer.write<number>(log('after-lock')), 1);
      assert.ok((await metric(h.registry, 'seedling_sqlite_busy_total')) > 0);
      other.exec('BEGIN IMMEDIATE'); // now held for longer than every retry
      const err = await h.writer.write(log('blocked')).catch((e: unknown) => e);
      assert.ok(err instanceof StoreError && err.code === 'STORE_BUSY', String(err));
      other.exec('ROLLBACK');
    } finally {
      other.close();
      await h.stop();
    }
  });

  it('waits on the write gate instead of colliding with a checkpoint (no SQLITE_BUSY)', async () => {
    const gate = new WriterGate();
    const h = await startWriter({}, undefined, { gate });
    try {
      assert.ok(gate.tryAcquire(GATE_CHECKPOINTER), 'the "checkpointer" holds the gate');
      const other = new DatabaseSync(h.file);
      other.exec('BEGIN IMMEDIATE'); // ...and the write lock, as a TRUNCATE does
      setTimeout(() => {
        other.exec('ROLLBACK');
        other.close();
        gate.release(GATE_CHECKPOINTER);
      }, 40);
      const t0 = performance.now();
      await h.writer.write(log('after-checkpoint'));
      assert.ok(performance.now() - t0 >= 30, 'the batch waited for the gate');
      assert.equal(await metric(h.registry, 'seedling_sqlite_busy_total'), 0);
      assert.equal(gate.holder(), GATE_FREE, 'the writer released the gate after COMMIT');
    } finally {
      await h.stop();
    }
  });

  it('drains every accepted write on close, then refuses new ones', async () => {
    const h = await startWriter({ backgroundFlushMs: 10_000 });
    const writes = Array.from({ length: 200 }, (_, i) => h.writer.write(log(`w${i}`)));
    const bg = h.writer.write({
      op: 'bg',
      class: 'background',
      key: 'k',
      handler: 'test.log',
      payload: { label: 'bg' },
    });
    const file = h.file;
    const closing = h.writer.close();
    await assert.rejects(h.writer.write(log('late')), ClosedError);
    await closing;
    await Promise.all([...writes, bg]);
    const labels = committedLabels(file);
    assert.equal(labels.length, 201);
    assert.ok(labels.includes('bg'));
    await h.stop();
  });

  it('fails a write on a full disk with STORE_FULL and a hint, keeps what was stored, and writes again once there is room', async () => {
    const h = await startWriter();
    const put = (k: string, v: string) =>
      h.writer.write({
        op: `test.put.${k}`,
        class: 'interactive',
        handler: 'test.put',
        payload: { k, v },
      });
    const maxPages = (pages: number) =>
      h.writer.write<number>({
        op: 'test.maxPages',
        class: 'interactive',
        handler: 'test.maxPages',
        payload: { pages },
      });
    try {
      await put('kept', 'stored before the disk filled');
      // SQLite clamps the cap to the pages in use: from here, a write that needs a page meets SQLITE_FULL.
      await maxPages(1);
      const big = 'x'.repeat(256 * 1024);
      await assert.rejects(put('big', big), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'STORE_FULL');
        assert.match(err.message, /database or disk is full/);
        assert.match(err.message, /free space on it, and writes succeed again without a restart/);
        return true;
      });
      await maxPages(1_000_000);
      await put('big', big);
      const db = new DatabaseSync(h.file, { readOnly: true });
      try {
        const rows = db.prepare('SELECT k, length(v) AS n FROM kv ORDER BY k').all();
        assert.deepEqual(
          rows.map((r) => [r.k, r.n]),
          [
            ['big', big.length],
            ['kept', 'stored before the disk filled'.length],
          ],
        );
      } finally {
        db.close();
      }
    } finally {
      await h.stop();
    }
  });
});
