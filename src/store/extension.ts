import type { DatabaseSync } from 'node:sqlite';

/**
 * How other subsystems put code on the store's threads without `store` importing them
 * (dependencies point inward: index, sync and api use store, never the reverse).
 *
 * A *store extension* is a module, named by URL when the store is opened, that the writer thread
 * and every reader thread import. It may export any of:
 *
 *   export const migrations: Migration[]                  // run by the writer at open
 *   export const writeHandlers: Record<string, WriteHandler>
 *   export const readHandlers: Record<string, ReadHandler>
 *   export const pointLookups: string[]                   // read handlers also allowed on the main thread
 *
 * Handler names are namespaced `<subsystem>.<name>` (`index.putBlobs`, `blob.verify`) and must be
 * unique across extensions; the store refuses to start on a duplicate.
 */

export type Migration = {
  /** Strictly increasing across all extensions; a new migration always takes the next number above every existing one. Stored in `PRAGMA user_version`. */
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  sql: string;
  /** Run after `sql`, in the same transaction: backfills that need code, not just SQL. */
  run?: (db: DatabaseSync) => void;
};

/** Given to handlers: what they may know about the job they run. */
export type HandlerContext = {
  /** Operation name of the job, for attribution (e.g. `api.PublishBlobs`). */
  op: string;
  /** Database generation at the start of the transaction. */
  generation: number;
};

/**
 * Runs on the writer thread inside the job's own SAVEPOINT (so a throw rolls back this job alone).
 * Must not do CPU-heavy work (hashing, signature checks): that happened before the job was queued.
 * The return value is structured-cloned back to the caller after COMMIT.
 */
export type WriteHandler = (db: DatabaseSync, payload: unknown, ctx: HandlerContext) => unknown;

/**
 * Runs on a reader-pool thread with a read-only connection, or as pure CPU work (verification).
 * A handler that reads must load its rows, end its read (statements finish before it returns), and
 * only then compute, so no snapshot stays open during computation.
 */
export type ReadHandler = (db: DatabaseSync, args: unknown, ctx: HandlerContext) => unknown;

export type StoreExtension = {
  migrations?: Migration[];
  writeHandlers?: Record<string, WriteHandler>;
  readHandlers?: Record<string, ReadHandler>;
  /**
   * Read handlers that are point lookups — bounded by an index, well under a millisecond — and may
   * therefore also run on the main thread (`store.lookup`, main-lookups.ts).
   */
  pointLookups?: string[];
};
