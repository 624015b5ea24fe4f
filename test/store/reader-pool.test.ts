import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { READER_YOUNG_GENERATION_MB } from '../../src/constants.ts';
import {
  InvalidInputError,
  OverloadError,
  ReadAbortedError,
  ReadTimeoutError,
  StoreError,
} from '../../src/errors.ts';
import { metricValue } from '../../src/obs/metrics.ts';
import { OperationTracker } from '../../src/obs/operation-tracker.ts';
import { Generation } from '../../src/store/generation.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { ReaderPool } from '../../src/store/reader-pool.ts';

const EXTENSION = new URL('./fixtures/reader-pool-extension.ts', import.meta.url);

function setup(): { dir: string; dbPath: string; writer: DatabaseSync } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-reader-pool-'));
  const dbPath = path.join(dir, 'test.db');
  const writer = openDatabase(dbPath, { disableAutoCheckpoint: true });
  writer.exec('CREATE TABLE items(id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT');
  return { dir, dbPath, writer };
}

function insert(writer: DatabaseSync, n: number): void {
  const stmt = writer.prepare('INSERT INTO items(body) VALUES (randomblob(100))');
  writer.exec('BEGIN');
  for (let i = 0; i < n; i++) stmt.run();
  writer.exec('COMMIT');
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ReaderPool', () => {
  let env: ReturnType<typeof setup>;
  let registry: Registry;
  let tracker: OperationTracker;
  let generation: Generation;
  let pool: ReaderPool;

  before(() => {
    env = setup();
    registry = new Registry();
    tracker = new OperationTracker({ registry });
    generation = new Generation();
    pool = new ReaderPool(
      { registry, tracker },
      {
        path: env.dbPath,
        extensions: [EXTENSION],
        threads: 2,
        maxReadMs: 300,
        generationBuffer: generation.buffer,
      },
    );
  });

  after(async () => {
    await pool.close();
    env.writer.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  });

  test('readers see data committed by another connection, on every read', async () => {
    insert(env.writer, 10);
    assert.equal(await pool.run('test', 'test.count', null), 10);
    insert(env.writer, 5);
    // Both threads (two reads in parallel) see the new commit, not a stale snapshot.
    const counts = await Promise.all([
      pool.run('test', 'test.count', null),
      pool.run('test', 'test.count', null),
    ]);
    assert.deepEqual(counts, [15, 15]);
    assert.ok(tracker.recent(3).every((r) => r.kind === 'read' && r.op === 'test' && r.ok));
  });

  test('handlers get the op name and the current generation', async () => {
    generation.bump();
    const ctx = (await pool.run('api.Something', 'test.context', null)) as {
      op: string;
      generation: number;
    };
    assert.equal(ctx.op, 'api.Something');
    assert.equal(ctx.generation, generation.get());
  });

  test('a read past maxReadMs is stopped with ReadTimeoutError and its snapshot ends', async () => {
    const started = Date.now();
    await assert.rejects(pool.run('slow', 'test.holdSnapshot', { ms: 10_000 }), (err) => {
      assert.ok(err instanceof ReadTimeoutError);
      assert.equal(err.code, 'READ_TIMEOUT');
      return true;
    });
    assert.ok(
      Date.now() - started < 2_000,
      'stopped near its bound, not after the handler ran out',
    );
    // The terminated thread's snapshot is gone: a checkpoint can copy everything written since.
    insert(env.writer, 50);
    await waitFor(() => {
      const r = env.writer.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as {
        log: number;
        checkpointed: number;
      };
      return r.log === r.checkpointed;
    }, 3_000);
    assert.equal(await pool.run('after', 'test.count', null), 65);
    assert.equal(
      await metricValue(registry, 'seedling_reader_tasks_total', { result: 'timeout' }),
      1,
    );
  });

  test('the oldest-read gauge shows a read while it is open and 0 after', async () => {
    const slowPool = new ReaderPool(
      { registry: new Registry() },
      { path: env.dbPath, extensions: [EXTENSION], threads: 1, maxReadMs: 5_000 },
    );
    try {
      const read = slowPool.run('hold', 'test.holdSnapshot', { ms: 700 });
      await waitFor(() => slowPool.oldestReadMs() > 300, 3_000);
      assert.equal(slowPool.runningReads(), 1);
      assert.equal(await read, 65);
      assert.equal(slowPool.oldestReadMs(), 0);
    } finally {
      await slowPool.close();
    }
    const gauge = await metricValue(registry, 'seedling_reader_oldest_read_seconds');
    assert.equal(gauge, 0);
  });

  test('the oldest-read gauge is exported on the registry', async () => {
    const read = pool.run('hold', 'test.holdSnapshot', { ms: 250 });
    await waitFor(() => pool.oldestReadMs() > 100, 3_000);
    const gauge = (await metricValue(registry, 'seedling_reader_oldest_read_seconds')) ?? 0;
    assert.ok(gauge > 0.1, `gauge ${gauge}`);
    await read;
  });

  test('an AbortSignal stops a running or not yet started read', async () => {
    const ac = new AbortController();
    const read = pool.run('abort', 'test.holdSnapshot', { ms: 10_000 }, { signal: ac.signal });
    await waitFor(() => pool.runningReads() > 0, 3_000);
    ac.abort();
    await assert.rejects(read, ReadAbortedError);
    await assert.rejects(
      pool.run('abort', 'test.count', null, { signal: AbortSignal.abort() }),
      ReadAbortedError,
    );
    assert.equal(await pool.run('abort', 'test.count', null), 65);
  });

  test("buffers move both ways when asked: the sender's is detached, the answer arrives whole", async () => {
    const bytes = new Uint8Array(4096).fill(3);
    const out = (await pool.run(
      'move',
      'test.moveBytes',
      { bytes, n: 1000 },
      {
        transfer: [bytes.buffer],
      },
    )) as { sum: number; out: Uint8Array };
    assert.equal(out.sum, 3 * 4096, 'the handler saw the bytes');
    assert.equal(bytes.byteLength, 0, 'the buffer moved to the reader thread (not copied)');
    assert.equal(out.out.byteLength, 1000);
    assert.equal(out.out[260], 260 % 251);
    // Without a transfer list the caller keeps its bytes (a copy is sent).
    const kept = new Uint8Array(16).fill(1);
    const again = (await pool.run('move', 'test.moveBytes', { bytes: kept, n: 1 })) as {
      sum: number;
    };
    assert.equal(again.sum, 16);
    assert.equal(kept.byteLength, 16);
  });

  test('handler errors come back typed; unknown handlers name the field', async () => {
    await assert.rejects(pool.run('x', 'test.fail', null), (err) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /handler failed on purpose/);
      return true;
    });
    await assert.rejects(pool.run('x', 'no.such', null), (err) => {
      assert.ok(err instanceof InvalidInputError);
      assert.equal(err.field, 'handler');
      return true;
    });
    assert.ok(tracker.recent(1)[0]?.ok === false);
  });

  test('a full queue answers OverloadError at once', async () => {
    const small = new ReaderPool(
      { registry: new Registry() },
      { path: env.dbPath, extensions: [EXTENSION], threads: 1, queueMax: 1, maxReadMs: 5_000 },
    );
    try {
      const running = small.run('q', 'test.holdSnapshot', { ms: 400 });
      await waitFor(() => small.runningReads() === 1, 3_000);
      const queued = small.run('q', 'test.count', null);
      await assert.rejects(small.run('q', 'test.count', null), OverloadError);
      assert.equal(await running, 65);
      assert.equal(await queued, 65);
    } finally {
      await small.close();
    }
  });
});

