import { Worker } from 'node:worker_threads';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CHECKPOINT_INTERVAL_MS, CHECKPOINT_TRUNCATE_ABOVE_BYTES } from '../constants.ts';
import { InvalidInputError, StoreError } from '../errors.ts';
import type { NamedThread } from '../obs/thread-heap.ts';
import { WalIndexReader } from './checkpointer-wal-index.ts';
import type {
  CheckpointerMessage,
  CheckpointerWorkerData,
  CheckpointReport,
} from './checkpointer-worker.ts';

export type CheckpointerDeps = {
  registry: Registry;
  log?: (msg: string, extra?: object) => void;
};

export type CheckpointerInit = {
  path: string;
  /** PASSIVE checkpoint period (ms). */
  intervalMs?: number;
  /** TRUNCATE once a PASSIVE drained the WAL and the file is larger than this (bytes). */
  truncateAboveBytes?: number;
  /** The writer's gate (`writer-gate.ts`): TRUNCATE/RESTART run only while holding it. */
  writeGateBuffer?: SharedArrayBuffer;
  /**
   * The writer's sync hold (`sync-hold.ts`): when the WAL backlog is above `aboveBytes`, sync is
   * held while the backlog is copied and the WAL restarted. Absent: the checkpointer never holds.
   */
  syncHold?: { buffer: SharedArrayBuffer; aboveBytes: number };
};

export type CheckpointerStats = {
  walBytes: number;
  walMaxBytes: number;
  /** WAL bytes not yet copied into the database, now (from the wal-index header). */
  walBacklogBytes: number;
  passives: number;
  restarts: number;
  truncates: number;
  busy: number;
  errors: number;
  /** Holds of sync writes (step 5 of checkpointer-worker.ts) and their total time (ms). */
  syncHolds: number;
  syncHeldMs: number;
  last: CheckpointReport | undefined;
};

/** How long `stop()` waits for the thread to close its connection before terminating it. */
const STOP_GRACE_MS = 5_000;

/**
 * Runs WAL checkpoints on their own thread and connection (DESIGN §3: checkpoints off the writer).
 * The policy lives in `checkpointer-worker.ts`; this side starts and stops the thread and turns
 * its reports into metrics.
 *
 * Invariants:
 * 1. The checkpointer never blocks the writer: its connection has `busy_timeout=0`, PASSIVE takes
 *    no write lock, RESTART runs only when almost nothing is left to copy or sync, and TRUNCATE
 *    (slow on a large file) only when the writer has been idle for an interval (see
 *    checkpointer-worker.ts for the measurements behind this).
 * 2. `start()` resolves after the start-up TRUNCATE ran (drained or reported busy).
 * 3. Errors of single checkpoints are counted and logged (rate-limited), never thrown: a missed
 *    checkpoint is retried on the next tick.
 */
