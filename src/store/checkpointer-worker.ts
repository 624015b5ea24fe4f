/**
 * Body of the checkpointer thread. It owns one connection used for nothing but checkpoints, so a
 * checkpoint never runs on the writer (which has `wal_autocheckpoint=0`) nor on the main thread.
 *
 * Steps:
 * 1. At start, `TRUNCATE`: a WAL left by a crash is copied into the database and emptied.
 * 2. Every `intervalMs`, `PASSIVE`: copies what it can without waiting on anyone (readers keep
 *    their snapshots, the writer keeps writing).
 * 3. When that PASSIVE copied the whole WAL (log pages == checkpointed pages, not busy) and the
 *    WAL file is above `truncateAboveBytes`:
 *    a. writer idle (the wal-index commit counter did not move for a whole interval and every
 *       frame is copied): `TRUNCATE`, giving the disk space back;
 *    b. writer busy: catch up with more PASSIVEs back to back until the live WAL (read from the
 *       wal-index header, checkpointer-wal-index.ts) holds at most `SETTLED_PAGES` uncopied
 *       pages; flush the WAL and database files to disk (no lock held); then `RESTART`, so the
 *       writer wraps around to the start of the file and it stops growing. (SQLite restarts the
 *       log by itself only when a writer begins after a complete backfill; a writer committing
 *       every millisecond never gives it that chance: measured, the WAL grew to all 85 MB written.)
 *    TRUNCATE and RESTART take the write lock and sync under it, so they run only when almost
 *    nothing is left to copy or sync. Measured on the write storm (2 cores, ext4 with `discard`):
 *    - TRUNCATE right after a complete PASSIVE copied the ~100 MB appended meanwhile and held the
 *      lock 1.7 s (the writer saw SQLITE_BUSY past its retries);
 *    - on a fully copied 325 MB WAL, TRUNCATE took 96 ms (ftruncate), RESTART 0.1 ms;
 *    - RESTART after catching up, without the pre-flush, took ~115 ms under a storm: its fsync
 *      waited for the journal, which flushed the WAL's dirty pages.
 *    With `busy_timeout=0` a TRUNCATE/RESTART that meets a reader or the writer gives up at once
 *    (reported busy) and is tried again next tick.
 * 4. When the writer outruns the copy (a saturating sync storm), the catch-up never settles. The
 *    PASSIVE period stays `intervalMs` even then: PASSIVE every 100 ms cost 13% of the writer's
 *    throughput and did not stop the growth (2.8 vs 3.2 GB in 5 s).
 * 5. So the WAL is bounded by holding sync instead (sync-hold.ts): every CHECKPOINT_POLL_MS the
 *    backlog is read from the wal-index; above `holdAboveBytes`, sync writes are held (interactive
 *    and background go on) while a PASSIVE copies the backlog and steps 3b's catch-up and RESTART
 *    run. The final flush and RESTART of step 3b hold sync as well, however they were reached: a
 *    flush takes ~150 ms under a storm, and a writer appending meanwhile left ~20k pages for
 *    RESTART to copy and sync under the gate (measured: 137 ms with no batch able to start).
 *    Each hold is reported (`sync-hold`, its duration) for the metrics.
 *
 * Every result goes to the main thread as a `CheckpointReport`, which turns it into metrics.
 */
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { CHECKPOINT_POLL_MS, SYNC_HOLD_MAX_MS } from '../constants.ts';
import { WalIndexReader } from './checkpointer-wal-index.ts';
import { KeptOpenFile } from './kept-open-file.ts';
import { openDatabase } from './open-database.ts';
import { SyncHold } from './sync-hold.ts';
import { GATE_CHECKPOINTER, WriterGate } from './writer-gate.ts';

export type CheckpointerWorkerData = {
  path: string;
  intervalMs: number;
  truncateAboveBytes: number;
  writeGateBuffer?: SharedArrayBuffer;
  /** Step 5: the writer's sync hold, and the backlog above which it is used. */
  syncHoldBuffer?: SharedArrayBuffer;
  holdAboveBytes?: number;
};

export type CheckpointMode = 'PASSIVE' | 'RESTART' | 'TRUNCATE';

export type CheckpointReport = {
  type: 'checkpoint';
  mode: CheckpointMode;
  /** Why it ran: `startup`, `timer`, `catch-up` (PASSIVE), `idle` (TRUNCATE), `settled` (RESTART). */
  reason: 'startup' | 'timer' | 'catch-up' | 'idle' | 'settled';
  /** 1 when the checkpoint could not finish because of a reader or writer. */
  busy: number;
  /** Pages in the WAL, and pages of it copied into the database (−1 when not in WAL mode). */
  logPages: number;
  checkpointedPages: number;
  /** Size of `<db>-wal` after the checkpoint (0 when the file is absent). */
  walBytes: number;
  /** Database page size, to turn page counts into bytes. */
  pageSize: number;
  ms: number;
  /** Set when the checkpoint threw (SQLITE_BUSY from a concurrent checkpoint, I/O error...). */
  error?: string;
};

