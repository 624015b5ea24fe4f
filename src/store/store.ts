import type { Registry } from 'prom-client';
import { WAL_SYNC_THROTTLE_BYTES } from '../constants.ts';
import type { OperationTracker } from '../obs/operation-tracker.ts';
import { type NamedThread, registerThreadHeapMetric } from '../obs/thread-heap.ts';
import type { WriteClass } from '../types.ts';
import { Checkpointer } from './checkpointer.ts';
import { DirectWriter } from './direct-writer.ts';
import { Generation } from './generation.ts';
import { MainLookups } from './main-lookups.ts';
import { ReaderPool, type ReadLane } from './reader-pool.ts';
import { StoreLock } from './store-lock.ts';
import { SyncHold } from './sync-hold.ts';
import type { WriteJob, WriteQueueInit } from './write-queue.ts';
import { Writer } from './writer.ts';
import { STORE_EXTENSION_URL } from './writer-extensions.ts';
import { WriterGate } from './writer-gate.ts';
import { createWriterMetrics, type WriterMetrics } from './writer-metrics.ts';

export type StoreDeps = {
  registry: Registry;
  tracker?: OperationTracker;
  log?: (msg: string, extra?: object) => void;
};

export type StoreInit = WriteQueueInit & {
  path: string;
  /** Store extension modules (index, blob, net…); the store's own blobs extension is always added first. */
  extensions?: URL[];
  /** `queued` (the design) or `direct` (comparison: many connections racing for the lock). */
  mode?: 'queued' | 'direct';
  synchronous?: 'NORMAL' | 'FULL';
  readerThreads?: number;
  /** Reader lanes (reader-pool.ts, invariant 4; default true). `false` only for comparison. */
  readerLanes?: boolean;
  /** Longest a read may run before the pool stops it (READERS' default when absent). */
  maxReadMs?: number;
  /** Time budget of one group-commit batch on the writer thread. */
  batchMaxMs?: number;
  /** Queued writer thread under SCHED_BATCH (default WRITER_SCHED_BATCH). */
  writerSchedBatch?: boolean;
  /** The queued writer's express lane for interactive writes (writer.ts, invariant 6; default WRITER_EXPRESS_LANE). */
  writerExpress?: boolean;
  /** `direct` mode: connections and their busy timeout. */
  directConnections?: number;
  directBusyTimeoutMs?: number;
  /** Checkpointer timer and TRUNCATE threshold (READERS' defaults when absent). */
  checkpointIntervalMs?: number;
  truncateAboveBytes?: number;
  /** WAL bytes not yet copied into the database above which the checkpointer holds sync (write-queue rule 8). */
  walThrottleBytes?: number;
};

export type ReadRequest = {
  op: string;
  handler: string;
  args: unknown;
  signal?: AbortSignal;
  /** `bulk` for sync's heavy reads: their own threads, at a lower OS priority (reader-pool.ts, invariant 4). */
  lane?: ReadLane;
  /** Buffers of `args` moved to the reader thread, not copied (the caller must not use them after). */
  transfer?: ArrayBuffer[];
};

export type Store = {
  /**
   * Resolves after COMMIT with the handler's return value. interactive: OverloadError at once when
   * full. sync: waits for room (back-pressure). background: needs `key`; coalesced latest-wins;
   * resolves when flushed (or, dropped under pressure, with `undefined`: counted).
   */
  write<T = unknown>(job: WriteJob): Promise<T>;
  /** Runs a read handler on a reader-pool thread (read-only connection). */
  read<T = unknown>(req: ReadRequest): Promise<T>;
  /**
   * Runs a point lookup (a handler an extension lists in `pointLookups`) on the main thread's own
   * read-only connection: no thread hop, timed (main-lookups.ts).
   */
  lookup<T = unknown>(req: { op: string; handler: string; args: unknown }): Promise<T>;
  /** Bumped by the writer after each commit; `buffer` can be handed to any thread. */
  generation: Generation;
  path: string;
  mode: 'queued' | 'direct';
  /** Writes waiting in a class (direct mode: waiting or running). */
  depth(cls: WriteClass): number;
  /**
   * The app is using the node (the API calls this on every request): for a while, sync's bulk
   * reads keep to their own lower-priority threads (reader-pool.ts, invariant 4).
   */
  noteAppActivity(): void;
  /** Whether the app read or made an API request in the last `ms` milliseconds. */
  appActiveWithin(ms: number): boolean;
  /**
   * What keeps the store from working as it should, in words (empty when healthy): a writer
   * thread that died (no write can commit), a checkpointer that stopped (the WAL grows unbounded).
   */
  problems(): string[];
  /** The store's worker threads by name (writer, readers, checkpointer): metrics, tests. */
  threads(): NamedThread[];
  /** Drains the write queues, then stops the writer, readers and checkpointer. */
  close(): Promise<void>;
};