export class Checkpointer {
  readonly path: string;
  readonly intervalMs: number;
  readonly truncateAboveBytes: number;
  readonly #writeGateBuffer: SharedArrayBuffer | undefined;
  readonly #syncHold: CheckpointerInit['syncHold'];
  readonly #deps: CheckpointerDeps;
  readonly #stats: CheckpointerStats = {
    walBytes: 0,
    walMaxBytes: 0,
    walBacklogBytes: 0,
    passives: 0,
    restarts: 0,
    truncates: 0,
    busy: 0,
    errors: 0,
    syncHolds: 0,
    syncHeldMs: 0,
    last: undefined,
  };
  readonly #metrics: CheckpointMetrics;
  #worker: Worker | undefined;
  #lastErrorLog = 0;
  /** Closed in stop(), which the store calls after every other connection closed. */
  readonly #walIndex: WalIndexReader;

  constructor(deps: CheckpointerDeps, init: CheckpointerInit) {
    this.#deps = deps;
    this.path = init.path;
    this.intervalMs = positive(init.intervalMs ?? CHECKPOINT_INTERVAL_MS, 'intervalMs');
    this.truncateAboveBytes = nonNegative(
      init.truncateAboveBytes ?? CHECKPOINT_TRUNCATE_ABOVE_BYTES,
      'truncateAboveBytes',
    );
    this.#walIndex = new WalIndexReader(init.path);
    this.#writeGateBuffer = init.writeGateBuffer;
    if (init.syncHold) nonNegative(init.syncHold.aboveBytes, 'syncHold.aboveBytes');
    this.#syncHold = init.syncHold;
    this.#metrics = new CheckpointMetrics(
      deps.registry,
      () => this.#stats.walBytes,
      () => this.walBacklogBytes(),
    );
  }

  /** Starts the thread; resolves once the start-up TRUNCATE has run. */
  start(): Promise<void> {
    if (this.#worker) return Promise.resolve();
    const workerData: CheckpointerWorkerData = {
      path: this.path,
      intervalMs: this.intervalMs,
      truncateAboveBytes: this.truncateAboveBytes,
      ...(this.#writeGateBuffer ? { writeGateBuffer: this.#writeGateBuffer } : {}),
      ...(this.#syncHold
        ? { syncHoldBuffer: this.#syncHold.buffer, holdAboveBytes: this.#syncHold.aboveBytes }
        : {}),
    };
    const worker = new Worker(new URL('./checkpointer-worker.ts', import.meta.url), { workerData });
    this.#worker = worker;
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined; // died on its own: stop() has nothing to wait for
    });
    return new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        this.#worker = undefined;
        reject(
          new StoreError('start checkpointer', { cause: err, code: 'STORE_CHECKPOINTER_FAILED' }),
        );
      };
      worker.on('message', (msg: CheckpointerMessage) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'fatal') fail(new Error(msg.error));
        else if (msg.type === 'checkpoint') this.#onReport(msg);
        else if (msg.type === 'sync-hold') this.#onHold(msg.ms);
      });
      worker.once('error', (err) => {
        this.#deps.log?.('checkpointer: thread failed', { error: err.message });
        fail(err);
      });
    });
  }

  /** Whether the thread runs (false before start, after stop, and after it died). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** The checkpointer's worker thread (for per-thread metrics). */
  workerThreads(): NamedThread[] {
    return this.#worker ? [{ name: 'checkpointer', worker: this.#worker }] : [];
  }

  /** Stops the timer, closes the connection, ends the thread. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' });
      const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(grace);
    }
    this.#walIndex.close();
  }

  /** Size of the WAL file at the last checkpoint (bytes). */
  walBytes(): number {
    return this.#stats.walBytes;
  }

  /**
   * WAL bytes the last PASSIVE could not copy yet. The signal for back-pressure on bulk (`sync`)
   * writes: while the writer outruns the checkpointer this grows and no RESTART/TRUNCATE can run.
   */
  walBacklogBytes(): number {
    return this.#walIndex.backlogBytes();
  }

  /** Counters since start and the last report (tests, benches, /debug). */
  stats(): CheckpointerStats {
    return { ...this.#stats, walBacklogBytes: this.walBacklogBytes() };
  }

  #onReport(r: CheckpointReport): void {
    const s = this.#stats;
    s.last = r;
    s.walBytes = r.walBytes;
    s.walMaxBytes = Math.max(s.walMaxBytes, r.walBytes);
    if (r.mode === 'PASSIVE') s.passives++;
    if (r.error !== undefined) s.errors++;
    else if (r.busy !== 0) s.busy++;
    else if (r.mode === 'TRUNCATE') s.truncates++;
    else if (r.mode === 'RESTART') s.restarts++;
    this.#metrics.observe(r);
    if (r.error !== undefined) this.#logError(r);
  }

  #onHold(ms: number): void {
    this.#stats.syncHolds++;
    this.#stats.syncHeldMs += ms;
    this.#metrics.observeHold(ms);
  }

  /** At most one error line per minute: a stuck checkpoint would otherwise log every second. */
  #logError(r: CheckpointReport): void {
    const t = Date.now();
    if (t - this.#lastErrorLog < 60_000) return;
    this.#lastErrorLog = t;
    this.#deps.log?.('checkpointer: checkpoint failed', { mode: r.mode, error: r.error });
  }
}

class CheckpointMetrics {
  readonly #runs: Counter<'mode' | 'result'>;
  readonly #seconds: Histogram<'mode'>;
  readonly #logPages: Gauge;
  readonly #checkpointedPages: Gauge;
  readonly #holdSeconds: Histogram;

  constructor(registry: Registry, walBytes: () => number, backlogBytes: () => number) {
    const registers = [registry];
    this.#runs = new Counter({
      name: 'seedling_checkpoints_total',
      help: 'WAL checkpoints by mode (PASSIVE/RESTART/TRUNCATE) and result (done, partial, busy, error)',
      labelNames: ['mode', 'result'],
      registers,
    });
    this.#seconds = new Histogram({
      name: 'seedling_checkpoint_seconds',
      help: 'Duration of WAL checkpoints by mode',
      labelNames: ['mode'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.#logPages = new Gauge({
      name: 'seedling_checkpoint_log_pages',
      help: 'Pages in the WAL at the last checkpoint',
      registers,
    });
    this.#checkpointedPages = new Gauge({
      name: 'seedling_checkpoint_checkpointed_pages',
      help: 'Pages of the WAL copied into the database at the last checkpoint',
      registers,
    });
    this.#holdSeconds = new Histogram({
      name: 'seedling_checkpoint_sync_hold_seconds',
      help: 'Holds of sync writes while the checkpointer copied a large WAL backlog and restarted the WAL',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    });
    new Gauge({
      name: 'seedling_wal_backlog_bytes',
      help: 'WAL bytes not yet copied into the database (live, from the wal-index header)',
      registers,
      collect() {
        this.set(backlogBytes());
      },
    });
    new Gauge({
      name: 'seedling_wal_bytes',
      help: 'Size of the WAL file at the last checkpoint',
      registers,
      collect() {
        this.set(walBytes());
      },
    });
  }

  observeHold(ms: number): void {
    this.#holdSeconds.observe(ms / 1000);
  }

  observe(r: CheckpointReport): void {
    this.#runs.inc({ mode: r.mode, result: resultOf(r) });
    this.#seconds.observe({ mode: r.mode }, r.ms / 1000);
    if (r.error === undefined) {
      this.#logPages.set(r.logPages);
      this.#checkpointedPages.set(r.checkpointedPages);
    }
  }
}

function resultOf(r: CheckpointReport): 'done' | 'partial' | 'busy' | 'error' {
  if (r.error !== undefined) return 'error';
  if (r.busy !== 0) return 'busy';
  return r.logPages === r.checkpointedPages ? 'done' : 'partial';
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidInputError('must be a positive number', { field });
  return value;
}

function nonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidInputError('must be a non-negative number', { field });
  return value;
}
