import {
  SYNC_HOLD_RECHECK_MS,
  WRITE_BACKGROUND_BATCH_MAX,
  WRITE_BACKGROUND_FLUSH_MS,
  WRITE_BACKGROUND_MAX_AGE_MS,
  WRITE_BACKGROUND_MAX_KEYS,
  WRITE_BATCH_MAX_BYTES,
  WRITE_BATCH_MAX_JOBS,
  WRITE_INTERACTIVE_QUEUE_MAX,
  WRITE_OVERLOAD_RETRY_MS,
  WRITE_SYNC_MIN_SHARE,
  WRITE_SYNC_QUEUE_MAX,
} from '../constants.ts';
import { ClosedError, InvalidInputError, OverloadError } from '../errors.ts';
import type { WriteClass } from '../types.ts';
import { WriteFifo } from './write-fifo.ts';
import type { WriterMetrics } from './writer-metrics.ts';

/**
 * The writer's admission queue: three classes, bounded, feeding group-commit batches.
 *
 * Ordering and fairness rules (what `take()` guarantees):
 * 1. Within a class, jobs run in arrival order (FIFO); a deferred job goes back to its class's head.
 * 2. A batch has `batchMaxJobs` job slots for interactive + sync, and `batchMaxBytes` of estimated
 *    payload (a job bigger than the budget goes alone; a class stops at its first job that does
 *    not fit, never skipping ahead).
 * 3. `interactive` is served first — a new interactive job jumps ahead of every waiting sync job —
 *    but sync keeps a guaranteed share `syncMinShare` of the jobs that actually run:
 *    a. while sync jobs wait, `ceil(batchMaxJobs × syncMinShare)` slots of each batch are reserved
 *       for them (slots interactive leaves unused go to sync, and the other way round);
 *    b. the writer stops a batch early when it spends its time budget, which cuts the batch's tail,
 *       so slots alone would not hold. Every interactive job that runs while sync waits earns sync
 *       `share / (1 − share)` credit; a batch starts with as many sync jobs as whole credits
 *       (each sync job that runs spends one). So with jobs slower than the budget the writer still
 *       runs ~3 interactive : 1 sync at a 25% share. A flood of interactive slows sync, never stops it.
 * 4. `background` entries are coalesced by (handler, key), the latest payload winning, and every
 *    caller of a coalesced key is answered when the winner commits. An entry becomes due
 *    `backgroundFlushMs` after it first arrived; the next batch then *starts* with up to
 *    `backgroundBatchMax` due entries (small rows, outside the job slots), so they are never cut by
 *    the time budget: background is flushed within one flush period plus one batch (never starved).
 * 5. Under pressure background is dropped, never blocks a caller: an entry older than
 *    `backgroundMaxAgeMs` when taken (the writer is that far behind), or the oldest entry when a new
 *    key would exceed `backgroundMaxKeys`. Dropped callers resolve with `undefined`; counted.
 * 6. Bounds: a full `interactive` rejects at once with OverloadError (the API answers 503);
 *    a full `sync` makes `write()` wait, in arrival order, until a batch takes sync jobs out.
 * 7. After `close()` new writes fail with ClosedError; everything already accepted (including
 *    blocked sync writes and background entries, which become due at once) is still served.
 * 8. `syncLimit()` (from the store: the checkpointer's hold and WAL backlog) caps the sync jobs of
 *    the next batch. 0 while the checkpointer holds sync to copy a large backlog and restart the
 *    WAL (sync-hold.ts: bounded in time, so a pause, never a stop; the queue looks again every
 *    SYNC_HOLD_RECHECK_MS); 1 while the backlog stays large without a hold. Interactive and
 *    background keep their pace either way.
 */

export type WriteJob = {
  op: string;
  class: WriteClass;
  handler: string;
  payload: unknown;
  key?: string;
};

export type QueuedJob = {
  id: number;
  op: string;
  class: WriteClass;
  handler: string;
  payload: unknown;
  bytes: number;
  /** performance.now() at write(). */
  enqueuedAt: number;
  /** Callers answered by this job (several when background writes were coalesced). */
  waiters: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
  /** Coalescing slot of a background job. */
  slot?: string;
  /** Already taken into a batch once (then deferred). */
  taken?: boolean;
};

