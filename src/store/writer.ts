import { debuglog } from 'node:util';
import {
  WRITE_BATCH_INTERACTIVE_MAX_MS,
  WRITE_BATCH_MAX_MS,
  WRITER_BEGIN_ATTEMPTS,
  WRITER_BEGIN_RETRY_MS,
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
import type { BatchResult, JobOutcome, WorkerReady } from './writer-protocol.ts';
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
};

/**
 * The single writer: the admission queue on the main thread, the only read-write connection on its
 * own worker thread (DESIGN §3).
 *
 * Invariants:
 * 1. One batch in flight: the next batch is taken from the queue only when the previous result is
 *    back, so priorities apply to everything that arrived meanwhile.
 * 2. A caller's promise settles only from the batch result, i.e. after COMMIT (or with the job's
 *    own error); the generation has moved by then.
 * 3. `close()` stops admission, drains every accepted job, then closes the connection.
 * 4. An interactive write that arrives while a batch runs raises a shared flag; the writer thread
 *    ends that batch after the job it is running (writer-batch.ts, invariant 5). The batch that
 *    takes the write has a short time budget (`interactiveBatchMaxMs`), so it commits soon after
 *    it: the user's write waits for one job and two COMMITs, not for two batches' budgets.
 */
export class Writer {
  readonly #deps: WriterDeps;
  readonly #init: WriterInit;
  readonly #queue: WriteQueue;
  readonly #thread: WriterThread;
  readonly #log: (msg: string, extra?: object) => void;
  /** Raised while an interactive write waits behind the batch in flight (invariant 4). */
  readonly #interactive = new InteractiveWaiting();
  #handlers = new Set<string>();
  #inFlight = false;
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
    this.#thread = new WriterThread({
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
    });
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
    if (job.class === 'interactive' && this.#inFlight) this.#interactive.raise();
    return acked;
  }

  /** Jobs waiting in a class (tests, debug page). */
  depth(cls: WriteJob['class']): number {
    return this.#queue.depth(cls);
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
    if (this.#inFlight || !this.#started) return;
    const batch = this.#queue.take();
    if (batch.length === 0) {
      this.#checkDrained();
      return;
    }
    // The flag is for writes waiting behind this batch: those taken now are in it.
    if (this.#queue.depth('interactive') > 0) this.#interactive.raise();
    else this.#interactive.clear();
    this.#inFlight = true;
    this.#run(batch).then(
      () => this.#next(),
      (err: unknown) => {
        this.#log('writer batch failed', { error: String(err) });
        for (const job of batch) this.#reject(job, err);
        this.#next();
      },
    );
  }

  #next(): void {
    this.#inFlight = false;
    this.#pump();
  }

  async #run(batch: QueuedJob[]): Promise<void> {
    const byId = new Map(batch.map((j) => [j.id, j]));
    // A user's write is acknowledged at COMMIT: its batch stops taking new jobs soon after it.
    const sent = batch.some((j) => j.class === 'interactive')
      ? (this.#init.interactiveBatchMaxMs ?? WRITE_BATCH_INTERACTIVE_MAX_MS)
      : (this.#init.batchMaxMs ?? WRITE_BATCH_MAX_MS);
    const wire = batch.map((j) => ({ id: j.id, op: j.op, handler: j.handler, payload: j.payload }));
    let result: BatchResult;
    try {
      result = await this.#thread.run(wire, sent);
    } catch (err) {
      if ((err as Error).name !== 'DataCloneError') throw err;
      return this.#runCloneable(batch);
    }
    this.#record(batch, result);
    // Deferred jobs go back first, so `ran` sees the sync jobs still waiting (rule 3b).
    this.#queue.putBack(result.deferred.map((id) => byId.get(id)!));
    this.#queue.ran(result.outcomes.map((o) => byId.get(o.id)!));
    for (const outcome of result.outcomes) this.#settle(byId.get(outcome.id)!, outcome);
  }

  /** A payload was not plain data: fail those jobs alone and run the rest. */
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
    if (ok.length > 0) await this.#run(ok);
  }

  #record(batch: QueuedJob[], r: BatchResult): void {
    const m = this.#deps.metrics;
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
    if (this.#closing && !this.#inFlight && this.#queue.idle) this.#drained?.();
  }
}
