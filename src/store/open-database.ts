import { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../errors.ts';

export type OpenDatabaseOptions = {
  /** Read-only connection (reader pool). Read-only connections never run migrations or set WAL. */
  readOnly?: boolean;
  /** `NORMAL` (default; a power cut may lose the last commits, never corrupts) or `FULL`. */
  synchronous?: 'NORMAL' | 'FULL';
  /** Disable SQLite's own checkpoints on this connection (the writer; the checkpointer does them). */
  disableAutoCheckpoint?: boolean;
  /** How long SQLite itself waits on a lock before SQLITE_BUSY. The queued writer never contends, so 0 there. */
  busyTimeoutMs?: number;
  /** Page cache size in KiB for this connection. */
  cacheSizeKiB?: number;
};

/**
 * Opens a SQLite connection with Seedling's settings and checks each one took (a pragma that fails
 * silently, e.g. `journal_mode` staying `delete`, would void the design). Each failure says which
 * step failed; a half-opened handle is closed before the error is thrown.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const readOnly = options.readOnly ?? false;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly, enableForeignKeyConstraints: true, timeout: 0 });
  } catch (cause) {
    throw new StoreError(`open database ${path}`, { cause, code: 'STORE_OPEN_FAILED' });
  }
  try {
    configure(db, readOnly, options);
    return db;
  } catch (err) {
    db.close();
    // Name the file: "file is not a database" alone does not say which one.
    throw new StoreError(`open database ${path}`, { cause: err, code: 'STORE_OPEN_FAILED' });
  }
}

function configure(db: DatabaseSync, readOnly: boolean, options: OpenDatabaseOptions): void {
  pragma(db, `busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 0))}`);
  if (!readOnly) {
    const mode = pragma(db, 'journal_mode = WAL');
    if (String(mode?.journal_mode).toLowerCase() !== 'wal') {
      throw new StoreError(
        `set journal_mode=WAL: database answered ${String(mode?.journal_mode)}`,
        {
          code: 'STORE_OPEN_FAILED',
        },
      );
    }
  }
  const sync = options.synchronous ?? 'NORMAL';
  pragma(db, `synchronous = ${sync}`);
  pragma(db, 'foreign_keys = ON');
  pragma(db, 'temp_store = MEMORY');
  if (options.cacheSizeKiB) pragma(db, `cache_size = -${Math.floor(options.cacheSizeKiB)}`);
  if (options.disableAutoCheckpoint) {
    const got = pragma(db, 'wal_autocheckpoint = 0');
    if (Number(got?.wal_autocheckpoint) !== 0) {
      throw new StoreError('disable wal_autocheckpoint: setting did not take', {
        code: 'STORE_OPEN_FAILED',
      });
    }
  }
}

function pragma(db: DatabaseSync, statement: string): Record<string, unknown> | undefined {
  try {
    return db.prepare(`PRAGMA ${statement}`).get() as Record<string, unknown> | undefined;
  } catch (cause) {
    throw new StoreError(`PRAGMA ${statement}`, { cause, code: 'STORE_OPEN_FAILED' });
  }
}
