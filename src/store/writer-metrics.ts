import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WriteClass } from '../types.ts';

/**
 * Prometheus metrics of the write path (DESIGN §6), registered on the registry the store was given.
 * Shared by the queued `Writer` and the comparison `DirectWriter` so a storm reads the same names.
 */
type Bound<M extends { labels(...v: string[]): unknown }> = ReturnType<M['labels']>;

export type WriterMetrics = {
  /** Read when the gauges are scraped (the writer in use sets them): no per-job gauge updates. */
  sources: { depth: (cls: WriteClass) => number; blocked: () => number };
  /** Children bound per class once, so the per-job path does no label hashing. */
  waitOf: Record<WriteClass, Bound<Histogram<'class'>>>;
  /** Per class: how long one job held the writer (what a user's write may wait behind). */
  runOf: Record<WriteClass, Bound<Histogram<'class'>>>;
  jobsOf: Record<
    WriteClass,
    { ok: Bound<Counter<'class' | 'result'>>; failed: Bound<Counter<'class' | 'result'>> }
  >;
  queueDepth: Gauge<'class'>;
  syncBlocked: Gauge;
  queueWait: Histogram<'class'>;
  transactionSeconds: Histogram;
  batchJobs: Histogram;
  batchBytes: Histogram;
  commits: Counter;
  jobs: Counter<'class' | 'result'>;
  rejected: Counter<'class'>;
  busy: Counter;
  leaked: Counter;
  deferred: Counter;
  coalesced: Counter;
  dropped: Counter<'reason'>;
  generation: Gauge;
  schedBatch: Gauge;
  yielded: Counter;
  stale: Counter;
  express: Counter;
};

const WAIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const TX_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5];

export const WRITE_CLASSES: readonly WriteClass[] = ['interactive', 'sync', 'background'];

export function createWriterMetrics(registry: Registry): WriterMetrics {
  const registers = [registry];
  const sources: WriterMetrics['sources'] = { depth: () => 0, blocked: () => 0 };
  const queueWait = new Histogram({
    name: 'seedling_write_queue_wait_seconds',
    help: 'Time from write() to the start of the job’s batch, per class',
    labelNames: ['class'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const jobs = new Counter({
    name: 'seedling_write_jobs_total',
    help: 'Write jobs finished, per class and result (ok, failed, dropped)',
    labelNames: ['class', 'result'],
    registers,
  });
  const jobRun = new Histogram({
    name: 'seedling_write_job_run_seconds',
    help: 'Time one job ran on the writer thread (its handler, inside its savepoint), per class',
    labelNames: ['class'],
    buckets: TX_BUCKETS,
    registers,
  });
  const perClass = <T>(f: (cls: WriteClass) => T) =>
    Object.fromEntries(WRITE_CLASSES.map((c) => [c, f(c)])) as Record<WriteClass, T>;
  return {
    sources,
    waitOf: perClass((c) => queueWait.labels(c)),
    runOf: perClass((c) => jobRun.labels(c)),
    jobsOf: perClass((c) => ({ ok: jobs.labels(c, 'ok'), failed: jobs.labels(c, 'failed') })),
    queueWait,
    jobs,
    queueDepth: new Gauge({
      name: 'seedling_write_queue_depth',
      help: 'Write jobs waiting, per class (background: distinct keys; sync: without blocked producers)',
      labelNames: ['class'],
      registers,
      collect() {
        for (const c of WRITE_CLASSES) this.labels(c).set(sources.depth(c));
      },
    }),
    syncBlocked: new Gauge({
      name: 'seedling_write_sync_blocked_producers',
      help: 'sync writes waiting for room in the full sync queue (back-pressure)',
      registers,
      collect() {
        this.set(sources.blocked());
      },
    }),
    transactionSeconds: new Histogram({
      name: 'seedling_write_transaction_seconds',
      help: 'BEGIN IMMEDIATE to COMMIT of one batch on the writer',
      buckets: TX_BUCKETS,
      registers,
    }),
    batchJobs: new Histogram({
      name: 'seedling_write_batch_jobs',
      help: 'Jobs per committed batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    batchBytes: new Histogram({
      name: 'seedling_write_batch_bytes',
      help: 'Estimated payload bytes per batch',
      buckets: [1e3, 1e4, 1e5, 5e5, 1e6, 2e6, 4e6, 8e6, 16e6],
      registers,
    }),
    commits: new Counter({
      name: 'seedling_write_commits_total',
      help: 'Write transactions committed',
      registers,
    }),
    rejected: new Counter({
      name: 'seedling_write_rejected_total',
      help: 'Writes refused at once because their queue was full (OverloadError)',
      labelNames: ['class'],
      registers,
    }),
    busy: new Counter({
      name: 'seedling_sqlite_busy_total',
      help: 'SQLITE_BUSY answers met by writers (must stay 0 in queued mode)',
      registers,
    }),
    leaked: new Counter({
      name: 'seedling_write_leaked_transactions_total',
      help: 'Batches after which the connection was still in a transaction (rolled back)',
      registers,
    }),
    deferred: new Counter({
      name: 'seedling_write_deferred_total',
      help: 'Jobs sent back to their queue head because the batch spent its time budget',
      registers,
    }),
    coalesced: new Counter({
      name: 'seedling_write_background_coalesced_total',
      help: 'background writes replaced by a later write with the same key before flushing',
      registers,
    }),
    dropped: new Counter({
      name: 'seedling_write_background_dropped_total',
      help: 'background writes dropped: overflow (too many keys) or stale (writer behind)',
      labelNames: ['reason'],
      registers,
    }),
    generation: new Gauge({
      name: 'seedling_store_generation',
      help: 'Database generation (bumped after each commit)',
      registers,
    }),
    yielded: new Counter({
      name: 'seedling_write_batches_yielded_total',
      help: 'batches the writer ended early because an interactive write was waiting',
      registers,
    }),
    express: new Counter({
      name: 'seedling_write_express_total',
      help: "user's writes sent on the writer's express lane: run inside the batch in flight, right after its running job",
      registers,
    }),
    stale: new Counter({
      name: 'seedling_write_batches_stale_total',
      help: 'batches sent ahead that came back unrun because the batch before them deferred jobs (they go back in order)',
      registers,
    }),
    schedBatch: new Gauge({
      name: 'seedling_writer_sched_batch',
      help: '1 when the writer thread runs under SCHED_BATCH (its wakeups never preempt the main thread)',
      registers,
    }),
  };
}
