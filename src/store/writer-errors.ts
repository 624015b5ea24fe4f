import {
  BlobError,
  ClosedError,
  InvalidInputError,
  NotFoundError,
  OverloadError,
  SeedlingError,
  StoreError,
} from '../errors.ts';

/**
 * Errors cross from the writer thread to the caller as plain data: structured clone keeps an
 * Error's message but drops `code`, `field` and the class, and callers (the HTTP layer) match on
 * those. A handler's SeedlingError comes back as the same class with the same code and message;
 * anything else (a SQLite constraint, a TypeError in a handler) becomes a StoreError naming the job.
 */

export type SerializedError = {
  name: string;
  code: string;
  message: string;
  field?: string;
  /** SQLite result code when the error came from SQLite (5 = SQLITE_BUSY). */
  errcode?: number;
};

/** SQLite primary result code of an error thrown by node:sqlite, if any. */
export function sqliteErrcode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

/** SQLITE_BUSY (5) or one of its extended codes (e.g. 517 BUSY_SNAPSHOT); SQLITE_LOCKED is not busy. */
export function isBusyError(err: unknown): boolean {
  const code = sqliteErrcode(err);
  if (code !== undefined) return (code & 0xff) === 5;
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
}

/** SQLITE_FULL (13): the disk holding the database (or its WAL) is full. */
export function isFullError(err: unknown): boolean {
  const code = sqliteErrcode(err);
  if (code !== undefined) return (code & 0xff) === 13;
  return err instanceof Error && /database or disk is full|SQLITE_FULL/i.test(err.message);
}

/** What a user can do about a full disk, added to the failed write's message. */
const FULL_HINT =
  'the disk holding the database is full; free space on it, and writes succeed again without a restart';

export function serializeError(err: unknown): SerializedError {
  if (err instanceof SeedlingError) {
    const field = (err as { field?: unknown }).field;
    return {
      name: err.name,
      code: err.code,
      message: err.message,
      ...(typeof field === 'string' ? { field } : {}),
    };
  }
  const errcode = sqliteErrcode(err);
  const message = err instanceof Error ? err.message : String(err);
  const code = isBusyError(err)
    ? 'STORE_BUSY'
    : isFullError(err)
      ? 'STORE_FULL'
      : 'STORE_JOB_FAILED';
  return { name: 'StoreError', code, message, ...(errcode !== undefined ? { errcode } : {}) };
}

const CLASSES: Record<string, { prototype: object }> = {
  SeedlingError,
  BlobError,
  StoreError,
  InvalidInputError,
  NotFoundError,
  OverloadError,
  ClosedError,
};

/** Rebuilds the error on the caller's side; `what` names the job for errors that were not ours. */
export function deserializeError(e: SerializedError, what: string): Error {
  if (
    e.name === 'StoreError' &&
    (e.code === 'STORE_JOB_FAILED' || e.code === 'STORE_BUSY' || e.code === 'STORE_FULL')
  ) {
    const message = e.code === 'STORE_FULL' ? `${e.message} (${FULL_HINT})` : e.message;
    const cause = Object.assign(new Error(message), { errcode: e.errcode });
    return new StoreError(what, { cause, code: e.code });
  }
  const err = new SeedlingError(e.code, e.message);
  const cls = CLASSES[e.name];
  if (cls) Object.setPrototypeOf(err, cls.prototype);
  Object.defineProperty(err, 'name', { value: e.name, enumerable: false, writable: true });
  if (e.field !== undefined) Object.assign(err, { field: e.field });
  return err;
}
