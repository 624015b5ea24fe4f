import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from './writer-errors.ts';

/**
 * Messages between the main thread (`Writer`, `DirectWriter`) and a writer worker thread. Plain
 * data only: they cross by structured clone.
 */

/** Given to a writer worker at spawn. */
export type WriterWorkerData = {
  path: string;
  /** Store extension module URLs (hrefs), the built-in store extension first. */
  extensionUrls: string[];
  synchronous: 'NORMAL' | 'FULL';
  generationBuffer: SharedArrayBuffer;
  /** SQLite busy timeout of the connection: 0 for the queued writer (it never contends). */
  busyTimeoutMs: number;
  /** The queued writer leaves checkpoints to the checkpointer thread. */
  disableAutoCheckpoint: boolean;
  /** Only one connection runs migrations (the queued writer, or the first direct connection). */
  runMigrations: boolean;
  /** BEGIN IMMEDIATE attempts on SQLITE_BUSY before the batch fails (1 = no retry). */
  beginAttempts: number;
  beginRetryMs: number;
  /** WriterGate buffer shared with the checkpointer (queued writer only). */
  gateBuffer?: SharedArrayBuffer;
  /** Run the thread under SCHED_BATCH (thread-priority.ts): the queued writer, by default. */
  schedBatch?: boolean;
  /** InteractiveWaiting buffer: the queued writer ends a batch early for the user's write. */
  interactiveBuffer?: SharedArrayBuffer;
  /**
   * The express lane (queued writer only): the main thread posts a user's write here while a
   * batch is in flight, and the writer thread takes it between two jobs of that batch, without
   * waiting for the main thread to read the batch's result and send another (writer-batch.ts,
   * invariant 7). Moved to the worker at spawn.
   */
  expressPort?: MessagePort;
};

export type WireJob = { id: number; op: string; handler: string; payload: unknown };

export type BatchRequest = {
  type: 'batch';
  jobs: WireJob[];
  /** The worker starts no new job once the batch has run this long; the rest come back deferred. */
  maxMs: number;
  /** The queued writer's batch number (increasing), and the last batch whose result the main
   * thread had seen when it built this one (writer-batch.ts, invariant 6). */
  seq?: number;
  basedOn?: number;
};

export type JobOutcome =
  | { id: number; ok: true; value: unknown; runMs: number }
  | { id: number; ok: false; error: SerializedError; runMs: number };

export type BatchResult = {
  type: 'result';
  outcomes: JobOutcome[];
  /** Jobs not started (time budget spent, or an interactive write waiting): back to their queue's head. */
  deferred: number[];
  /** The batch ended early because an interactive write was waiting. */
  yielded?: boolean;
  /** Nothing ran: the batch was built before an earlier one deferred jobs (invariant 6). */
  stale?: boolean;
  /** BEGIN to COMMIT (or failure), ms. */
  txMs: number;
  committed: boolean;
  /** SQLITE_BUSY answers met in this batch (BEGIN retries included). */
  busy: number;
  /** 1 when the connection was still in a transaction after the batch and had to be rolled back. */
  leaked: number;
  generation: number;
};

export type WorkerReady = {
  type: 'ready';
  writeHandlers: string[];
  schemaVersion: number;
  appliedMigrations: number[];
  /** The thread runs under SCHED_BATCH (asked for and granted). */
  schedBatch: boolean;
};

/**
 * Outcomes of express jobs, sent as soon as the transaction that ran them committed (before the
 * result of the batch they ran in, if any), so the user's write is acknowledged first.
 */
export type ExpressResult = {
  type: 'express';
  outcomes: JobOutcome[];
  /** The generation after that COMMIT. */
  generation: number;
};

export type WorkerFailed = { type: 'failed'; error: SerializedError };
export type WorkerClosed = { type: 'closed' };
export type WorkerMessage = WorkerReady | WorkerFailed | WorkerClosed | BatchResult | ExpressResult;
export type MainMessage = BatchRequest | { type: 'close' };
