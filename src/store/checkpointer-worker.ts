/**
 * Body of the checkpointer thread. It owns one connection used for nothing but checkpoints, so a
 * checkpoint never runs on the writer (which has `wal_autocheckpoint=0`) nor on the main thread.
 *
 * Steps:
 * 1. At start, `TRUNCATE`: a WAL left by a crash is copied into the database and emptied.
 * 2. Every `intervalMs`, `PASSIVE`: copies what it can without waiting on anyone (readers keep
 *    their snapshots, the writer keeps writing).
 * 3. When that PASSIVE copied the whole WAL (log pages == checkpointed pages, not busy) and the
 *    WAL file is above `truncateAboveBytes`, catch up: more PASSIVEs back to back, each copying
 *    what the writer appended while the previous one ran, until one finds fewer than
 *    `SETTLED_PAGES` new pages. Only then `TRUNCATE`: it holds the write lock while it copies
 *    the pages appended since and resets the file, so it must find almost nothing to copy.
 *    (Measured: a TRUNCATE right after a drained PASSIVE during a write storm copied the ~100 MB
 *    appended meanwhile and held the lock 1.7 s, which the writer saw as SQLITE_BUSY.) When the
 *    writer outruns the catch-up, no TRUNCATE runs: the WAL grows (`seedling_wal_bytes`) rather
 *    than the writer stalls. With `busy_timeout=0` a TRUNCATE that meets a reader or the writer
 *    gives up at once (reported busy).
 * 4. While the WAL is above the threshold, the timer runs every `EAGER_INTERVAL_MS` instead of
 *    `intervalMs`, so copying keeps pace with a storm instead of falling a second behind.
 *
 * Every result goes to the main thread as a `CheckpointReport`, which turns it into metrics.
 */
import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open-database.ts';

export type CheckpointerWorkerData = {
  path: string;
  intervalMs: number;
  truncateAboveBytes: number;
};

export type CheckpointMode = 'PASSIVE' | 'TRUNCATE';

export type CheckpointReport = {
  type: 'checkpoint';
  mode: CheckpointMode;
  /** Why it ran: `startup`, `timer`, `catch-up` (PASSIVE after a complete one, WAL large), or `drained` (TRUNCATE). */
  reason: 'startup' | 'timer' | 'catch-up' | 'drained';
  /** 1 when the checkpoint could not finish because of a reader or writer. */
  busy: number;
  /** Pages in the WAL, and pages of it copied into the database (−1 when not in WAL mode). */
  logPages: number;
  checkpointedPages: number;
  /** Size of `<db>-wal` after the checkpoint (0 when the file is absent). */
  walBytes: number;
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
const port = parentPort;
if (!port) throw new Error('checkpointer-worker must run in a worker thread');

let db: DatabaseSync | undefined;
let timer: NodeJS.Timeout | undefined;
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

/** New WAL pages a catch-up PASSIVE may find for the TRUNCATE after it to be short (1 MiB of 4 KiB pages). */
const SETTLED_PAGES = 256;
/** Catch-up PASSIVEs before giving up on a TRUNCATE this tick (the writer is outrunning the copy). */
const CATCH_UP_ROUNDS = 4;
/** Timer period while the WAL is above the threshold. */
const EAGER_INTERVAL_MS = 100;

function tick(): void {
  timer = undefined;
  if (stopping || !db) return;
  const passive = checkpoint(db, 'PASSIVE', 'timer');
  let wal = passive.walBytes;
  if (drained(passive) && wal > data.truncateAboveBytes) wal = catchUpAndTruncate(db, passive);
  const delay =
    wal > data.truncateAboveBytes ? Math.min(data.intervalMs, EAGER_INTERVAL_MS) : data.intervalMs;
  if (!stopping) timer = setTimeout(tick, delay);
}

/** Step 3: PASSIVE until the writer added almost nothing during the last one, then TRUNCATE. Returns the WAL size. */
function catchUpAndTruncate(conn: DatabaseSync, first: CheckpointReport): number {
  let prev = first;
  for (let round = 0; round < CATCH_UP_ROUNDS && !stopping; round++) {
    const next = checkpoint(conn, 'PASSIVE', 'catch-up');
    if (!drained(next)) return next.walBytes; // a reader's snapshot stops the copy: try next tick
    // Pages appended while `prev` ran (negative when the writer restarted the WAL from its start).
    if (next.logPages - prev.logPages <= SETTLED_PAGES)
      return checkpoint(conn, 'TRUNCATE', 'drained').walBytes;
    prev = next;
  }
  return prev.walBytes;
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
  checkpoint(db, 'TRUNCATE', 'startup');
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
