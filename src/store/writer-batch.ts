import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';
import type { WriteHandler } from './extension.ts';
import type { Generation } from './generation.ts';
import type { InteractiveWaiting } from './interactive-waiting.ts';
import { isBusyError, type SerializedError, serializeError } from './writer-errors.ts';
import { GATE_WRITER, type WriterGate } from './writer-gate.ts';
import type { BatchResult, JobOutcome, WireJob } from './writer-protocol.ts';

/**
 * Group commit, on the writer thread: one `BEGIN IMMEDIATE … COMMIT` around many jobs, each job in
 * its own SAVEPOINT.
 *
 * Invariants:
 * 1. A job that throws is rolled back to its savepoint and reported alone; the others commit.
 * 2. A job's outcome is `ok` only if COMMIT succeeded: a failed COMMIT turns every ok into an error.
 * 3. The connection never leaves this function inside a transaction: if it still is (a failed
 *    COMMIT, a handler that opened one), it is rolled back and counted as `leaked` — one leaked
 *    transaction would silently turn every later commit into a nested savepoint.
 * 4. The generation moves after COMMIT (only if some job succeeded) and before the result is sent,
 *    so an acknowledged caller always sees the new generation.
 * 5. No new job starts once the batch has run `maxMs`, or once an interactive write waits
 *    (`interactive`, raised by the main thread); those come back `deferred` (never lost). A batch
 *    always runs at least one job, except by invariant 6.
 * 6. Two batches may be in flight (Writer): the main thread builds the next while this one runs.
 *    When a batch defers jobs, a batch built before the main thread saw that result (`basedOn`
 *    below the deferring batch's `seq`) runs nothing and comes back `stale`, all deferred: its
 *    jobs came later in their classes' order than the deferred ones, which must run first
 *    (write-queue rule 1). The main thread puts both back in order and builds anew.
 * 7. Express jobs (the user's writes, posted on their own port while a batch is in flight) are
 *    taken before the batch's first job and after each job, each in its own SAVEPOINT inside the
 *    batch's transaction; once one ran, the batch starts no new job of its own (the rest come back
 *    deferred, as in invariant 5) and commits. Their outcomes go out through `express.committed`
 *    right after COMMIT, before the batch's result, and obey invariant 2 like any job's.
 */

/** What the writer thread remembers between batches (invariant 6). */
export type PipelineState = { lastDeferredSeq: number };

export type BatchOptions = {
  maxMs: number;
  generation: Generation;
  beginAttempts: number;
  beginRetryMs: number;
  /** Shared with the checkpointer: held from BEGIN to COMMIT so a TRUNCATE never collides with a batch. */
  gate?: WriterGate;
  gateWaitMs?: number;
  /** Raised by the main thread while an interactive write waits behind this batch (invariant 5). */
  interactive?: InteractiveWaiting;
  /** Invariant 6 (the queued writer; absent for direct connections, which get one batch at a time). */
  pipeline?: PipelineState;
  seq?: number;
  basedOn?: number;
  /** Invariant 7 (the queued writer only). */
  express?: ExpressLane;
};