type AnyWriter = Writer | DirectWriter;

/**
 * Opens the store: the writer (which applies migrations), then the checkpointer (whose start-up
 * TRUNCATE drains a WAL left by a crash, before any write), then the reader pool. If a step fails,
 * the parts already started are closed before the error is thrown.
 */
export async function openStore(deps: StoreDeps, init: StoreInit): Promise<Store> {
  const generation = new Generation();
  const gate = new WriterGate();
  const metrics = createWriterMetrics(deps.registry);
  const mode = init.mode ?? 'queued';
  // First, so a second store on the file fails before it starts a thread (store-lock.ts).
  const lock = StoreLock.acquire(init.path);
  const started: { close(): Promise<void> }[] = [{ close: async () => lock.release() }];
  try {
    // Rule 8 of write-queue.ts: bound by the checkpointer, which starts after the writer.
    let backlog = (): number => 0;
    const syncHold = new SyncHold();
    const throttleBytes = init.walThrottleBytes ?? WAL_SYNC_THROTTLE_BYTES;
    const syncLimit = walSyncLimit(
      () => backlog(),
      throttleBytes,
      () => syncHold.active(),
    );
    const writer = await startWriter(deps, init, { generation, gate, metrics, syncLimit });
    started.push(writer);
    const checkpointer = new Checkpointer(
      { registry: deps.registry, ...(deps.log ? { log: deps.log } : {}) },
      {
        path: init.path,
        writeGateBuffer: gate.buffer,
        // Direct mode has no queue to hold sync in: its checkpointer never asks.
        ...(mode === 'queued'
          ? { syncHold: { buffer: syncHold.buffer, aboveBytes: throttleBytes } }
          : {}),
        ...(init.checkpointIntervalMs !== undefined
          ? { intervalMs: init.checkpointIntervalMs }
          : {}),
        ...(init.truncateAboveBytes !== undefined
          ? { truncateAboveBytes: init.truncateAboveBytes }
          : {}),
      },
    );
    await checkpointer.start();
    started.push({ close: () => checkpointer.stop() });
    backlog = () => checkpointer.walBacklogBytes();
    const readers = new ReaderPool(
      { registry: deps.registry, ...(deps.tracker ? { tracker: deps.tracker } : {}) },
      {
        path: init.path,
        extensions: [STORE_EXTENSION_URL, ...(init.extensions ?? [])],
        generationBuffer: generation.buffer,
        ...(init.readerThreads !== undefined ? { threads: init.readerThreads } : {}),
        ...(init.readerLanes !== undefined ? { lanes: init.readerLanes } : {}),
        ...(init.maxReadMs !== undefined ? { maxReadMs: init.maxReadMs } : {}),
      },
    );
    started.push({ close: () => readers.close() });
    const lookups = await MainLookups.open(
      {
        registry: deps.registry,
        generation: () => generation.get(),
        ...(deps.tracker ? { tracker: deps.tracker } : {}),
      },
      { path: init.path, extensions: [STORE_EXTENSION_URL, ...(init.extensions ?? [])] },
    );
    const store = facade(init.path, mode, generation, writer, readers, checkpointer, lookups, lock);
    registerThreadHeapMetric(deps.registry, () => store.threads());
    return store;
  } catch (err) {
    for (const part of started.reverse()) await part.close().catch(() => {});
    throw err;
  }
}

