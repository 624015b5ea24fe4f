import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Gauge, type Registry } from 'prom-client';
import {
  READER_APP_IDLE_MS,
  READER_BULK_NICE,
  READER_CACHE_SIZE_KIB,
  READER_DEFAULT_THREADS_MAX,
  READER_DEFAULT_THREADS_MIN,
  READER_MAX_READ_MS,
  READER_OVERLOAD_RETRY_MS,
  READER_QUEUE_MAX,
  READER_YOUNG_GENERATION_MB,
} from '../constants.ts';
import {
  ClosedError,
  InvalidInputError,
  OverloadError,
  ReadAbortedError,
  ReadTimeoutError,
} from '../errors.ts';
import {
  LightCounter,
  type LightCounterChild,
  LightHistogram,
  type LightHistogramChild,
} from '../obs/metrics.ts';
import type { OperationTracker } from '../obs/operation-tracker.ts';
import type { NamedThread } from '../obs/thread-heap.ts';
import { epochMs } from './epoch-ms.ts';
import { Generation } from './generation.ts';
import type { ReaderWorkerData, ReadResult, ReadTask } from './reader-worker.ts';
import { deserializeError } from './writer-errors.ts';

export type ReaderPoolDeps = {
  registry: Registry;
  tracker?: OperationTracker;
  log?: (msg: string, extra?: object) => void;
};

export type ReaderPoolInit = {
  path: string;
  /** Store extension modules whose `readHandlers` the threads serve. */
  extensions: URL[];
  /** Reader threads of each lane (default: the cores less one, clamped to 1–4). */
  threads?: number;
  /** Threads of the `bulk` lane (default: `threads`). */
  bulkThreads?: number;
  /** OS nice value of the bulk threads (default READER_BULK_NICE; 0: no change). */
  bulkNice?: number;
  /** V8 young generation of each thread, MiB (default READER_YOUNG_GENERATION_MB; 0: V8's own). */
  youngGenerationMb?: number;
  /** Time bound of one read (ms); past it the read is stopped with ReadTimeoutError. */
  maxReadMs?: number;
  /** Reads waiting for a thread; beyond it `run()` throws OverloadError. */
  queueMax?: number;
  /** The store's generation counter, so handlers see `ctx.generation`; a private one if absent. */
  generationBuffer?: SharedArrayBuffer;
  cacheSizeKiB?: number;
  /** After this long without an app read, bulk reads may borrow free app threads (invariant 4). */
  appIdleMs?: number;
  /**
   * Separate lanes (invariant 4; the default). `false`: one set of `threads` threads and one FIFO
   * for every read, app and sync alike, as a node without lanes has: the storm bench's naive profile.
   */
  lanes?: boolean;
};

/** How long the slot of a stopped read stays out of use (see #releaseSlot). */
const SLOT_QUARANTINE_MS = 2_000;

type InFlight = {
  controller: AbortController;
  reason: 'timeout' | 'caller' | null;
};

/**
 * `app`: reads the app waits on; `lookup`: other short reads something waits on (sync's point
 * lookups), on the app threads but not counted as the app being active; `bulk`: sync's heavy
 * reads, on threads of their own (invariant 4).
 */
export type ReadLane = 'app' | 'lookup' | 'bulk';

export type ReadOptions = {
  signal?: AbortSignal;
  lane?: ReadLane;
  /** Buffers of `args` to move to the reader thread instead of copying; the caller must not use them after. */
  transfer?: ArrayBuffer[];
};
type PoolName = 'app' | 'bulk';
const POOLS: readonly PoolName[] = ['app', 'bulk'];

