import { debuglog } from 'node:util';
import { DIRECT_WRITER_BUSY_TIMEOUT_MS, DIRECT_WRITER_CONNECTIONS } from '../constants.ts';
import { ClosedError, InvalidInputError } from '../errors.ts';
import type { NamedThread } from '../obs/thread-heap.ts';
import type { WriteClass } from '../types.ts';
import type { Generation } from './generation.ts';
import { estimateBytes, type WriteJob } from './write-queue.ts';
import type { WriteTracker } from './writer.ts';
import { deserializeError, type SerializedError } from './writer-errors.ts';
import { extensionHrefs } from './writer-extensions.ts';
import type { WriterMetrics } from './writer-metrics.ts';
import type { BatchResult } from './writer-protocol.ts';
import { WriterThread } from './writer-thread.ts';

export type DirectWriterDeps = {
  metrics: WriterMetrics;
  generation: Generation;
  tracker?: WriteTracker;
  log?: (msg: string, extra?: object) => void;
};

export type DirectWriterInit = {
  path: string;
  extensions?: URL[];
  synchronous?: 'NORMAL' | 'FULL';
  connections?: number;
  busyTimeoutMs?: number;
};

type Pending = {
  job: WriteJob;
  enqueuedAt: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

/**
 * `mode: 'direct'` — for comparison only: the write pattern that fails in the field, built the way
 * a typical app builds it, not as a strawman.
 *
 * - Several read-write connections (`connections`, default 4), each on its own worker thread, each
 *   with SQLite's busy timeout (default 5 s) and SQLite's own auto-checkpoint left on.
 * - Every write is its own `BEGIN IMMEDIATE … COMMIT` on whichever connection has the fewest
 *   jobs waiting; classes are ignored, background writes are neither coalesced nor deferred.
 * - Nothing is retried beyond SQLite's busy timeout: a SQLITE_BUSY surfaces to the caller (as
 *   StoreError code STORE_BUSY) and is counted in `seedling_sqlite_busy_total`.
 * - Queues are unbounded: nobody is told "overloaded", they just wait.
 * Same `write()` API and metric names as the queued `Writer`, so a bench can swap one for the other.
 */
export class DirectWriter {
  readonly #deps: DirectWriterDeps;
  readonly #init: DirectWriterInit;
  readonly #log: (msg: string, extra?: object) => void;
  readonly #threads: WriterThread[] = [];
  readonly #queues: Pending[][] = [];
  readonly #counts: Record<WriteClass, number> = { interactive: 0, sync: 0, background: 0 };
  #handlers = new Set<string>();
  #closing = false;
  #idle: (() => void) | undefined;

  constructor(deps: DirectWriterDeps, init: DirectWriterInit) {
    this.#deps = deps;
    this.#init = init;
    this.#log = deps.log ?? debuglog('seedling:direct-writer');
    deps.metrics.sources.depth = (cls) => this.#counts[cls];
  }

  /** Opens the connections; the first runs the migrations before the others open. */
  async start(): Promise<void> {
    const n = Math.max(1, this.#init.connections ?? DIRECT_WRITER_CONNECTIONS);
    for (let i = 0; i < n; i++) {
      const thread = new WriterThread({
        path: this.#init.path,
        extensionUrls: extensionHrefs(this.#init.extensions),
        synchronous: this.#init.synchronous ?? 'NORMAL',
        generationBuffer: this.#deps.generation.buffer,
        busyTimeoutMs: this.#init.busyTimeoutMs ?? DIRECT_WRITER_BUSY_TIMEOUT_MS,
        disableAutoCheckpoint: false,
        runMigrations: i === 0,
        beginAttempts: 1,
        beginRetryMs: 0,
      });
      const ready = await thread.start();
      this.#handlers = new Set(ready.writeHandlers);
      this.#threads.push(thread);
      this.#queues.push([]);
    }
  }

  write<T = unknown>(job: WriteJob): Promise<T> {
    if (this.#closing) return Promise.reject(new ClosedError('writer'));
    if (!this.#handlers.has(job.handler)) {
      return Promise.reject(
        new InvalidInputError(`no write handler '${job.handler}'`, { field: 'handler' }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const i = this.#leastLoaded();
      const pending = { job, enqueuedAt: performance.now(), resolve, reject } as Pending;
      this.#queues[i]!.push(pending);
      this.#counts[job.class]++;
      this.#pump(i);
    });
  }

  /** Writes waiting or running, per class. */
  depth(cls: WriteClass): number {
    return this.#counts[cls];
  }

  /** Why writes cannot commit any more: the first connection thread that died. */
  failure(): Error | undefined {
    return this.#threads.find((t) => t.failure)?.failure;
  }

  /** The direct writers' worker threads (for per-thread metrics). */
  workerThreads(): NamedThread[] {
    return this.#threads.flatMap((t, i) =>
      t.worker ? [{ name: `writer-${i}`, worker: t.worker }] : [],
    );
  }

  /** Runs every accepted write, then closes the connections. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#allIdle()) {
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    }
    await Promise.all(this.#threads.map((t) => t.close()));
  }

  #leastLoaded(): number {
    let best = 0;
    for (let i = 1; i < this.#queues.length; i++) {
      if (this.#queues[i]!.length < this.#queues[best]!.length) best = i;
    }
    return best;
  }

  #pump(i: number): void {
    const thread = this.#threads[i]!;
    const queue = this.#queues[i]!;
    if (thread.busy || queue.length === 0) return;
    const p = queue[0]!;
    const started = performance.now();
    this.#deps.metrics.waitOf[p.job.class].observe((started - p.enqueuedAt) / 1000);
    const wire = [{ id: 1, op: p.job.op, handler: p.job.handler, payload: p.job.payload }];
    thread.run(wire, Number.POSITIVE_INFINITY).then(
      (result) => this.#finish(i, p, result),
      (err: unknown) => this.#fail(i, p, err),
    );
  }

  #finish(i: number, p: Pending, r: BatchResult): void {
    const m = this.#deps.metrics;
    m.transactionSeconds.observe(r.txMs / 1000);
    m.batchJobs.observe(1);
    m.batchBytes.observe(estimateBytes(p.job.payload));
    if (r.committed) m.commits.inc();
    if (r.busy > 0) m.busy.inc(r.busy);
    if (r.leaked > 0) m.leaked.inc(r.leaked);
    m.generation.set(r.generation);
    const outcome = r.outcomes[0]!;
    m.runOf[p.job.class].observe(outcome.runMs / 1000);
    this.#track(p, outcome.runMs, outcome.ok);
    if (outcome.ok) {
      m.jobsOf[p.job.class].ok.inc();
      this.#done(i);
      p.resolve(outcome.value);
    } else {
      this.#rejectWith(i, p, outcome.error);
    }
  }

  #rejectWith(i: number, p: Pending, e: SerializedError): void {
    if (e.code === 'STORE_BUSY') this.#log('SQLITE_BUSY', { op: p.job.op });
    this.#deps.metrics.jobsOf[p.job.class].failed.inc();
    this.#done(i);
    p.reject(deserializeError(e, `write ${p.job.handler} (${p.job.op})`));
  }

  #fail(i: number, p: Pending, err: unknown): void {
    this.#deps.metrics.jobsOf[p.job.class].failed.inc();
    this.#track(p, 0, false);
    this.#done(i);
    p.reject(err);
  }

  #track(p: Pending, runMs: number, ok: boolean): void {
    const waitMs = performance.now() - p.enqueuedAt - runMs;
    this.#deps.tracker?.record({ op: p.job.op, kind: 'write', waitMs, runMs, ok });
  }

  /** The head job of queue `i` finished: start the next one. */
  #done(i: number): void {
    const p = this.#queues[i]!.shift();
    if (p) this.#counts[p.job.class]--;
    this.#pump(i);
    if (this.#closing && this.#allIdle()) this.#idle?.();
  }

  #allIdle(): boolean {
    return this.#queues.every((q) => q.length === 0);
  }
}
