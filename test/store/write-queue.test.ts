import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ClosedError, InvalidInputError, OverloadError } from '../../src/errors.ts';
import { estimateBytes, type QueuedJob, WriteQueue } from '../../src/store/write-queue.ts';
import { createWriterMetrics } from '../../src/store/writer-metrics.ts';
import type { WriteClass } from '../../src/types.ts';

function makeQueue(init: ConstructorParameters<typeof WriteQueue>[1] = {}) {
  let t = 0;
  const registry = new Registry();
  const metrics = createWriterMetrics(registry);
  const queue = new WriteQueue({ metrics, now: () => t }, init);
  return { queue, registry, advance: (ms: number) => (t += ms) };
}

function job(cls: WriteClass, label: string, extra: { key?: string; payload?: unknown } = {}) {
  return {
    op: `test.${label}`,
    class: cls,
    handler: 'test.log',
    payload: extra.payload ?? { label },
    ...(extra.key ? { key: extra.key } : {}),
  };
}

const labels = (batch: QueuedJob[]) => batch.map((j) => (j.payload as { label: string }).label);

async function counter(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

describe('WriteQueue', () => {
  it('serves interactive ahead of waiting sync jobs, FIFO within a class', () => {
    const { queue } = makeQueue({ batchMaxJobs: 4, syncMinShare: 0 });
    for (let i = 0; i < 6; i++) void queue.push(job('sync', `s${i}`));
    void queue.push(job('interactive', 'i0'));
    void queue.push(job('interactive', 'i1'));
    assert.deepEqual(labels(queue.take()), ['i0', 'i1', 's0', 's1']);
    assert.deepEqual(labels(queue.take()), ['s2', 's3', 's4', 's5']);
  });

  it('reserves a share of every batch for sync while interactive floods', () => {
    const { queue } = makeQueue({ batchMaxJobs: 8, syncMinShare: 0.25 });
    for (let i = 0; i < 20; i++) void queue.push(job('interactive', `i${i}`));
    for (let i = 0; i < 5; i++) void queue.push(job('sync', `s${i}`));
    const first = labels(queue.take());
    assert.equal(first.length, 8);
    assert.deepEqual(
      first.filter((l) => l.startsWith('s')),
      ['s0', 's1'],
    );
    const second = labels(queue.take());
    assert.deepEqual(
      second.filter((l) => l.startsWith('s')),
      ['s2', 's3'],
    );
  });

  it('gives unused interactive slots to sync and vice versa', () => {
    const { queue } = makeQueue({ batchMaxJobs: 8, syncMinShare: 0.25 });
    void queue.push(job('interactive', 'i0'));
    for (let i = 0; i < 10; i++) void queue.push(job('sync', `s${i}`));
    assert.equal(queue.take().length, 8);
    const { queue: q2 } = makeQueue({ batchMaxJobs: 8, syncMinShare: 0.25 });
    for (let i = 0; i < 10; i++) void q2.push(job('interactive', `i${i}`));
    void q2.push(job('sync', 's0'));
    assert.deepEqual(labels(q2.take()), ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 's0']);
  });

  it('stops a batch at the byte budget, but lets one big job go alone', () => {
    const { queue } = makeQueue({ batchMaxBytes: 1000 });
    const big = new Uint8Array(5000);
    void queue.push(job('sync', 'big', { payload: { label: 'big', big } }));
    void queue.push(job('sync', 'a', { payload: { label: 'a', b: new Uint8Array(600) } }));
    void queue.push(job('sync', 'b', { payload: { label: 'b', b: new Uint8Array(600) } }));
    assert.deepEqual(labels(queue.take()), ['big']);
    assert.deepEqual(labels(queue.take()), ['a']);
    assert.deepEqual(labels(queue.take()), ['b']);
    assert.ok(estimateBytes({ big }) >= 5000);
  });

  it('rejects interactive at once with OverloadError when full', async () => {
    const { queue, registry } = makeQueue({ interactiveMax: 2, overloadRetryMs: 500 });
    void queue.push(job('interactive', 'a'));
    void queue.push(job('interactive', 'b'));
    const err = await queue.push(job('interactive', 'c')).catch((e: unknown) => e);
    assert.ok(err instanceof OverloadError);
    assert.equal(err.retryAfterMs, 500);
    assert.equal(await counter(registry, 'seedling_write_rejected_total'), 1);
  });

  it('makes sync producers wait for room, in arrival order', async () => {
    const { queue } = makeQueue({ syncMax: 2, batchMaxJobs: 1 });
    void queue.push(job('sync', 's0'));
    void queue.push(job('sync', 's1'));
    void queue.push(job('sync', 's2'));
    void queue.push(job('sync', 's3'));
    assert.equal(queue.depth('sync'), 4);
    assert.deepEqual(labels(queue.take()), ['s0']);
    assert.deepEqual(labels(queue.take()), ['s1']);
    assert.deepEqual(labels(queue.take()), ['s2']);
    assert.deepEqual(labels(queue.take()), ['s3']);
    assert.ok(queue.idle);
  });

  it('coalesces background by key (latest wins) and answers every caller', async () => {
    const { queue, registry, advance } = makeQueue({ backgroundFlushMs: 10 });
    const p1 = queue.push(job('background', 'v1', { key: 'peer:a' }));
    const p2 = queue.push(job('background', 'v2', { key: 'peer:a' }));
    void queue.push(job('background', 'x', { key: 'peer:b' }));
    assert.equal(queue.ready, false, 'background waits for its flush delay');
    await new Promise((r) => setTimeout(r, 30));
    advance(30);
    assert.equal(queue.ready, true);
    const batch = queue.take();
    assert.deepEqual(labels(batch), ['v2', 'x']);
    assert.equal(batch[0]!.waiters.length, 2);
    for (const w of batch[0]!.waiters) w.resolve('done');
    assert.deepEqual(await Promise.all([p1, p2]), ['done', 'done']);
    assert.equal(await counter(registry, 'seedling_write_background_coalesced_total'), 1);
  });

  it('flushes background alongside a sync flood (never starved)', async () => {
    const { queue, advance } = makeQueue({ backgroundFlushMs: 5, batchMaxJobs: 4 });
    for (let i = 0; i < 100; i++) void queue.push(job('sync', `s${i}`));
    void queue.push(job('background', 'bg', { key: 'k' }));
    assert.ok(!labels(queue.take()).includes('bg'));
    await new Promise((r) => setTimeout(r, 15));
    advance(15);
    const batch = labels(queue.take());
    assert.ok(batch.includes('bg'), `background rides the next batch: ${batch}`);
    assert.equal(batch.length, 5);
  });

  it('drops background under pressure: stale entries and overflow, resolving callers', async () => {
    const { queue, registry, advance } = makeQueue({
      backgroundFlushMs: 1,
      backgroundMaxAgeMs: 100,
      backgroundMaxKeys: 2,
    });
    const a = queue.push(job('background', 'a', { key: 'a' }));
    void queue.push(job('background', 'b', { key: 'b' }));
    void queue.push(job('background', 'c', { key: 'c' })); // overflow: drops a
    assert.equal(await a, undefined);
    advance(500); // the writer is 500 ms behind
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(labels(queue.take()), []);
    assert.equal(await counter(registry, 'seedling_write_background_dropped_total'), 3);
    assert.ok(queue.idle);
  });

  it('keeps the sync share when the time budget cuts every batch to its first job', () => {
    const { queue } = makeQueue({ batchMaxJobs: 8, syncMinShare: 0.25 });
    for (let i = 0; i < 200; i++) void queue.push(job('interactive', `i${i}`));
    for (let i = 0; i < 200; i++) void queue.push(job('sync', `s${i}`));
    const ran: string[] = [];
    for (let n = 0; n < 40; n++) {
      const batch = queue.take();
      queue.putBack(batch.slice(1)); // the writer deferred all but the first job...
      queue.ran(batch.slice(0, 1)); // ...which ran
      ran.push(batch[0]!.class);
    }
    const sync = ran.filter((c) => c === 'sync').length;
    assert.ok(sync >= 9 && sync <= 11, `sync ran ${sync} of 40 jobs`);
    assert.equal(ran[0], 'interactive', 'interactive still goes first');
  });

  it('puts deferred jobs back at the head of their class', () => {
    const { queue } = makeQueue({ batchMaxJobs: 2 });
    for (const l of ['s0', 's1', 's2']) void queue.push(job('sync', l));
    const batch = queue.take();
    queue.putBack(batch.slice(1));
    assert.deepEqual(labels(queue.take()), ['s1', 's2']);
  });

  it('validates class, handler and background key', async () => {
    const { queue } = makeQueue();
    await assert.rejects(queue.push(job('background', 'nokey')), InvalidInputError);
    await assert.rejects(
      queue.push({ op: 'x', class: 'urgent' as WriteClass, handler: 'h', payload: 1 }),
      InvalidInputError,
    );
  });

  it('refuses new writes after close but keeps what it accepted; background becomes due', async () => {
    const { queue } = makeQueue({ backgroundFlushMs: 10_000 });
    void queue.push(job('background', 'bg', { key: 'k' }));
    queue.close();
    await assert.rejects(queue.push(job('sync', 'late')), ClosedError);
    assert.deepEqual(labels(queue.take()), ['bg']);
  });
});

