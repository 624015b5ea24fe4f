import { hostname } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { StoreError, StoreInUseError } from '../errors.ts';
import { isBusyError } from './writer-errors.ts';

/** Who holds a store's lock, as the holder wrote it down (undefined fields: not written yet). */
export type StoreLockHolder = { pid?: number; host?: string; since?: string };

/**
 * One store per database file. A second store on the same file would be a second writer, and the
 * two would answer each other SQLITE_BUSY: the failure this design exists to rule out (DESIGN §3).
 * Two nodes started on one data directory would also share one peer identity.
 *
 * The lock is SQLite's own write lock on a small side database, `<database>-lock`, held (a
 * transaction left open) for the store's lifetime. SQLite takes it with an OS advisory lock
 * (`fcntl` on POSIX, `LockFileEx` on Windows), so:
 * - the OS releases it when the process ends, even by SIGKILL: a restart after a crash never meets
 *   a stale lock (a lock *file* such as `proper-lockfile`'s goes stale only after a timeout, and
 *   refuses a restart until then);
 * - SQLite tracks the locks of every connection of one process on a file, so a second store in the
 *   same process is refused too.
 * The holder commits its pid, host and start time before taking the lock, so the refusal can say
 * who holds it. The file is never deleted: a process that opened the old file would lock an inode
 * nobody else sees.
 */
export class StoreLock {
  readonly path: string;
  #db: DatabaseSync | undefined;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /** Takes the lock of database `dbPath`, or throws StoreInUseError naming the holder. */
  static acquire(dbPath: string): StoreLock {
    const path = `${dbPath}-lock`;
    let db: DatabaseSync;
    try {
      // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
      db = new DatabaseSync(path, { timeout: 0 });
    } catch (cause) {
      throw new StoreError(`open lock file ${path}`, { cause });
    }
    try {
      if (!tryBegin(db)) throw inUse(dbPath, db);
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)',
      );
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, host, since) VALUES (?, ?, ?)').run(
        process.pid,
        hostname(),
        new Date().toISOString(),
      );
      db.exec('COMMIT');
      // Held from here on. Another process may have slipped in between COMMIT and BEGIN: it won.
      if (!tryBegin(db)) throw inUse(dbPath, db);
      return new StoreLock(path, db);
    } catch (err) {
      db.close();
      if (err instanceof StoreInUseError) throw err;
      // Not a lock conflict: the file itself is unusable. No node can be holding a file SQLite
      // cannot lock, so removing it is safe; doing that unasked is not, if a person put it there.
      throw new StoreError(`use lock file ${path} (if it is damaged, delete it and start again)`, {
        cause: err,
      });
    }
  }

  /** Who holds the lock of database `dbPath` (undefined when nobody wrote it down yet). */
  static holder(dbPath: string): StoreLockHolder | undefined {
    const db = new DatabaseSync(`${dbPath}-lock`, { timeout: 0, readOnly: true });
    try {
      return readHolder(db);
    } finally {
      db.close();
    }
  }

  get held(): boolean {
    return this.#db !== undefined;
  }

  /** Releases the lock (idempotent). */
  release(): void {
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close(); // closing releases the OS lock even if ROLLBACK failed
    }
  }
}

/** BEGIN IMMEDIATE: true when this connection now holds the write lock, false when another does. */
function tryBegin(db: DatabaseSync): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (err) {
    if (isBusyError(err)) return false;
    throw err;
  }
}

function readHolder(db: DatabaseSync): StoreLockHolder | undefined {
  try {
    const row = db.prepare('SELECT pid, host, since FROM holder LIMIT 1').get() as
      | { pid: number; host: string; since: string }
      | undefined;
    return row ? { pid: Number(row.pid), host: row.host, since: row.since } : undefined;
  } catch {
    return undefined; // the holder is between opening the file and writing itself down
  }
}

function inUse(dbPath: string, db: DatabaseSync): StoreInUseError {
  return new StoreInUseError(dbPath, readHolder(db));
}