/**
 * A pool of read-only connections, one per worker thread, for queries that may scan and for CPU
 * work (signature checks). Reads never run on the main thread, so a slow one cannot stall the
 * event loop.
 *
 * Size: threads are bounded by CPU cores. A read is CPU work once its pages are in the page cache,
 * so more threads than cores only adds switching; the default, per lane, is the cores less one
 * (1 to 4), leaving a core for the main thread and the writer, which feed and drain the readers.
 * (Measured on 2 cores: one verify thread instead of two raised sync ingest by ~5%.)
 *
 * Invariants:
 * 1. At most `queueMax` reads wait; beyond it `run()` throws OverloadError at once.
 * 2. A read runs at most `maxReadMs` (+ one watchdog tick). The bound is enforced by terminating
 *    the worker thread (piscina aborts a running task that way): terminating ends the thread's
 *    connection and with it its snapshot, which is what lets checkpoints reclaim the WAL. A
 *    cooperative deadline check would need every handler's help and node:sqlite has no
 *    `sqlite3_interrupt`. Limit: V8 terminates at the next JS instruction, so a single SQL statement
 *    already inside SQLite runs to its end first; the caller is answered at once all the same.
 *    Piscina replaces the thread; the new one opens its connection on its first task.
 * 3. Each task holds a slot of a shared Float64Array from `run()` to its end; the worker writes its
 *    start time there while the handler runs. The slots drive the watchdog and the oldest-read gauge.
 *    (Plain aligned 8-byte stores, not Atomics: a torn read could only skew one gauge sample or
 *    delay a stop by one watchdog tick.)
 * 4. Two lanes, each with threads of its own. `app` reads (what the API answers) never wait behind
 *    `bulk` reads (sync's verification batches, indexing, haves sets, serving peers), however hard
 *    sync pulls. The bulk threads run at a lower OS priority (`bulkNice`, set per thread on Linux):
 *    when the CPU is short, the kernel runs the main thread, the writer and the app's readers
 *    first, and sync's CPU work takes what is left; when the app is quiet, bulk has every core.
 *    Where a thread's priority cannot be set (not Linux), the lanes still keep their own threads.
 *    While the app is idle (no `app` read nor `noteAppActivity()`, which the API calls on every
 *    request, for `appIdleMs`), bulk reads go to the app threads instead, at normal priority:
 *    sync alone on the node is not slowed by the lower priority meant for sharing with the app.
 *    At most one task per app thread is handed to piscina; the rest wait here, app reads ahead of
 *    bulk ones. So the first app read after an idle spell waits only for the tasks already
 *    running (callers keep bulk tasks short); from then on new bulk reads go to their own threads.
 *    (Never to both sets at once: CPU-bound reads on more threads than cores only slow the main
 *    thread and the writer, which feed and drain them.)
 */
export class ReaderPool {
  readonly threads: number;
  readonly maxReadMs: number;
  readonly queueMax: number;
  /** Threads of the `bulk` lane; 0 without lanes (`lanes: false`). */
  readonly bulkThreads: number;
  readonly #pools: { app: Piscina<ReadTask, ReadResult>; bulk?: Piscina<ReadTask, ReadResult> };
  readonly #appIdleMs: number;
  /** performance.now() of the last app read (invariant 4). */
  #lastAppAt = Number.NEGATIVE_INFINITY;
  /** Reads holding an app thread, and those waiting for one, by lane (app reads first). */
  #appRunning = 0;
  readonly #appWaiting: { app: (() => void)[]; bulk: (() => void)[] } = { app: [], bulk: [] };