describe('WriteQueue WAL back-pressure (rule 8)', () => {
  it('takes one sync job per batch while the limit says so, interactive unaffected', () => {
    let limit = 1;
    const registry = new Registry();
    const queue = new WriteQueue(
      { metrics: createWriterMetrics(registry), now: () => 0, syncLimit: () => limit },
      { batchMaxJobs: 8, syncMinShare: 0.25 },
    );
    for (let i = 0; i < 10; i++) void queue.push(job('sync', `s${i}`));
    for (let i = 0; i < 3; i++) void queue.push(job('interactive', `i${i}`));
    const throttled = labels(queue.take());
    assert.equal(throttled.filter((l) => l.startsWith('s')).length, 1);
    assert.deepEqual(
      throttled.filter((l) => l.startsWith('i')),
      ['i0', 'i1', 'i2'],
    );
    limit = Number.POSITIVE_INFINITY;
    assert.equal(labels(queue.take()).length, 8, 'a full batch once the WAL is copied');
  });

  it('walSyncLimit caps sync above the threshold and reads the backlog at most every 50 ms', async () => {
    const { walSyncLimit } = await import('../../src/store/store.ts');
    let backlog = 10;
    let reads = 0;
    const limit = walSyncLimit(() => {
      reads++;
      return backlog;
    }, 100);
    assert.equal(limit(), Number.POSITIVE_INFINITY);
    backlog = 1_000;
    assert.equal(limit(), Number.POSITIVE_INFINITY, 'cached within 50 ms');
    assert.equal(reads, 1);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(limit(), 1);
  });

  it('walSyncLimit answers 0 while the checkpointer holds sync, whatever the backlog', async () => {
    const { walSyncLimit } = await import('../../src/store/store.ts');
    const { SyncHold } = await import('../../src/store/sync-hold.ts');
    const hold = new SyncHold();
    const limit = walSyncLimit(
      () => 0,
      100,
      () => hold.active(),
    );
    assert.equal(limit(), Number.POSITIVE_INFINITY);
    hold.begin(1_000);
    assert.equal(limit(), 0);
    hold.end();
    assert.equal(limit(), Number.POSITIVE_INFINITY);
    hold.begin(30); // a hold ends by itself (a checkpointer that died cannot stop sync)
    assert.equal(limit(), 0);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(limit(), Number.POSITIVE_INFINITY);
  });

  it('while sync is held, batches take interactive jobs only, and sync resumes without a new write', async () => {
    let limit = 0;
    const registry = new Registry();
    const queue = new WriteQueue(
      { metrics: createWriterMetrics(registry), syncLimit: () => limit },
      { batchMaxJobs: 8 },
    );
    let woken = 0;
    queue.onWork = () => woken++;
    for (let i = 0; i < 3; i++) void queue.push(job('sync', `s${i}`));
    void queue.push(job('interactive', 'i0'));
    assert.deepEqual(labels(queue.take()), ['i0']);
    assert.deepEqual(labels(queue.take()), [], 'nothing but held sync jobs');
    limit = Number.POSITIVE_INFINITY;
    const before = woken;
    await new Promise((r) => setTimeout(r, 40));
    assert.ok(woken > before, 'the queue woke the writer to look again');
    assert.deepEqual(labels(queue.take()), ['s0', 's1', 's2']);
  });
});
