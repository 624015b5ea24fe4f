import { closeSync, existsSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidInputError, StoreError } from '../errors.ts';
import { openDatabase } from './open-database.ts';

/**
 * Writes a consistent, compacted copy of database `from` to the new file `to`, whether a store has
 * `from` open or not.
 *
 * `VACUUM INTO` on a read-only connection: the copy is one read transaction, so it sees one
 * committed state and never takes a write lock (a running node's writer goes on, and the copy
 * needs no store lock). While it runs, the checkpointer cannot restart the WAL past its snapshot,
 * so a long copy under a sync storm lets the WAL grow for that long. SQLite's online backup API
 * was not used: it starts over whenever another connection writes, so under sync it might never
 * finish.
 */
export function backupDatabase(from: string, to: string): { bytes: number; ms: number } {
  if (!existsSync(from)) {
    throw new InvalidInputError(`no database at ${from}`);
  }
  if (existsSync(to)) {
    throw new InvalidInputError(`${to} already exists; a backup never overwrites a file`);
  }
  const start = performance.now();
  const db = openDatabase(from, { readOnly: true });
  try {
    db.prepare('VACUUM INTO ?').run(to);
  } catch (cause) {
    throw new StoreError(`back up ${from} into ${to}`, { cause });
  } finally {
    db.close();
  }
  // VACUUM INTO leaves the copy in the page cache; a backup is on the disk before it is reported.
  syncFile(to);
  syncFile(dirname(to));
  return { bytes: statSync(to).size, ms: performance.now() - start };
}

/** fsync a file or directory (no SQLite connection has it open, so closing it drops no lock). */
export function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
