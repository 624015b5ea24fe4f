/**
 * Body of a reader-pool thread (piscina worker). Each thread owns one read-only connection,
 * opened on its first task and reused until the thread ends; the store extensions named in
 * workerData are imported once, and tasks name a read handler from them.
 *
 * Invariants:
 * 1. This thread never writes: its connection is opened `readOnly`.
 * 2. While a handler runs, its start time sits in this task's slot of the shared `slots` buffer
 *    (ms since epoch, comparable across threads); the slot is zeroed when the handler returns.
 *    The main thread reads the slots for the oldest-read gauge and to stop over-long reads.
 * 3. Every outcome is returned as plain data (`ReadResult`): errors are serialized with their
 *    class and code, because structured clone would drop them.
 * 4. A handler may answer `transferring(value, buffers)` (transfer.ts): those buffers are moved to
 *    the caller, not copied, and the caller gets `value`.
 */
import type { DatabaseSync } from 'node:sqlite';
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { InvalidInputError, StoreError } from '../errors.ts';
import { epochMs } from './epoch-ms.ts';
import type { ReadHandler, StoreExtension } from './extension.ts';
import { Generation } from './generation.ts';
import { openDatabase } from './open-database.ts';
import { setThreadNice } from './thread-priority.ts';
import { splitTransfer } from './transfer.ts';
import { type SerializedError, serializeError } from './writer-errors.ts';

/** What the pool passes to each thread at start. */
export type ReaderWorkerData = {
  path: string;
  /** URLs (href) of the store extension modules to import. */
  extensions: string[];
  generation: SharedArrayBuffer;
  /** Float64 start time per task slot (0 = slot not running). */
  slots: SharedArrayBuffer;
  cacheSizeKiB: number;
  /** OS nice value for this thread (0: leave it). */
  nice: number;
};

export type ReadTask = { op: string; handler: string; args: unknown; slot: number };

export type ReadResult =
  | { ok: true; value: unknown; startedAt: number; runMs: number }
  | { ok: false; error: SerializedError; startedAt: number; runMs: number };

type Loaded = { db: DatabaseSync; handlers: Map<string, ReadHandler> };

const data = workerData as ReaderWorkerData;
if (data.nice > 0) setThreadNice(data.nice);
const generation = new Generation(data.generation);
const slots = new Float64Array(data.slots);
let loading: Promise<Loaded> | undefined;

export default async function runReadTask(task: ReadTask): Promise<ReadResult> {
  let loaded: Loaded;
  try {
    loaded = await load();
  } catch (err) {
    return { ok: false, error: serializeError(err), startedAt: epochMs(), runMs: 0 };
  }
  const startedAt = epochMs();
  const tracked = task.slot >= 0 && task.slot < slots.length;
  if (tracked) slots[task.slot] = startedAt;
  try {
    const handler = loaded.handlers.get(task.handler);
    if (!handler) {
      throw new InvalidInputError(`no read handler named ${task.handler}`, { field: 'handler' });
    }
    const ctx = { op: task.op, generation: generation.get() };
    const { value, transfer } = splitTransfer(await handler(loaded.db, task.args, ctx));
    const result: ReadResult = { ok: true, value, startedAt, runMs: epochMs() - startedAt };
    if (transfer.length === 0) return result;
    // piscina posts a "movable" answer with its transfer list and hands the caller the value.
    return move({
      [transferableSymbol]: transfer,
      [valueSymbol]: result,
    } as unknown as Parameters<typeof move>[0]) as unknown as ReadResult;
  } catch (err) {
    return { ok: false, error: serializeError(err), startedAt, runMs: epochMs() - startedAt };
  } finally {
    endLeakedTransaction(loaded.db);
    if (tracked) slots[task.slot] = 0;
  }
}

function load(): Promise<Loaded> {
  loading ??= open().catch((err) => {
    loading = undefined; // the next task tries again (e.g. the file did not exist yet)
    throw err;
  });
  return loading;
}

async function open(): Promise<Loaded> {
  const handlers = new Map<string, ReadHandler>();
  for (const href of data.extensions) {
    let ext: StoreExtension;
    try {
      ext = (await import(href)) as StoreExtension;
    } catch (cause) {
      throw new StoreError(`import store extension ${href}`, { cause });
    }
    for (const [name, fn] of Object.entries(ext.readHandlers ?? {})) {
      if (handlers.has(name)) {
        throw new StoreError(`read handler ${name} is defined twice (second in ${href})`, {
          code: 'STORE_DUPLICATE_HANDLER',
        });
      }
      handlers.set(name, fn);
    }
  }
  const db = openDatabase(data.path, { readOnly: true, cacheSizeKiB: data.cacheSizeKiB });
  return { db, handlers };
}

/** A handler that returned or threw inside BEGIN must not leave its snapshot open (it would pin the WAL). */
function endLeakedTransaction(db: DatabaseSync): void {
  if (db.isTransaction) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // Nothing else to do: the connection stays usable, the next BEGIN would report the problem.
    }
  }
}

// Eager: the thread imports its extensions and opens its connection as soon as it starts, so the
// first read does not pay for it.
void load().catch(() => {});
