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
 * 4. When the writer outruns the copy (a saturating sync storm), the catch-up never settles and
 *    the WAL grows (`seedling_wal_bytes`) rather than the writer stalls. The period stays
 *    `intervalMs` even then: PASSIVE every 100 ms cost 13% of the writer's throughput and did not
 *    stop the growth (2.8 vs 3.2 GB in 5 s). Bounding the WAL there is back-pressure on bulk
 *    writes, driven by `Checkpointer.walBacklogBytes()` (frames not yet copied, live).
 *
 * Every result goes to the main thread as a `CheckpointReport`, which turns it into metrics.
 */
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { readWalIndex } from './checkpointer-wal-index.ts';
import { openDatabase } from './open-database.ts';
import { GATE_CHECKPOINTER, WriterGate } from './writer-gate.ts';

export type CheckpointerWorkerData = {
  path: string;
  intervalMs: number;
  truncateAboveBytes: number;
  writeGateBuffer?: SharedArrayBuffer;
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
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'stopped' };

const data = workerData as CheckpointerWorkerData;
/** TRUNCATE/RESTART take SQLite's write lock: they run only holding the writer's gate, never blocking a batch. */
const gate = data.writeGateBuffer ? new WriterGate(data.writeGateBuffer) : undefined;
const port = parentPort;
if (!port) throw new Error('checkpointer-worker must run in a worker thread');

let db: DatabaseSync | undefined;
let timer: NodeJS.Timeout | undefined;
let pageSize = 4096;
/** Commit counter of the wal-index at the previous tick, to tell an idle writer (step 3a). */
let previousChange: number | undefined;
let stopping = false;

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
/** Catch-up PASSIVEs per tick before giving up on a RESTART (the writer is outrunning the copy). */
const CATCH_UP_ROUNDS = 4;

function tick(): void {
  timer = undefined;
  if (stopping || !db) return;
  const passive = checkpoint(db, 'PASSIVE', 'timer');
  const index = readWalIndex(data.path);
  const before = previousChange;
  previousChange = index?.change;
  if (index && drained(passive) && passive.walBytes > data.truncateAboveBytes) {
    const idle = index.change === before && index.mxFrame === index.nBackfill;
    if (idle) withGate(() => checkpoint(db!, 'TRUNCATE', 'idle'));
    else catchUpAndRestart(db);
  }
  if (!stopping) timer = setTimeout(tick, data.intervalMs);
}

/** Step 3b: PASSIVE until the live WAL holds almost nothing uncopied, flush, then RESTART. */
function catchUpAndRestart(conn: DatabaseSync): void {
  for (let round = 0; round <= CATCH_UP_ROUNDS && !stopping; round++) {
    const index = readWalIndex(data.path);
    if (!index) return;
    // Pages the writer appended since the last PASSIVE: what RESTART would copy under the lock.
    if (index.mxFrame - index.nBackfill <= SETTLED_PAGES) {
      flushToDisk(`${data.path}-wal`);
      flushToDisk(data.path);
      withGate(() => checkpoint(conn, 'RESTART', 'settled'));
      return;
    }
    if (round === CATCH_UP_ROUNDS) return;
    if (!drained(checkpoint(conn, 'PASSIVE', 'catch-up'))) return; // a reader's snapshot stops the copy
  }
}

/** Runs `fn` holding the gate; skips it (until the next tick) while a writer batch runs. */
function withGate(fn: () => void): void {
  if (gate && !gate.tryAcquire(GATE_CHECKPOINTER)) return;
  try {
    fn();
  } finally {
    gate?.release(GATE_CHECKPOINTER);
  }
}

/** fsync outside any SQLite lock, so the sync RESTART does under the write lock finds little to write. */
function flushToDisk(file: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: RESTART syncs anyway, only slower.
  } finally {
    if (fd !== undefined) closeSync(fd);
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
  timer = setTimeout(tick, data.intervalMs);
}

port.on('message', (msg: { type: string }) => {
  if (msg.type !== 'stop') return;
  stopping = true;
  if (timer) clearTimeout(timer);
  try {
    db?.close();
  } finally {
    db = undefined;
    port.postMessage({ type: 'stopped' });
    port.close();
  }
});

start();