/** The writer thread's side of the express lane (writer-worker.ts reads it from its port). */
export type ExpressLane = {
  /** Express jobs waiting now (never blocks; empty when none). */
  take(): WireJob[];
  /** Outcomes of express jobs, once the transaction that ran them is over. */
  committed(outcomes: JobOutcome[], generation: number): void;
};

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this worker thread (never the main thread) for a short BEGIN retry pause. */
function sleepOnWriter(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** Writer thread: runs `jobs` as one transaction. See the invariants above. */
export function runBatchOnWriter(
  db: DatabaseSync,
  handlers: Map<string, WriteHandler>,
  jobs: WireJob[],
  options: BatchOptions,
): BatchResult {
  const t0 = performance.now();
  const { pipeline, seq, basedOn } = options;
  if (pipeline && seq !== undefined && basedOn !== undefined) {
    if (basedOn < pipeline.lastDeferredSeq) {
      // Invariant 6: this batch went out before the main thread knew of the deferral.
      pipeline.lastDeferredSeq = seq;
      const deferred = jobs.map((j) => j.id);
      const r = result([], deferred, t0, false, 0, 0, options.generation.get());
      r.stale = true;
      return r;
    }
  }
  const gated = options.gate?.acquire(GATE_WRITER, options.gateWaitMs ?? 1_000) ?? false;
  try {
    const r = runGatedOnWriter(db, handlers, jobs, options, t0);
    if (pipeline && seq !== undefined && r.deferred.length > 0) pipeline.lastDeferredSeq = seq;
    return r;
  } finally {
    if (gated) options.gate!.release(GATE_WRITER);
  }
}

function runGatedOnWriter(
  db: DatabaseSync,
  handlers: Map<string, WriteHandler>,
  jobs: WireJob[],
  options: BatchOptions,
  t0: number,
): BatchResult {
  const counters = { busy: 0 };
  const beginError = beginOnWriter(db, options, counters);
  if (beginError) {
    const outcomes = jobs.map(
      (j): JobOutcome => ({ id: j.id, ok: false, error: beginError, runMs: 0 }),
    );
    return result(outcomes, [], t0, false, counters.busy, 0, options.generation.get());
  }
  const ctx = { op: '', generation: options.generation.get() };
  const outcomes: JobOutcome[] = [];
  const express: JobOutcome[] = [];
  const deferred: number[] = [];
  let escaped = false;
  /** Runs one job into `into`; after a handler ended the transaction, runs nothing more. */
  const runOne = (job: WireJob, into: JobOutcome[]): void => {
    if (escaped) {
      into.push({ id: job.id, ok: false, error: notRunError(), runMs: 0 });
      return;
    }
    ctx.op = job.op;
    into.push(runJobOnWriter(db, handlers, job, ctx, counters));
    if (!db.isTransaction) {
      escaped = true;
      failAll(outcomes, escapedError(job.handler));
      failAll(express, escapedError(job.handler));
    }
  };
  /** Runs the express jobs waiting now (invariant 7); true when some ran. */
  const runExpress = (): boolean => {
    const waiting = escaped ? [] : (options.express?.take() ?? []);
    for (const job of waiting) runOne(job, express);
    return waiting.length > 0;
  };
  let stopped: 'budget' | 'interactive' | null = runExpress() ? 'interactive' : null;
  for (const job of jobs) {
    if (stopped === null && outcomes.length > 0) {
      if (runExpress() || options.interactive?.raised()) stopped = 'interactive';
      else if (performance.now() - t0 > options.maxMs) stopped = 'budget';
    }
    if (stopped !== null || escaped) deferred.push(job.id);
    else runOne(job, outcomes);
  }
  // One that arrived during the last job still joins this COMMIT.
  if (stopped === null && runExpress()) stopped = 'interactive';
  const committed = commitOnWriter(db, [outcomes, express], counters);
  const leaked = rollbackLeakOnWriter(db);
  const anyOk = outcomes.some((o) => o.ok) || express.some((o) => o.ok);
  const generation = committed && anyOk ? options.generation.bump() : options.generation.get();
  if (express.length > 0) options.express!.committed(express, generation);
  const r = result(outcomes, deferred, t0, committed, counters.busy, leaked, generation);
  if (stopped === 'interactive') r.yielded = true;
  return r;
}

function result(
  outcomes: JobOutcome[],
  deferred: number[],
  t0: number,
  committed: boolean,
  busy: number,
  leaked: number,
  generation: number,
): BatchResult {
  const txMs = performance.now() - t0;
  return { type: 'result', outcomes, deferred, txMs, committed, busy, leaked, generation };
}

/** BEGIN IMMEDIATE, retried on SQLITE_BUSY (the lock held outside this writer); null when begun. */
function beginOnWriter(
  db: DatabaseSync,
  options: BatchOptions,
  counters: { busy: number },
): SerializedError | null {
  let delay = options.beginRetryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return null;
    } catch (err) {
      if (!isBusyError(err)) return serializeError(err);
      counters.busy++;
      if (attempt >= options.beginAttempts) return serializeError(err);
      sleepOnWriter(delay);
      delay = Math.min(50, delay * 2);
    }
  }
}

function runJobOnWriter(
  db: DatabaseSync,
  handlers: Map<string, WriteHandler>,
  job: WireJob,
  ctx: { op: string; generation: number },
  counters: { busy: number },
): JobOutcome {
  const t = performance.now();
  const handler = handlers.get(job.handler);
  if (!handler) {
    const error = new StoreError(`unknown write handler '${job.handler}'`, {
      code: 'STORE_UNKNOWN_HANDLER',
    });
    return { id: job.id, ok: false, error: serializeError(error), runMs: 0 };
  }
  db.exec('SAVEPOINT job');
  try {
    const value = handler(db, job.payload, { op: ctx.op, generation: ctx.generation });
    db.exec('RELEASE job');
    return { id: job.id, ok: true, value, runMs: performance.now() - t };
  } catch (err) {
    if (isBusyError(err)) counters.busy++;
    if (db.isTransaction) {
      // ROLLBACK TO keeps the savepoint open; RELEASE closes it without touching the outer transaction.
      db.exec('ROLLBACK TO job');
      db.exec('RELEASE job');
    }
    return { id: job.id, ok: false, error: serializeError(err), runMs: performance.now() - t };
  }
}

/** COMMIT; on failure every ok outcome becomes that failure (invariant 2). */
function commitOnWriter(
  db: DatabaseSync,
  lists: JobOutcome[][],
  counters: { busy: number },
): boolean {
  if (!db.isTransaction) return false;
  try {
    db.exec('COMMIT');
    return true;
  } catch (err) {
    if (isBusyError(err)) counters.busy++;
    for (const outcomes of lists) failAll(outcomes, serializeError(err));
    return false;
  }
}

/** Invariant 3: returns 1 if a transaction had leaked and was rolled back. */
function rollbackLeakOnWriter(db: DatabaseSync): number {
  if (!db.isTransaction) return 0;
  try {
    db.exec('ROLLBACK');
  } catch {
    // Nothing more to do: isTransaction is checked again before the next batch begins.
  }
  return 1;
}

function failAll(outcomes: JobOutcome[], error: SerializedError): void {
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.ok) outcomes[i] = { id: o.id, ok: false, error, runMs: o.runMs };
  }
}

/** An express job taken in the same breath as a handler ended the transaction: never started. */
function notRunError(): SerializedError {
  return serializeError(
    new StoreError('not run: a job before it in the same batch ended the transaction; retry', {
      code: 'STORE_HANDLER_ESCAPED',
    }),
  );
}

function escapedError(handler: string): SerializedError {
  return serializeError(
    new StoreError(
      `write handler '${handler}' ended the batch transaction; the batch's outcome is unknown`,
      { code: 'STORE_HANDLER_ESCAPED' },
    ),
  );
}