export type CheckpointerMessage =
  | CheckpointReport
  | { type: 'sync-hold'; ms: number }
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'stopped' };

const data = workerData as CheckpointerWorkerData;
/** TRUNCATE/RESTART take SQLite's write lock: they run only holding the writer's gate, never blocking a batch. */
const gate = data.writeGateBuffer ? new WriterGate(data.writeGateBuffer) : undefined;
const hold = data.syncHoldBuffer ? new SyncHold(data.syncHoldBuffer) : undefined;
const port = parentPort;
if (!port) throw new Error('checkpointer-worker must run in a worker thread');

let db: DatabaseSync | undefined;
/** Kept open until the thread stops, after its connection (kept-open-file.ts: closing drops SQLite's locks). */
const walIndex = new WalIndexReader(data.path);
const walFile = new KeptOpenFile(`${data.path}-wal`);
const dbFile = new KeptOpenFile(data.path);
let timer: NodeJS.Timeout | undefined;
let pageSize = 4096;
/** Commit counter of the wal-index at the previous tick, to tell an idle writer (step 3a). */
let previousChange: number | undefined;
let stopping = false;
/** performance.now() when the next timer PASSIVE is due (step 2). */
let nextPassiveAt = 0;
/** performance.now() before which step 5 does not hold again (after a hold that could not restart). */
let nextHoldAt = 0;
/** Nesting of withSyncHold (step 5 holds around a catch-up that holds again for its restart). */
let holdDepth = 0;

function walBytes(): number {
  try {
    return statSync(`${data.path}-wal`).size;
  } catch {
    return 0; // no WAL file: nothing to reclaim
  }
}

function checkpoint(
  conn: DatabaseSync,
  mode: CheckpointMode,
  reason: CheckpointReport['reason'],
): CheckpointReport {
  const start = performance.now();
  const report: CheckpointReport = {
    type: 'checkpoint',
    mode,
    reason,
    busy: 0,
    logPages: 0,
    checkpointedPages: 0,
    walBytes: 0,
    pageSize,
    ms: 0,
  };
  try {
    const row = conn.prepare(`PRAGMA wal_checkpoint(${mode})`).get() as
      | { busy: number; log: number; checkpointed: number }
      | undefined;
    report.busy = Number(row?.busy ?? 0);
    report.logPages = Number(row?.log ?? -1);
    report.checkpointedPages = Number(row?.checkpointed ?? -1);
  } catch (err) {
    report.busy = 1;
    report.error = err instanceof Error ? err.message : String(err);
  }
  report.ms = performance.now() - start;
  report.walBytes = walBytes();
  port?.postMessage(report);
  return report;
}

/** A PASSIVE that copied every page of a non-empty WAL: a TRUNCATE now has nothing to wait for. */
function drained(r: CheckpointReport): boolean {
  return (
    r.error === undefined && r.busy === 0 && r.logPages >= 0 && r.logPages === r.checkpointedPages
  );
}

/** Uncopied WAL pages below which RESTART may run (1 MiB of 4 KiB pages). */
const SETTLED_PAGES = 256;
/**
 * Uncopied pages below which the held final phase (flush, PASSIVE, RESTART) starts: the writer's
 * two batches in flight (WRITER_BATCHES_IN_FLIGHT, up to WRITE_BATCH_MAX_BYTES = 2 MiB each, ~1,100
 * pages of 4 KiB rows) may land after a hold begins, and a catch-up PASSIVE round just for them
 * cost ~400 ms of hold under a storm; the phase's own PASSIVE copies them.
 */
const SETTLING_PAGES = 2_048;
/**
 * How long a held RESTART waits for the writer's running batch (interactive or background only
 * while sync is held). Trying once missed the gate in about one hold in three under the write
 * storm, and each miss let the WAL grow for another interval.
 */
const RESTART_GATE_WAIT_MS = 100;
/** Catch-up PASSIVEs per tick before giving up on a RESTART (the writer is outrunning the copy). */
const CATCH_UP_ROUNDS = 4;

function tick(): void {
  timer = undefined;
  if (stopping || !db) return;
  if (holdWanted()) {
    // A hold that could not restart the WAL (a reader's snapshot) is not tried again at once.
    if (!catchUpHolding(db)) nextHoldAt = performance.now() + data.intervalMs;
  } else if (performance.now() >= nextPassiveAt) {
    nextPassiveAt = performance.now() + data.intervalMs;
    timerPassive(db);
  }
  if (!stopping) timer = setTimeout(tick, Math.min(data.intervalMs, CHECKPOINT_POLL_MS));
}

/** Steps 2–3, every `intervalMs`. */
function timerPassive(conn: DatabaseSync): void {
  const passive = checkpoint(conn, 'PASSIVE', 'timer');
  const index = walIndex.read();
  const before = previousChange;
  previousChange = index?.change;
  if (index && drained(passive) && passive.walBytes > data.truncateAboveBytes) {
    const idle = index.change === before && index.mxFrame === index.nBackfill;
    if (idle) withGate(() => checkpoint(conn, 'TRUNCATE', 'idle'));
    else catchUpAndRestart(conn);
  }
}