  readonly #slots: Float64Array;
  readonly #freeSlots: number[];
  readonly #inFlight = new Map<number, InFlight>();
  readonly #metrics: ReaderMetrics;
  readonly #deps: ReaderPoolDeps;
  #watchdog: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: ReaderPoolDeps, init: ReaderPoolInit) {
    this.#deps = deps;
    this.threads = positiveInt(init.threads ?? defaultThreads(), 'threads');
    this.maxReadMs = positiveInt(init.maxReadMs ?? READER_MAX_READ_MS, 'maxReadMs');
    const lanes = init.lanes ?? true;
    this.bulkThreads = lanes ? positiveInt(init.bulkThreads ?? this.threads, 'bulkThreads') : 0;
    this.queueMax = positiveInt(init.queueMax ?? READER_QUEUE_MAX, 'queueMax');
    this.#appIdleMs = init.appIdleMs ?? READER_APP_IDLE_MS;
    const bulkNice = init.bulkNice ?? READER_BULK_NICE;
    if (!Number.isInteger(bulkNice) || bulkNice < 0 || bulkNice > 19) {
      throw new InvalidInputError('must be an integer from 0 to 19', { field: 'bulkNice' });
    }
    const youngMb = init.youngGenerationMb ?? READER_YOUNG_GENERATION_MB;
    if (!Number.isInteger(youngMb) || youngMb < 0) {
      throw new InvalidInputError('must be a whole number of MiB, 0 for V8’s own sizing', {
        field: 'youngGenerationMb',
      });
    }
    // Both lanes share one queue bound: a slot per waiting or running read.
    const slotCount = this.queueMax + this.threads + this.bulkThreads;
    const slots = new SharedArrayBuffer(slotCount * Float64Array.BYTES_PER_ELEMENT);
    this.#slots = new Float64Array(slots);
    this.#freeSlots = Array.from({ length: slotCount }, (_, i) => slotCount - 1 - i);
    const workerData: ReaderWorkerData = {
      path: init.path,
      extensions: init.extensions.map((u) => u.href),
      generation: init.generationBuffer ?? new Generation().buffer,
      slots,
      cacheSizeKiB: init.cacheSizeKiB ?? READER_CACHE_SIZE_KIB,
      nice: 0,
    };
    const pool = (threads: number, nice: number) =>
      new Piscina<ReadTask, ReadResult>({
        filename: fileURLToPath(new URL('./reader-worker.ts', import.meta.url)),
        name: 'default',
        minThreads: threads,
        maxThreads: threads,
        idleTimeout: Number.POSITIVE_INFINITY,
        // Our own check in run() is the bound (it answers OverloadError); piscina's is a backstop.
        maxQueue: this.queueMax + threads,
        workerData: { ...workerData, nice },
        ...(youngMb > 0 ? { resourceLimits: { maxYoungGenerationSizeMb: youngMb } } : {}),
      });
    this.#pools = {
      app: pool(this.threads, 0),
      ...(lanes ? { bulk: pool(this.bulkThreads, bulkNice) } : {}),
    };
    this.#metrics = new ReaderMetrics(deps.registry, {
      threads: { app: this.threads, bulk: this.bulkThreads },
      queueSize: (lane) => this.#queued(lane),
      oldestReadMs: () => this.oldestReadMs(),
      running: () => this.runningReads(),
    });
  }

  /** Runs read handler `handler` with `args` on a reader thread of `lane`; `op` names the job for attribution. */
  async run<T = unknown>(
    op: string,
    handler: string,
    args: unknown,
    options: ReadOptions = {},
  ): Promise<T> {
    const { signal, lane = 'app', transfer } = options;
    if (lane === 'app') this.#lastAppAt = performance.now();
    const bulkPool = this.#pools.bulk;
    if (lane === 'bulk' && bulkPool) {
      const borrow = this.#borrowAppThread();
      this.#metrics.bulkOn[borrow ? 'app' : 'bulk'].inc();
      if (!borrow) return this.#run<T>(bulkPool, op, handler, args, signal, transfer);
    } else if (lane === 'bulk') {
      this.#metrics.bulkOn.app.inc();
    }
    // Without lanes a bulk read queues with the app's, first come first served.
    const queue = lane === 'bulk' && bulkPool ? this.#appWaiting.bulk : this.#appWaiting.app;
    await this.#appThread(queue, op, handler, signal);
    try {
      return await this.#run<T>(this.#pools.app, op, handler, args, signal, transfer);
    } finally {
      if (lane === 'app') this.#lastAppAt = performance.now();
      // The thread goes straight to the next waiter (app reads first), so a read arriving right
      // now cannot take it out of turn; with nobody waiting it is freed.
      const next = this.#appWaiting.app.shift() ?? this.#appWaiting.bulk.shift();
      if (next) next();
      else this.#appRunning--;
    }
  }

  /**
   * Takes one of the app threads, waiting (in `queue`, FIFO) while all are taken. The waiting is
   * ours, not piscina's: piscina parks tasks it could not place in a FIFO of its own ahead of any
   * custom queue, so only tasks admitted here, one per free thread, ever reach it.
   */
  async #appThread(
    queue: (() => void)[],
    op: string,
    handler: string,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted) throw new ReadAbortedError(op, handler, { cause: signal.reason });
    if (this.#appRunning < this.threads && this.#appWaitingCount() === 0) {
      this.#appRunning++;
      return;
    }
    if (this.#appWaitingCount() >= this.queueMax) {
      throw new OverloadError('reader queue', READER_OVERLOAD_RETRY_MS);
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        if (this.#closed) reject(new ClosedError('reader pool'));
        else resolve();
      };
      const onAbort = () => {
        const at = queue.indexOf(wake);
        if (at >= 0) queue.splice(at, 1);
        reject(new ReadAbortedError(op, handler, { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(wake);
    });
    // Woken by a finishing read, which handed its thread over (#appRunning already counts it).
  }

  #appWaitingCount(): number {
    return this.#appWaiting.app.length + this.#appWaiting.bulk.length;
  }

  /** Whether the app read or made a request in the last `ms` milliseconds. */
  appActiveWithin(ms: number): boolean {
    return performance.now() - this.#lastAppAt < ms;
  }

  /** The app is active though it read nothing here (an API request): see invariant 4. */
  noteAppActivity(): void {
    this.#lastAppAt = performance.now();
  }

  /** Whether a bulk read goes to the app threads: while the app is idle, all of them do. */
  #borrowAppThread(): boolean {
    return performance.now() - this.#lastAppAt > this.#appIdleMs;
  }

  async #run<T>(
    pool: Piscina<ReadTask, ReadResult>,
    op: string,
    handler: string,
    args: unknown,
    signal?: AbortSignal,
    transfer?: ArrayBuffer[],
  ): Promise<T> {
    if (this.#closed) throw new ClosedError('reader pool');
    if (signal?.aborted) throw new ReadAbortedError(op, handler, { cause: signal.reason });
    const slot = this.#freeSlots.pop();
    if (slot === undefined || this.queueSize >= this.queueMax) {
      if (slot !== undefined) this.#freeSlots.push(slot);
      this.#metrics.finished(handler, 'overloaded');
      throw new OverloadError('reader queue', READER_OVERLOAD_RETRY_MS);
    }
    const entry: InFlight = { controller: new AbortController(), reason: null };
    const onAbort = () => this.#abort(entry, 'caller');
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#inFlight.set(slot, entry);
    this.#ensureWatchdog();
    const queuedAt = epochMs();
    try {
      const task: ReadTask = { op, handler, args, slot };
      const result = await pool.run(task, {
        signal: entry.controller.signal,
        ...(transfer ? { transferList: transfer } : {}),
      });
      return this.#settle<T>(op, handler, queuedAt, result);
    } catch (err) {
      throw this.#failure(op, handler, queuedAt, slot, entry, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#slots[slot] = 0;
      this.#inFlight.delete(slot);
      this.#releaseSlot(slot, entry.reason !== null);
    }
  }

  /** Age of the oldest read running now (ms), 0 when none runs. */
  oldestReadMs(): number {
    let oldest = 0;
    for (let i = 0; i < this.#slots.length; i++) {
      const started = this.#slots[i] ?? 0;
      if (started > 0 && (oldest === 0 || started < oldest)) oldest = started;
    }
    return oldest === 0 ? 0 : Math.max(0, epochMs() - oldest);
  }

  /** Reads whose handler is running now. */
  runningReads(): number {
    let n = 0;
    for (let i = 0; i < this.#slots.length; i++) if ((this.#slots[i] ?? 0) > 0) n++;
    return n;
  }

  /** Reads waiting for a thread, both lanes. */
  get queueSize(): number {
    return this.#queued('app') + this.#queued('bulk');
  }

  /** Reads waiting for a thread of one set: the app set's wait here for admission (#appThread). */
  #queued(pool: PoolName): number {
    const waitingHere = pool === 'app' ? this.#appWaitingCount() : 0;
    return (this.#pools[pool]?.queueSize ?? 0) + waitingHere;
  }

  /** The reader threads of both lanes (for per-thread metrics). */
  workerThreads(): NamedThread[] {
    return (['app', 'bulk'] as const).flatMap((lane) =>
      (this.#pools[lane]?.threads ?? []).map((worker, i) => ({
        name: `reader-${lane}-${i}`,
        worker,
      })),
    );
  }

  /** Stops taking reads, lets running and queued ones finish, ends the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of [...this.#appWaiting.app.splice(0), ...this.#appWaiting.bulk.splice(0)]) {
      wake();
    }
    await Promise.all([this.#pools.app.close(), this.#pools.bulk?.close()]);
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #settle<T>(op: string, handler: string, queuedAt: number, result: ReadResult): T {
    const waitMs = Math.max(0, result.startedAt - queuedAt);
    // An unknown handler name is counted under one label, so a caller's typo cannot grow the label set.
    const label = !result.ok && result.error.field === 'handler' ? '(unknown)' : handler;
    this.#metrics.observe(label, waitMs, result.runMs, result.ok ? 'ok' : 'failed');
    this.#deps.tracker?.record({ op, kind: 'read', waitMs, runMs: result.runMs, ok: result.ok });
    if (!result.ok) throw deserializeError(result.error, `read ${handler} (${op})`);
    return result.value as T;
  }

  #failure(
    op: string,
    handler: string,
    queuedAt: number,
    slot: number,
    entry: InFlight,
    err: unknown,
  ): unknown {
    if (entry.reason === null) return err; // thrown by #settle (already counted) or by piscina itself
    const started = this.#slots[slot] ?? 0;
    const end = epochMs();
    const runMs = started > 0 ? end - started : 0;
    const waitMs = (started > 0 ? started : end) - queuedAt;
    const result = entry.reason === 'timeout' ? 'timeout' : 'aborted';
    this.#metrics.observe(handler, waitMs, runMs, result);
    this.#deps.tracker?.record({ op, kind: 'read', waitMs, runMs, ok: false });
    if (entry.reason === 'timeout') {
      this.#deps.log?.('reader-pool: read stopped at its time bound', { op, handler, runMs });
      return new ReadTimeoutError(op, handler, this.maxReadMs);
    }
    return new ReadAbortedError(op, handler, { cause: err });
  }

  /**
   * A stopped read's thread may still be inside a SQLite statement (it terminates when it returns to
   * JS): its slot waits a while before reuse, so that thread cannot clear a new task's start time.
   */
  #releaseSlot(slot: number, stopped: boolean): void {
    if (!stopped) {
      this.#freeSlots.push(slot);
      return;
    }
    setTimeout(() => {
      this.#slots[slot] = 0;
      this.#freeSlots.push(slot);
    }, SLOT_QUARANTINE_MS).unref();
  }

  #abort(entry: InFlight, reason: 'timeout' | 'caller'): void {
    if (entry.reason !== null) return;
    entry.reason = reason;
    entry.controller.abort(reason);
  }

  /** Stops reads past their bound; runs only while reads are in flight. */
  #ensureWatchdog(): void {
    if (this.#watchdog) return;
    const tick = Math.min(250, Math.max(5, Math.floor(this.maxReadMs / 10)));
    this.#watchdog = setInterval(() => this.#checkDeadlines(), tick);
    this.#watchdog.unref();
  }

  #checkDeadlines(): void {
    if (this.#inFlight.size === 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
      return;
    }
    const t = epochMs();
    for (const [slot, entry] of this.#inFlight) {
      const started = this.#slots[slot] ?? 0;
      if (started > 0 && t - started > this.maxReadMs) this.#abort(entry, 'timeout');
    }
  }
}