export type WriteQueueDeps = {
  metrics: WriterMetrics;
  now?: () => number;
  /** Most sync jobs the next batch may take (rule 8); absent: no cap. */
  syncLimit?: () => number;
};
export type WriteQueueInit = {
  interactiveMax?: number;
  syncMax?: number;
  backgroundMaxKeys?: number;
  backgroundFlushMs?: number;
  backgroundMaxAgeMs?: number;
  backgroundBatchMax?: number;
  batchMaxJobs?: number;
  batchMaxBytes?: number;
  syncMinShare?: number;
  overloadRetryMs?: number;
};

export class WriteQueue {
  /** Called when work may be taken (a job arrived, background became due); set by the writer. */
  onWork: () => void = () => {};
  readonly #metrics: WriterMetrics;
  readonly #now: () => number;
  readonly #cfg: Required<WriteQueueInit>;
  readonly #interactive = new WriteFifo<QueuedJob>();
  readonly #sync = new WriteFifo<QueuedJob>();
  readonly #syncBlocked = new WriteFifo<QueuedJob>();
  readonly #background = new Map<string, QueuedJob>();
  #backgroundDue = false;
  /** Sync jobs owed by rule 3b (whole credits lead the next batch). */
  #syncCredit = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Wakes the writer when a hold of sync jobs may have ended (rule 8). */
  #holdTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  #closed = false;
  readonly #syncLimit: () => number;

  constructor(deps: WriteQueueDeps, init: WriteQueueInit = {}) {
    this.#metrics = deps.metrics;
    this.#syncLimit = deps.syncLimit ?? (() => Number.POSITIVE_INFINITY);
    // Depth gauges read the queue when scraped: nothing to update per job.
    deps.metrics.sources.depth = (cls) => (cls === 'sync' ? this.#sync.length : this.depth(cls));
    deps.metrics.sources.blocked = () => this.#syncBlocked.length;
    this.#now = deps.now ?? (() => performance.now());
    this.#cfg = {
      interactiveMax: init.interactiveMax ?? WRITE_INTERACTIVE_QUEUE_MAX,
      syncMax: init.syncMax ?? WRITE_SYNC_QUEUE_MAX,
      backgroundMaxKeys: init.backgroundMaxKeys ?? WRITE_BACKGROUND_MAX_KEYS,
      backgroundFlushMs: init.backgroundFlushMs ?? WRITE_BACKGROUND_FLUSH_MS,
      backgroundMaxAgeMs: init.backgroundMaxAgeMs ?? WRITE_BACKGROUND_MAX_AGE_MS,
      backgroundBatchMax: init.backgroundBatchMax ?? WRITE_BACKGROUND_BATCH_MAX,
      batchMaxJobs: Math.max(1, init.batchMaxJobs ?? WRITE_BATCH_MAX_JOBS),
      batchMaxBytes: init.batchMaxBytes ?? WRITE_BATCH_MAX_BYTES,
      syncMinShare: Math.min(1, Math.max(0, init.syncMinShare ?? WRITE_SYNC_MIN_SHARE)),
      overloadRetryMs: init.overloadRetryMs ?? WRITE_OVERLOAD_RETRY_MS,
    };
  }

