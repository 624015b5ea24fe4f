import { debuglog } from 'node:util';
import {
  WRITE_BATCH_INTERACTIVE_MAX_MS,
  WRITE_BATCH_MAX_MS,
  WRITER_BATCHES_IN_FLIGHT,
  WRITER_BEGIN_ATTEMPTS,
  WRITER_BEGIN_RETRY_MS,
  WRITER_EXPRESS_LANE,
  WRITER_SCHED_BATCH,
} from '../constants.ts';
import { ClosedError, InvalidInputError } from '../errors.ts';
import type { NamedThread } from '../obs/thread-heap.ts';
import type { Generation } from './generation.ts';
import { InteractiveWaiting } from './interactive-waiting.ts';
import { type QueuedJob, type WriteJob, WriteQueue, type WriteQueueInit } from './write-queue.ts';
import { deserializeError } from './writer-errors.ts';
import { extensionHrefs } from './writer-extensions.ts';
import type { WriterGate } from './writer-gate.ts';
import type { WriterMetrics } from './writer-metrics.ts';
import type { BatchResult, JobOutcome, WireJob, WorkerReady } from './writer-protocol.ts';
import { WriterThread } from './writer-thread.ts';

/** What the writers report per job (READERS' OperationTracker satisfies it). */
export type WriteTracker = {
  record(e: {
    op: string;
    kind: 'write' | 'read';
    waitMs: number;
    runMs: number;
    ok: boolean;
  }): void;
};

export type WriterDeps = {
  metrics: WriterMetrics;
  generation: Generation;
  /** Shared with the checkpointer so its TRUNCATE waits for the writer's batch (see writer-gate.ts). */
  gate?: WriterGate;
  tracker?: WriteTracker;
  log?: (msg: string, extra?: object) => void;
  /** Caps sync jobs per batch (write-queue rule 8: WAL back-pressure). */
  syncLimit?: () => number;
};

export type WriterInit = WriteQueueInit & {
  path: string;
  extensions?: URL[];
  synchronous?: 'NORMAL' | 'FULL';
  /** Time budget of one batch on the writer thread (ms). */
  batchMaxMs?: number;
  /** The same for a batch holding an interactive write (default WRITE_BATCH_INTERACTIVE_MAX_MS). */
  interactiveBatchMaxMs?: number;
  beginAttempts?: number;
  /** Run the writer thread under SCHED_BATCH (default WRITER_SCHED_BATCH; thread-priority.ts). */
  schedBatch?: boolean;
  /** The express lane for the user's writes (invariant 6; default WRITER_EXPRESS_LANE). */
  express?: boolean;
};

/**
 * The single writer: the admission queue on the main thread, the only read-write connection on its
 * own worker thread (DESIGN §3).
 *
 * Invariants:
 * 1. Up to WRITER_BATCHES_IN_FLIGHT (2) batches in flight: the one running and the next, already
 *    at the writer thread, so the writer never waits for the main thread between commits. Each
 *    batch is taken when a slot frees, so priorities apply to everything that arrived until then.
 * 2. A caller's promise settles only from the batch result (or the express result, invariant 6),
 *    i.e. after COMMIT (or with the job's own error); the generation has moved by then.
 * 3. `close()` stops admission, drains every accepted job, then closes the connection.
 * 4. An interactive write that arrives while a batch runs, and cannot take the express lane
 *    (invariant 6), raises a shared flag; the writer thread ends that batch after the job it is
 *    running (writer-batch.ts, invariant 5). The batch that takes the write has a short time
 *    budget (`interactiveBatchMaxMs`), so it commits soon after it: the user's write waits for one
 *    job and two COMMITs, not for two batches' budgets.
 * 5. Write-queue rule 1 (FIFO within a class) holds with a batch sent ahead: when a batch defers
 *    jobs, the batch behind it was built too early and comes back unrun (writer-batch.ts,
 *    invariant 6); the main thread takes nothing new until both are back, then returns the
 *    deferred jobs of both to the queue's head in batch order.
 * 6. The express lane: a user's write that arrives while a batch is in flight, with no other
 *    interactive job waiting or in flight, goes straight to the writer thread on a port of its
 *    own; the writer runs it after the job it is running, inside that batch's transaction, and
 *    commits (writer-batch.ts, invariant 7). Its acknowledgement then needs the main thread once,
 *    not three times (read the result, build and send the next batch, read that result): under a
 *    sync storm each of those waits for a busy event loop. One job uses the lane at a time, and
 *    only when no other interactive job waits or is in flight, so interactive jobs still commit
 *    in arrival order and the interactive queue's bound still holds (plus this one job).
 */