function defaultThreads(): number {
  return Math.min(
    READER_DEFAULT_THREADS_MAX,
    Math.max(READER_DEFAULT_THREADS_MIN, availableParallelism() - 1),
  );
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidInputError('must be a positive integer', { field });
  }
  return value;
}

type ReadOutcome = 'ok' | 'failed' | 'timeout' | 'aborted' | 'overloaded';

type ReaderGaugeSources = {
  threads: Record<PoolName, number>;
  queueSize: (pool: PoolName) => number;
  oldestReadMs: () => number;
  running: () => number;
};

const BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** The pool's Prometheus metrics; gauges are read from the pool at scrape time. */
class ReaderMetrics {
  readonly #wait: LightHistogramChild;
  readonly #run: LightHistogram;
  readonly #tasks: LightCounter;
  readonly #busy: LightCounterChild;
  /** Bulk reads by the threads that ran them: `own` (low priority) or `app` (borrowed while idle). */
  readonly bulkOn: Record<PoolName, LightCounterChild>;
  /** Children bound per (handler, result): a read does no label hashing (light metrics). */
  readonly #children = new Map<string, { run: LightHistogramChild; tasks: LightCounterChild }>();
  #busyMs = 0;
  #lastBusyMs = 0;
  #lastScrape = epochMs();