  /** Admits a job (rules 4–7); the promise settles when the writer settles the job. */
  push(job: WriteJob): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ClosedError('write queue'));
    const check = checkJob(job);
    if (check) return Promise.reject(check);
    if (job.class === 'interactive' && this.#interactive.length >= this.#cfg.interactiveMax) {
      this.#metrics.rejected.labels('interactive').inc();
      return Promise.reject(
        new OverloadError('interactive write queue', this.#cfg.overloadRetryMs),
      );
    }
    return new Promise((resolve, reject) => {
      const queued = this.#makeJob(job, { resolve, reject });
      if (job.class === 'background') this.#pushBackground(queued, job.key!);
      else if (job.class === 'interactive') this.#interactive.push(queued);
      else if (this.#sync.length >= this.#cfg.syncMax || this.#syncBlocked.length > 0) {
        this.#syncBlocked.push(queued);
      } else this.#sync.push(queued);
      if (job.class !== 'background') this.onWork();
    });
  }

  /** The next batch (rules 2–5), or an empty list when nothing is ready now. */
  take(): QueuedJob[] {
    const batch: QueuedJob[] = [];
    if (this.#backgroundDue) this.#takeBackground(batch);
    const budget = { slots: this.#cfg.batchMaxJobs, bytes: this.#cfg.batchMaxBytes };
    const cap = Math.max(0, this.#syncLimit());
    if (cap === 0 && this.#sync.length > 0) this.#armHoldTimer();
    const reserve =
      this.#sync.length > 0
        ? Math.min(
            this.#sync.length,
            cap,
            Math.ceil(this.#cfg.batchMaxJobs * this.#cfg.syncMinShare),
          )
        : 0;
    const lead = this.#takeFrom(
      this.#sync,
      batch,
      budget,
      Math.min(cap, Math.floor(this.#syncCredit)),
    );
    this.#takeFrom(this.#interactive, batch, budget, budget.slots - Math.max(0, reserve - lead));
    this.#takeFrom(this.#sync, batch, budget, Math.min(budget.slots, cap - lead));
    this.#takeFrom(this.#interactive, batch, budget, budget.slots);
    this.#admitBlocked();
    const now = this.#now();
    for (const job of batch) this.#markTaken(job, now);
    return batch;
  }

  /** The writer ran these jobs (not deferred): settles sync's credit (rule 3b). */
  ran(jobs: QueuedJob[]): void {
    const share = this.#cfg.syncMinShare;
    const earn = share >= 1 ? this.#cfg.batchMaxJobs : share / (1 - share);
    for (const job of jobs) {
      if (job.class === 'sync') this.#syncCredit = Math.max(0, this.#syncCredit - 1);
      else if (job.class === 'interactive' && this.#sync.length > 0) this.#syncCredit += earn;
    }
    if (this.#sync.length === 0) this.#syncCredit = 0;
    this.#syncCredit = Math.min(this.#syncCredit, this.#cfg.batchMaxJobs);
  }

  /** Deferred jobs (not started: the batch spent its time) go back to their class's head (rule 1). */
  putBack(jobs: QueuedJob[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i]!;
      if (job.class === 'interactive') this.#interactive.unshift(job);
      else if (job.class === 'sync') this.#sync.unshift(job);
      else this.#putBackBackground(job);
    }
  }

  /**
   * Takes the one interactive job waiting, for the writer's express lane (writer.ts, invariant 6);
   * undefined unless exactly one waits, so it cannot pass an earlier one (rule 1).
   */
  takeExpress(): QueuedJob | undefined {
    if (this.#interactive.length !== 1) return undefined;
    const job = this.#interactive.shift()!;
    this.#markTaken(job, this.#now());
    return job;
  }

  /** Observes a job's queue wait once (a deferred job's wait was observed the first time). */
  #markTaken(job: QueuedJob, now: number): void {
    if (job.taken) return;
    job.taken = true;
    this.#metrics.waitOf[job.class].observe((now - job.enqueuedAt) / 1000);
  }

  /** Nothing waits in any class. */
  get idle(): boolean {
    return (
      this.#interactive.length + this.#sync.length + this.#syncBlocked.length === 0 &&
      this.#background.size === 0
    );
  }

  /** Jobs that `take()` would return now (background counts only when due). */
  get ready(): boolean {
    return (
      this.#interactive.length + this.#sync.length > 0 ||
      (this.#backgroundDue && this.#background.size > 0)
    );
  }

  depth(cls: WriteClass): number {
    if (cls === 'interactive') return this.#interactive.length;
    if (cls === 'sync') return this.#sync.length + this.#syncBlocked.length;
    return this.#background.size;
  }

  /** Rule 7: refuse new writes; background becomes due at once so the drain includes it. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#backgroundDue = true;
    this.onWork();
  }

  #makeJob(job: WriteJob, waiter: QueuedJob['waiters'][number]): QueuedJob {
    return {
      id: this.#nextId++,
      op: job.op,
      class: job.class,
      handler: job.handler,
      payload: job.payload,
      bytes: estimateBytes(job.payload),
      enqueuedAt: this.#now(),
      waiters: [waiter],
    };
  }

  #takeFrom(
    queue: WriteFifo<QueuedJob>,
    batch: QueuedJob[],
    budget: { slots: number; bytes: number },
    limit: number,
  ): number {
    let taken = 0;
    while (queue.length > 0 && taken < limit && budget.slots > 0) {
      const job = queue.peek()!;
      if (job.bytes > budget.bytes && batch.length > 0) {
        budget.slots = 0; // rule 2: the batch is full by bytes
        return taken;
      }
      queue.shift();
      batch.push(job);
      taken++;
      budget.slots--;
      budget.bytes -= job.bytes;
    }
    return taken;
  }

  #pushBackground(queued: QueuedJob, key: string): void {
    const slot = `${queued.handler}\u0000${key}`;
    queued.slot = slot;
    const existing = this.#background.get(slot);
    if (existing) {
      // Latest wins; the entry keeps its place and first arrival time so it still becomes due.
      existing.payload = queued.payload;
      existing.bytes = queued.bytes;
      existing.op = queued.op;
      existing.waiters.push(...queued.waiters);
      this.#metrics.coalesced.inc();
      return;
    }
    if (this.#background.size >= this.#cfg.backgroundMaxKeys) {
      const oldest = this.#background.values().next().value!;
      this.#drop(oldest, 'overflow');
    }
    this.#background.set(slot, queued);
    this.#armTimer();
  }

  #putBackBackground(job: QueuedJob): void {
    const newer = this.#background.get(job.slot!);
    if (newer) {
      // A later write for the key arrived meanwhile: it wins; this job's callers wait for it.
      newer.waiters.push(...job.waiters);
      return;
    }
    this.#background.set(job.slot!, job);
    this.#backgroundDue = true;
  }

  #takeBackground(batch: QueuedJob[]): void {
    const now = this.#now();
    let taken = 0;
    for (const job of this.#background.values()) {
      if (taken >= this.#cfg.backgroundBatchMax) break;
      this.#background.delete(job.slot!);
      if (now - job.enqueuedAt > this.#cfg.backgroundMaxAgeMs && !this.#closed) {
        this.#drop(job, 'stale');
        continue;
      }
      batch.push(job);
      taken++;
    }
    if (this.#background.size === 0) this.#backgroundDue = false;
  }

  #drop(job: QueuedJob, reason: 'overflow' | 'stale'): void {
    this.#background.delete(job.slot!);
    this.#metrics.dropped.labels(reason).inc(job.waiters.length);
    this.#metrics.jobs.labels('background', 'dropped').inc(); // rare: unbound label lookup is fine
    for (const w of job.waiters) w.resolve(undefined);
  }

  #armTimer(): void {
    if (this.#timer || this.#backgroundDue) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#backgroundDue = true;
      this.onWork();
    }, this.#cfg.backgroundFlushMs);
  }

  #armHoldTimer(): void {
    if (this.#holdTimer) return;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      this.onWork();
    }, SYNC_HOLD_RECHECK_MS);
  }

  /** Rule 6: blocked sync writes enter, in order, as room frees. */
  #admitBlocked(): void {
    while (this.#syncBlocked.length > 0 && this.#sync.length < this.#cfg.syncMax) {
      this.#sync.push(this.#syncBlocked.shift()!);
    }
  }
}

const CLASSES = new Set(['interactive', 'sync', 'background']);

function checkJob(job: WriteJob): InvalidInputError | null {
  if (!CLASSES.has(job.class)) {
    return new InvalidInputError('must be interactive, sync or background', { field: 'class' });
  }
  if (typeof job.handler !== 'string' || job.handler === '') {
    return new InvalidInputError('must name a write handler', { field: 'handler' });
  }
  if (job.class === 'background' && (typeof job.key !== 'string' || job.key === '')) {
    return new InvalidInputError('background writes need a coalescing key', { field: 'key' });
  }
  return null;
}

/** Rough payload size for the batch byte budget: bytes of binary data and strings, 8 per scalar. */
export function estimateBytes(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null || depth > 6) return 8;
  let n = 8;
  if (Array.isArray(value)) for (const v of value) n += estimateBytes(v, depth + 1);
  else for (const v of Object.values(value)) n += estimateBytes(v, depth + 1);
  return n;
}