/**
 * Step 5's trigger: the writer is more than `holdAboveBytes` ahead of the copy, or the log in use
 * (frames since the last restart) passed twice that — PASSIVEs can keep the backlog small while
 * never letting RESTART find a settled moment, and the file then grows all the same.
 */
function holdWanted(): boolean {
  if (!hold || data.holdAboveBytes === undefined || performance.now() < nextHoldAt) return false;
  const index = walIndex.read();
  if (!index) return false;
  const backlog = Math.max(0, index.mxFrame - index.nBackfill) * index.pageSize;
  return backlog > data.holdAboveBytes || index.mxFrame * index.pageSize > 2 * data.holdAboveBytes;
}

/** Step 5: sync holds while the backlog is copied and, once little is left, the WAL restarted. */
function catchUpHolding(conn: DatabaseSync): boolean {
  return withSyncHold(
    () => drained(checkpoint(conn, 'PASSIVE', 'catch-up')) && catchUpAndRestart(conn),
  );
}

/** Runs `fn` with sync held (step 5); nested calls share the outer hold. */
function withSyncHold<T>(fn: () => T): T {
  if (!hold) return fn();
  const started = performance.now();
  if (holdDepth++ === 0) hold.begin(SYNC_HOLD_MAX_MS);
  try {
    return fn();
  } finally {
    if (--holdDepth === 0) {
      hold.end();
      port?.postMessage({ type: 'sync-hold', ms: performance.now() - started });
    }
  }
}

/**
 * Step 3b: PASSIVE until the live WAL holds almost nothing uncopied, then with sync held (step 5):
 * flush, copy what the writer appended meanwhile, and RESTART only if that left at most
 * SETTLED_PAGES for it to copy and sync under the gate.
 */
function catchUpAndRestart(conn: DatabaseSync): boolean {
  for (let round = 0; round <= CATCH_UP_ROUNDS && !stopping; round++) {
    const pending = uncopiedPages();
    if (pending === undefined) return false;
    if (pending <= SETTLING_PAGES) {
      const restarted = withSyncHold(() => {
        walFile.sync(); // best effort: RESTART syncs anyway, only slower
        dbFile.sync();
        if (!drained(checkpoint(conn, 'PASSIVE', 'catch-up'))) return false;
        const left = uncopiedPages();
        if (left === undefined || left > SETTLED_PAGES) return false;
        // Sync is held, so the writer's batches are short now: wait for the running one.
        const restart = () => drained(checkpoint(conn, 'RESTART', 'settled'));
        return withGate(restart, RESTART_GATE_WAIT_MS) ?? false;
      });
      if (restarted) return true;
    }
    if (round === CATCH_UP_ROUNDS) return false;
    // Unheld rounds under a storm take seconds each; if the writer got that far ahead, hold it.
    if (holdDepth === 0 && holdWanted()) return catchUpHolding(conn);
    if (!drained(checkpoint(conn, 'PASSIVE', 'catch-up'))) return false; // a reader's snapshot stops the copy
  }
  return false;
}

/** Pages the writer appended since the last copy: what RESTART would copy under the lock. */
function uncopiedPages(): number | undefined {
  const index = walIndex.read();
  return index ? index.mxFrame - index.nBackfill : undefined;
}

/**
 * Runs `fn` holding the gate. While a writer batch runs it waits up to `waitMs` (0: not at all)
 * for it to end, else skips `fn` (until the next tick), answering undefined.
 */
function withGate<T>(fn: () => T, waitMs = 0): T | undefined {
  const taken =
    waitMs > 0 ? gate?.acquire(GATE_CHECKPOINTER, waitMs) : gate?.tryAcquire(GATE_CHECKPOINTER);
  if (gate && !taken) return undefined;
  try {
    return fn();
  } finally {
    gate?.release(GATE_CHECKPOINTER);
  }
}

function start(): void {
  try {
    // busy_timeout 0: the checkpointer never waits on a lock, so it can never hold up the writer.
    db = openDatabase(data.path, { busyTimeoutMs: 0, disableAutoCheckpoint: true });
  } catch (err) {
    port?.postMessage({ type: 'fatal', error: err instanceof Error ? err.message : String(err) });
    port?.close();
    return;
  }
  pageSize = Number(
    (db.prepare('PRAGMA page_size').get() as { page_size?: number } | undefined)?.page_size ?? 4096,
  );
  withGate(() => checkpoint(db!, 'TRUNCATE', 'startup'));
  port?.postMessage({ type: 'ready' });
  nextPassiveAt = performance.now() + data.intervalMs;
  timer = setTimeout(tick, Math.min(data.intervalMs, CHECKPOINT_POLL_MS));
}

port.on('message', (msg: { type: string }) => {
  if (msg.type !== 'stop') return;
  stopping = true;
  if (timer) clearTimeout(timer);
  try {
    db?.close();
  } finally {
    db = undefined;
    // The store stops this thread last, so no connection of this process holds locks any more.
    for (const file of [walIndex, walFile, dbFile]) file.close();
    port.postMessage({ type: 'stopped' });
    port.close();
  }
});

start();