  constructor(registry: Registry, src: ReaderGaugeSources) {
    const registers = [registry];
    this.#wait = new LightHistogram(registry, {
      name: 'seedling_reader_queue_wait_seconds',
      help: 'Time reads waited for a reader thread',
      buckets: BUCKETS,
    }).child();
    this.#run = new LightHistogram(registry, {
      name: 'seedling_reader_run_seconds',
      help: 'Time read handlers ran, by handler',
      labelNames: ['handler'],
      buckets: BUCKETS,
    });
    this.#tasks = new LightCounter(registry, {
      name: 'seedling_reader_tasks_total',
      help: 'Reads by handler and result (ok, failed, timeout, aborted, overloaded)',
      labelNames: ['handler', 'result'],
    });
    const bulkOn = new LightCounter(registry, {
      name: 'seedling_reader_bulk_tasks_total',
      help: 'Bulk (sync) reads by the threads that ran them: bulk (lower priority) or app (borrowed while the app was idle)',
      labelNames: ['threads'],
    });
    this.bulkOn = { app: bulkOn.child('app'), bulk: bulkOn.child('bulk') };
    this.#busy = new LightCounter(registry, {
      name: 'seedling_reader_busy_seconds_total',
      help: 'Thread time spent running read handlers (rate / threads = utilisation)',
    }).child();
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const byLane = (name: string, help: string, read: (lane: PoolName) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['lane'],
        registers,
        collect() {
          for (const lane of POOLS) this.set({ lane }, read(lane));
        },
      });
    byLane('seedling_reader_threads', 'Reader threads by lane (app, bulk)', (l) => src.threads[l]);
    byLane('seedling_reader_queue_depth', 'Reads waiting for a reader thread, by lane', (l) =>
      src.queueSize(l),
    );
    gauge('seedling_reader_running', 'Reads whose handler is running now', src.running);
    gauge(
      'seedling_reader_oldest_read_seconds',
      'Age of the oldest read running now (0 when none)',
      () => src.oldestReadMs() / 1000,
    );
    gauge(
      'seedling_reader_utilisation',
      'Share of reader thread time spent in handlers since the last scrape',
      () => this.#utilisation(src.threads.app + src.threads.bulk),
    );
  }

  observe(handler: string, waitMs: number, runMs: number, result: ReadOutcome): void {
    const c = this.#child(handler, result);
    this.#wait.observe(waitMs / 1000);
    c.run.observe(runMs / 1000);
    c.tasks.inc();
    this.#busy.inc(runMs / 1000);
    this.#busyMs += runMs;
  }

  finished(handler: string, result: ReadOutcome): void {
    this.#child(handler, result).tasks.inc();
  }

  #child(handler: string, result: ReadOutcome) {
    const key = `${handler}\u0000${result}`;
    let c = this.#children.get(key);
    if (!c) {
      c = { run: this.#run.child(handler), tasks: this.#tasks.child(handler, result) };
      this.#children.set(key, c);
    }
    return c;
  }

  #utilisation(threads: number): number {
    const t = epochMs();
    const elapsed = t - this.#lastScrape;
    const busy = this.#busyMs - this.#lastBusyMs;
    this.#lastScrape = t;
    this.#lastBusyMs = this.#busyMs;
    return elapsed > 0 ? Math.min(1, busy / (threads * elapsed)) : 0;
  }
}