export class Writer {
  readonly #deps: WriterDeps;
  readonly #init: WriterInit;
  readonly #queue: WriteQueue;
  readonly #thread: WriterThread;
  readonly #expressLane: boolean;
  readonly #log: (msg: string, extra?: object) => void;
  /** Raised while an interactive write waits behind the batch in flight (invariant 4). */
  readonly #interactive = new InteractiveWaiting();
  #handlers = new Set<string>();
  #inFlight = 0;
  /** Interactive jobs in batches in flight, and express jobs not yet answered (invariant 6). */
  #interactiveInFlight = 0;
  #expressInFlight = 0;
  /** Number of the last batch sent, and of the last whose result came back (invariant 5). */
  #seq = 0;
  #seen = 0;
  /** Results whose jobs wait to go back to the queue (invariant 5), oldest first. */
  #returned: { deferred: QueuedJob[]; ran: QueuedJob[] }[] = [];
  #scheduled = false;
  #started = false;
  #closing = false;
  #drained: (() => void) | undefined;

  constructor(deps: WriterDeps, init: WriterInit) {
    this.#deps = deps;
    this.#init = init;
    this.#log = deps.log ?? debuglog('seedling:writer');
    this.#queue = new WriteQueue(
      { metrics: deps.metrics, ...(deps.syncLimit ? { syncLimit: deps.syncLimit } : {}) },
      init,
    );
    this.#queue.onWork = () => this.#schedule();
    this.#expressLane = init.express ?? WRITER_EXPRESS_LANE;
    this.#thread = new WriterThread(
      {
        path: init.path,
        extensionUrls: extensionHrefs(init.extensions),
        synchronous: init.synchronous ?? 'NORMAL',
        generationBuffer: deps.generation.buffer,
        busyTimeoutMs: 0,
        disableAutoCheckpoint: true,
        runMigrations: true,
        beginAttempts: init.beginAttempts ?? WRITER_BEGIN_ATTEMPTS,
        beginRetryMs: WRITER_BEGIN_RETRY_MS,
        ...(deps.gate ? { gateBuffer: deps.gate.buffer } : {}),
        schedBatch: init.schedBatch ?? WRITER_SCHED_BATCH,
        interactiveBuffer: this.#interactive.buffer,
      },
      { express: this.#expressLane },
    );
  }

  /** Starts the thread: opens the connection and applies migrations. */
  async start(): Promise<WorkerReady> {
    const ready = await this.#thread.start();
    this.#handlers = new Set(ready.writeHandlers);
    this.#started = true;
    this.#deps.metrics.generation.set(this.#deps.generation.get());
    this.#deps.metrics.schedBatch.set(ready.schedBatch ? 1 : 0);
    if (ready.appliedMigrations.length > 0) {
      this.#log('applied migrations', { versions: ready.appliedMigrations });
    }
    this.#pump();
    return ready;
  }

  /** See `Store.write`: resolves after COMMIT with the handler's return value. */
  write<T = unknown>(job: WriteJob): Promise<T> {
    if (this.#closing) return Promise.reject(new ClosedError('writer'));
    if (this.#started && !this.#handlers.has(job.handler)) {
      return Promise.reject(
        new InvalidInputError(`no write handler '${job.handler}'`, { field: 'handler' }),
      );
    }
    const acked = this.#queue.push(job) as Promise<T>;
    if (job.class === 'interactive' && this.#inFlight > 0) {
      if (!this.#sendExpress()) this.#interactive.raise();
    }
    return acked;
  }

  /** Invariant 6: true when the job just queued went on the express lane. */
  #sendExpress(): boolean {
    // One at a time, so the lane adds one job to the interactive queue's bound, not a second queue.
    if (!this.#expressLane || this.#interactiveInFlight > 0 || this.#expressInFlight > 0) {
      return false;
    }
    const job = this.#queue.takeExpress();
    if (job === undefined) return false;
    let answered: Promise<JobOutcome>;
    try {
      answered = this.#thread.express(wireJob(job));
    } catch (cause) {
      this.#reject(
        job,
        new InvalidInputError('must be plain data (structured clone)', { field: 'payload', cause }),
      );
      return true;
    }
    this.#expressInFlight++;
    this.#deps.metrics.express.inc();
    answered.then(
      (outcome) => {
        this.#expressInFlight--;
        this.#queue.ran([job]);
        this.#settle(job, outcome);
        this.#checkDrained();
      },
      (err: unknown) => {
        this.#expressInFlight--;
        this.#reject(job, err);
        this.#checkDrained();
      },
    );
    return true;
  }

  /** Jobs waiting in a class (tests, debug page). */
  depth(cls: WriteJob['class']): number {
    return this.#queue.depth(cls);
  }

  /** Why writes cannot commit any more (the thread died), unless the writer is closing. */
  failure(): Error | undefined {
    return this.#closing ? undefined : this.#thread.failure;
  }

  /** The writer's worker thread (for per-thread metrics). */
  workerThreads(): NamedThread[] {
    const worker = this.#thread.worker;
    return worker ? [{ name: 'writer', worker }] : [];
  }

  /** Invariant 3. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    this.#queue.close();
    this.#checkDrained();
    await drained;
    await this.#thread.close();
  }

  /** Pumps on the next microtask, so writes issued in the same tick share one batch. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#started && this.#inFlight < WRITER_BATCHES_IN_FLIGHT) {
      if (this.#returned.length > 0) return; // invariant 5: deferred jobs go back first
      if (!this.#send()) return;
    }
  }

  /** Takes and sends one batch; false when nothing is ready. */
  #send(): boolean {
    const batch = this.#queue.take();
    if (batch.length === 0) {
      this.#checkDrained();
      return false;
    }
    // The flag is for the user's writes waiting behind the running batch: in the queue, or in
    // this batch when it goes behind one already in flight.
    const behind = this.#inFlight > 0 && batch.some((j) => j.class === 'interactive');
    if (behind || this.#queue.depth('interactive') > 0) this.#interactive.raise();
    else this.#interactive.clear();
    this.#inFlight++;
    const interactive = batch.filter((j) => j.class === 'interactive').length;
    this.#interactiveInFlight += interactive;
    this.#run(batch, this.#nextOrder()).then(
      () => {
        this.#interactiveInFlight -= interactive;
        this.#pump();
      },
      (err: unknown) => {
        this.#interactiveInFlight -= interactive;
        this.#log('writer batch failed', { error: String(err) });
        for (const job of batch) this.#reject(job, err);
        this.#returnJobs();
        this.#pump();
        this.#checkDrained();
      },
    );
    return true;
  }

  #nextOrder(): { seq: number; basedOn: number } {
    return { seq: ++this.#seq, basedOn: this.#seen };
  }

  /**
   * Invariant 5: deferred jobs go back to the queue's head in batch order, and only once no batch
   * built before their deferral is still in flight; then the queue settles sync's credit.
   */
  #returnJobs(): void {
    const deferred = this.#returned.some((r) => r.deferred.length > 0);
    if (deferred && this.#inFlight > 0) return;
    for (let i = this.#returned.length - 1; i >= 0; i--) {
      this.#queue.putBack(this.#returned[i]!.deferred);
    }
    // After the put-back, so `ran` sees the sync jobs still waiting (rule 3b).
    for (const r of this.#returned) this.#queue.ran(r.ran);
    this.#returned = [];
  }

  /** Runs one batch, holding its in-flight slot until its result is back. */
  async #run(batch: QueuedJob[], order: { seq: number; basedOn: number }): Promise<void> {
    const byId = new Map(batch.map((j) => [j.id, j]));
    // A user's write is acknowledged at COMMIT: its batch stops taking new jobs soon after it.
    const sent = batch.some((j) => j.class === 'interactive')
      ? (this.#init.interactiveBatchMaxMs ?? WRITE_BATCH_INTERACTIVE_MAX_MS)
      : (this.#init.batchMaxMs ?? WRITE_BATCH_MAX_MS);
    const wire = batch.map(wireJob);
    let result: BatchResult;
    try {
      result = await this.#thread.run(wire, sent, order);
    } catch (err) {
      if ((err as Error).name === 'DataCloneError') return this.#runCloneable(batch);
      this.#inFlight--;
      throw err;
    }
    this.#inFlight--;
    this.#seen = Math.max(this.#seen, order.seq);
    this.#record(batch, result);
    this.#returned.push({
      deferred: result.deferred.map((id) => byId.get(id)!),
      ran: result.outcomes.map((o) => byId.get(o.id)!),
    });
    this.#returnJobs();
    // The batch behind this one (if any) runs now: the flag stays up only for writes still queued.
    if (this.#queue.depth('interactive') === 0) this.#interactive.clear();
    for (const outcome of result.outcomes) this.#settle(byId.get(outcome.id)!, outcome);
  }

  /**
   * A payload was not plain data (nothing was sent): fail those jobs alone and run the rest in the
   * same in-flight slot. (The rest may now run after a batch taken later: a caller's bug, rare.)
   */
  async #runCloneable(batch: QueuedJob[]): Promise<void> {
    const ok: QueuedJob[] = [];
    for (const job of batch) {
      try {
        structuredClone(job.payload);
        ok.push(job);
      } catch (cause) {
        this.#reject(
          job,
          new InvalidInputError('must be plain data (structured clone)', {
            field: 'payload',
            cause,
          }),
        );
      }
    }
    if (ok.length > 0) await this.#run(ok, this.#nextOrder());
    else this.#inFlight--;
  }

  #record(batch: QueuedJob[], r: BatchResult): void {
    const m = this.#deps.metrics;
    if (r.stale) {
      m.stale.inc();
      return;
    }
    m.transactionSeconds.observe(r.txMs / 1000);
    if (r.committed) m.commits.inc();
    m.batchJobs.observe(r.outcomes.length);
    m.batchBytes.observe(batch.reduce((n, j) => n + j.bytes, 0));
    if (r.busy > 0) {
      m.busy.inc(r.busy);
      this.#log('SQLITE_BUSY on the writer', { count: r.busy });
    }
    if (r.leaked > 0) {
      m.leaked.inc(r.leaked);
      this.#log('rolled back a leaked transaction on the writer');
    }
    if (r.deferred.length > 0) m.deferred.inc(r.deferred.length);
    if (r.yielded) m.yielded.inc();
    m.generation.set(r.generation);
  }

  #settle(job: QueuedJob, outcome: JobOutcome): void {
    const waitMs = performance.now() - job.enqueuedAt - outcome.runMs;
    this.#deps.metrics.runOf[job.class].observe(outcome.runMs / 1000);
    this.#deps.tracker?.record({
      op: job.op,
      kind: 'write',
      waitMs,
      runMs: outcome.runMs,
      ok: outcome.ok,
    });
    if (outcome.ok) {
      this.#deps.metrics.jobsOf[job.class].ok.inc();
      for (const w of job.waiters) w.resolve(outcome.value);
    } else {
      this.#reject(job, deserializeError(outcome.error, `write ${job.handler} (${job.op})`));
    }
  }

  #reject(job: QueuedJob, err: unknown): void {
    this.#deps.metrics.jobsOf[job.class].failed.inc();
    for (const w of job.waiters) w.reject(err);
  }

  #checkDrained(): void {
    if (
      this.#closing &&
      this.#inFlight === 0 &&
      this.#expressInFlight === 0 &&
      this.#returned.length === 0 &&
      this.#queue.idle
    ) {
      this.#drained?.();
    }
  }
}

/** What crosses to the writer thread of a queued job. */
function wireJob(job: QueuedJob): WireJob {
  return { id: job.id, op: job.op, handler: job.handler, payload: job.payload };
}