/** A pool over a fresh file holding `rows` items; closed and removed after `fn`. */
async function withPool(
  rows: number,
  init: Omit<ConstructorParameters<typeof ReaderPool>[1], 'path' | 'extensions'>,
  fn: (pool: ReaderPool, registry: Registry) => Promise<void>,
): Promise<void> {
  const env = setup();
  insert(env.writer, rows);
  const registry = new Registry();
  const pool = new ReaderPool({ registry }, { path: env.dbPath, extensions: [EXTENSION], ...init });
  try {
    await fn(pool, registry);
  } finally {
    await pool.close();
    env.writer.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
}

describe('ReaderPool lanes', () => {
  test('an app read runs at once while sync reads hold every bulk thread', async () => {
    // The app counts as active for a minute after a read: bulk never borrows its thread here.
    await withPool(
      3,
      {
        threads: 1,
        bulkThreads: 2,
        maxReadMs: 5_000,
        appIdleMs: 60_000,
      },
      async (pool, registry) => {
        await pool.run('warm', 'test.count', null); // the app thread opens its connection
        const bulk = Array.from({ length: 3 }, () =>
          pool.run('sync', 'test.holdSnapshot', { ms: 300 }, { lane: 'bulk' }),
        );
        await waitFor(() => pool.runningReads() === 2, 2_000);
        assert.equal(
          await metricValue(registry, 'seedling_reader_queue_depth', { lane: 'bulk' }),
          1,
          'the third bulk read waits for a bulk thread',
        );
        const started = performance.now();
        assert.equal(await pool.run('app', 'test.count', null), 3);
        const appMs = performance.now() - started;
        assert.ok(appMs < 200, `app read waited ${appMs.toFixed(0)} ms behind bulk reads`);
        assert.deepEqual(await Promise.all(bulk), [3, 3, 3], 'every bulk read still ran');
      },
    );
  });

  test('bulk threads run at the lower OS priority, app threads at the process priority', async () => {
    await withPool(
      0,
      {
        threads: 1,
        bulkThreads: 1,
        bulkNice: 7,
        appIdleMs: 60_000,
      },
      async (pool) => {
        const app = await pool.run<number | null>('app', 'test.nice', null); // the app is active
        const bulk = await pool.run<number | null>('sync', 'test.nice', null, { lane: 'bulk' });
        if (process.platform === 'linux') {
          assert.equal(app, os.getPriority());
          assert.equal(bulk, 7);
        } else {
          assert.equal(bulk, app, 'where threads have no priority of their own, nothing changes');
        }
      },
    );
  });

  test('with the app idle, bulk reads run on the app threads, at normal priority', async () => {
    await withPool(
      3,
      {
        threads: 1,
        bulkThreads: 1,
        bulkNice: 7,
        appIdleMs: 100,
      },
      async (pool, registry) => {
        // No app read yet: the app is idle, so bulk reads take the app thread.
        assert.equal(await pool.run('sync', 'test.nice', null, { lane: 'bulk' }), os.getPriority());
        // A sync lookup is not the app: it leaves the app idle.
        await pool.run('sync', 'test.count', null, { lane: 'lookup' });
        assert.equal(await pool.run('sync', 'test.nice', null, { lane: 'bulk' }), os.getPriority());
        // Activity noted without a read (an API request answered elsewhere) makes the app active.
        pool.noteAppActivity();
        const niceAfterNote = await pool.run('sync', 'test.nice', null, { lane: 'bulk' });
        if (process.platform === 'linux') assert.equal(niceAfterNote, 7);
        await new Promise((r) => setTimeout(r, 150)); // idle again
        assert.equal(await pool.run('sync', 'test.nice', null, { lane: 'bulk' }), os.getPriority());
        // An app read makes the app active: bulk keeps to its own (lower-priority) thread.
        await pool.run('app', 'test.count', null);
        const nice = await pool.run('sync', 'test.nice', null, { lane: 'bulk' });
        if (process.platform === 'linux') assert.equal(nice, 7);
        assert.equal(
          await metricValue(registry, 'seedling_reader_bulk_tasks_total', { threads: 'app' }),
          3,
        );
        assert.equal(
          await metricValue(registry, 'seedling_reader_bulk_tasks_total', { threads: 'bulk' }),
          2,
        );
      },
    );
  });

  test('on the app threads, an app read goes before bulk reads queued while the app was idle', async () => {
    await withPool(3, { threads: 1, bulkThreads: 1, appIdleMs: 50 }, async (pool) => {
      await pool.run('sync', 'test.count', null, { lane: 'lookup' }); // opens the connection
      const bulk = Array.from({ length: 3 }, () =>
        pool.run('sync', 'test.holdSnapshot', { ms: 300 }, { lane: 'bulk' }),
      );
      await waitFor(() => pool.runningReads() === 1, 2_000);
      const started = performance.now();
      assert.equal(await pool.run('app', 'test.count', null), 3);
      const appMs = performance.now() - started;
      // In arrival order it would wait for all three (900 ms); first in line, only for the running one.
      assert.ok(appMs < 600, `app read waited ${appMs.toFixed(0)} ms behind queued bulk reads`);
      assert.deepEqual(await Promise.all(bulk), [3, 3, 3]);
    });
  });

  test('without lanes (the naive profile), one thread set serves all in arrival order', async () => {
    await withPool(3, { threads: 1, lanes: false, bulkNice: 7 }, async (pool, registry) => {
      assert.equal(pool.bulkThreads, 0);
      assert.equal(await metricValue(registry, 'seedling_reader_threads', { lane: 'bulk' }), 0);
      pool.noteAppActivity(); // with lanes, bulk would now go to its own niced thread
      assert.equal(await pool.run('sync', 'test.nice', null, { lane: 'bulk' }), os.getPriority());
      const bulk = Array.from({ length: 2 }, () =>
        pool.run('sync', 'test.holdSnapshot', { ms: 250 }, { lane: 'bulk' }),
      );
      await waitFor(() => pool.runningReads() === 1, 2_000);
      const started = performance.now();
      assert.equal(await pool.run('app', 'test.count', null), 3);
      const appMs = performance.now() - started;
      // Behind both bulk reads (the running one and the queued one), unlike with lanes.
      assert.ok(appMs >= 350, `app read waited only ${appMs.toFixed(0)} ms`);
      assert.deepEqual(await Promise.all(bulk), [3, 3]);
    });
  });

  test('a read waiting for a busy app thread can be aborted, and frees its place', async () => {
    await withPool(3, { threads: 1, bulkThreads: 1 }, async (pool, registry) => {
      const busy = pool.run('app', 'test.holdSnapshot', { ms: 400 });
      await waitFor(() => pool.runningReads() === 1, 2_000);
      const ac = new AbortController();
      const waiting = pool.run('app', 'test.count', null, { signal: ac.signal });
      assert.equal(pool.queueSize, 1, 'the second read waits for the only app thread');
      assert.equal(
        await metricValue(registry, 'seedling_reader_queue_depth', { lane: 'app' }),
        1,
        'and the app lane gauge shows it',
      );
      const started = performance.now();
      ac.abort();
      await assert.rejects(waiting, ReadAbortedError);
      assert.ok(performance.now() - started < 200, 'answered at once, not when the thread freed');
      assert.equal(pool.queueSize, 0);
      assert.equal(await busy, 3);
      assert.equal(await pool.run('app', 'test.count', null), 3);
    });
  });

  test("each thread's V8 young generation is capped (READER_YOUNG_GENERATION_MB); 0 leaves V8's own", async () => {
    type Limits = { maxYoungGenerationSizeMb?: number };
    await withPool(0, { threads: 1, bulkThreads: 1 }, async (pool) => {
      const app = await pool.run<Limits>('app', 'test.resourceLimits', null);
      const bulk = await pool.run<Limits>('sync', 'test.resourceLimits', null, { lane: 'bulk' });
      assert.equal(app.maxYoungGenerationSizeMb, READER_YOUNG_GENERATION_MB);
      assert.equal(bulk.maxYoungGenerationSizeMb, READER_YOUNG_GENERATION_MB);
    });
    await withPool(0, { threads: 1, youngGenerationMb: 4 }, async (pool) => {
      const got = await pool.run<Limits>('app', 'test.resourceLimits', null);
      assert.equal(got.maxYoungGenerationSizeMb, 4);
    });
    await withPool(0, { threads: 1, youngGenerationMb: 0 }, async (pool) => {
      const got = await pool.run<Limits>('app', 'test.resourceLimits', null);
      // Without a limit given, a worker reports V8's own size, never the capped one.
      assert.notEqual(got.maxYoungGenerationSizeMb, READER_YOUNG_GENERATION_MB);
    });
    assert.throws(
      () =>
        new ReaderPool(
          { registry: new Registry() },
          { path: 'x.db', extensions: [], youngGenerationMb: -1 },
        ),
      (err: unknown) => err instanceof InvalidInputError && err.field === 'youngGenerationMb',
    );
  });

  test('a bulk nice value outside 0–19 is refused with the setting named', () => {
    assert.throws(
      () =>
        new ReaderPool(
          { registry: new Registry() },
          { path: 'x.db', extensions: [], bulkNice: 20 },
        ),
      (err: unknown) => err instanceof InvalidInputError && err.field === 'bulkNice',
    );
  });
});