async function startWriter(
  deps: StoreDeps,
  init: StoreInit,
  shared: {
    generation: Generation;
    gate: WriterGate;
    metrics: WriterMetrics;
    syncLimit: () => number;
  },
): Promise<AnyWriter> {
  const { generation, gate, metrics, syncLimit } = shared;
  const writerDeps = {
    metrics,
    generation,
    ...(deps.tracker ? { tracker: deps.tracker } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  };
  if (init.mode === 'direct') {
    const direct = new DirectWriter(writerDeps, {
      path: init.path,
      ...(init.extensions ? { extensions: init.extensions } : {}),
      ...(init.synchronous ? { synchronous: init.synchronous } : {}),
      ...(init.directConnections ? { connections: init.directConnections } : {}),
      ...(init.directBusyTimeoutMs !== undefined
        ? { busyTimeoutMs: init.directBusyTimeoutMs }
        : {}),
    });
    try {
      await direct.start();
    } catch (err) {
      await direct.close().catch(() => {});
      throw err;
    }
    return direct;
  }
  const writer = new Writer(
    { ...writerDeps, gate, syncLimit },
    {
      ...init,
      ...(init.writerSchedBatch !== undefined ? { schedBatch: init.writerSchedBatch } : {}),
      ...(init.writerExpress !== undefined ? { express: init.writerExpress } : {}),
    },
  );
  await writer.start();
  return writer;
}

/**
 * Rule 8 of write-queue.ts: no sync job while the checkpointer holds sync (`held`, read on every
 * batch: a shared-memory load); else one sync job per batch while the WAL holds more than
 * `thresholdBytes` not yet copied into the database; else no cap. The backlog is read from the
 * wal-index at most every 50 ms (a file read).
 */
export function walSyncLimit(
  backlogBytes: () => number,
  thresholdBytes: number,
  held: () => boolean = () => false,
): () => number {
  let checkedAt = -Infinity;
  let limit = Number.POSITIVE_INFINITY;
  return () => {
    if (held()) return 0;
    const now = performance.now();
    if (now - checkedAt >= 50) {
      checkedAt = now;
      limit = backlogBytes() > thresholdBytes ? 1 : Number.POSITIVE_INFINITY;
    }
    return limit;
  };
}

function facade(
  path: string,
  mode: 'queued' | 'direct',
  generation: Generation,
  writer: AnyWriter,
  readers: ReaderPool,
  checkpointer: Checkpointer,
  lookups: MainLookups,
  lock: StoreLock,
): Store {
  let closing: Promise<void> | undefined;
  return {
    path,
    mode,
    generation,
    write: <T>(job: WriteJob) => writer.write<T>(job),
    read: <T>(req: ReadRequest) =>
      readers.run<T>(req.op, req.handler, req.args, {
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.lane ? { lane: req.lane } : {}),
        ...(req.transfer ? { transfer: req.transfer } : {}),
      }),
    lookup: <T>(req: { op: string; handler: string; args: unknown }) =>
      lookups.run<T>(req.op, req.handler, req.args),
    depth: (cls) => writer.depth(cls),
    noteAppActivity: () => readers.noteAppActivity(),
    appActiveWithin: (ms) => readers.appActiveWithin(ms),
    threads: () => [
      ...writer.workerThreads(),
      ...readers.workerThreads(),
      ...checkpointer.workerThreads(),
    ],
    problems() {
      if (closing) return [];
      const out: string[] = [];
      const failure = writer.failure();
      if (failure) out.push(`writer: ${failure.message}; no write can commit until a restart`);
      if (!checkpointer.running) {
        out.push('checkpointer: stopped; the WAL is no longer copied into the database and grows');
      }
      return out;
    },
    close() {
      closing ??= (async () => {
        try {
          await writer.close();
          lookups.close();
          await readers.close();
          await checkpointer.stop();
        } finally {
          lock.release();
        }
      })();
      return closing;
    },
  };
}
