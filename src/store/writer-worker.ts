import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { WriteHandler } from './extension.ts';
import { Generation } from './generation.ts';
import { InteractiveWaiting } from './interactive-waiting.ts';
import { applyMigrationsOnWriter, collectMigrations, schemaVersionOnWriter } from './migrations.ts';
import { openDatabase } from './open-database.ts';
import { setThreadSchedBatch } from './thread-priority.ts';
import { type PipelineState, runBatchOnWriter } from './writer-batch.ts';
import { serializeError } from './writer-errors.ts';
import { collectHandlers, loadStoreExtensions } from './writer-extensions.ts';
import { WriterGate } from './writer-gate.ts';
import type {
  BatchRequest,
  BatchResult,
  MainMessage,
  WorkerMessage,
  WriterWorkerData,
} from './writer-protocol.ts';

/**
 * The writer thread: holds a read-write connection and runs batches of write jobs sent by the
 * main thread (`Writer`, or one of `DirectWriter`'s connections). It handles one message at a
 * time, in order; the queued writer keeps up to two batches in flight (writer-batch.ts, invariant 6).
 */

const port = parentPort;
if (!port) throw new Error('writer-worker.ts must run in a worker thread');
const data = workerData as WriterWorkerData;
const generation = new Generation(data.generationBuffer);
const gate = data.gateBuffer ? new WriterGate(data.gateBuffer) : undefined;
const schedBatch = data.schedBatch === true && setThreadSchedBatch();
const interactive = data.interactiveBuffer
  ? new InteractiveWaiting(data.interactiveBuffer)
  : undefined;

/** Invariant 6 of writer-batch.ts: which batch last deferred jobs. */
const pipeline: PipelineState = { lastDeferredSeq: 0 };

function send(msg: WorkerMessage): void {
  port!.postMessage(msg);
}

async function start(): Promise<{ db: DatabaseSync; handlers: Map<string, WriteHandler> }> {
  const extensions = await loadStoreExtensions(data.extensionUrls);
  const handlers = collectHandlers(extensions, 'writeHandlers');
  const migrations = collectMigrations(extensions);
  const db = openDatabase(data.path, {
    synchronous: data.synchronous,
    disableAutoCheckpoint: data.disableAutoCheckpoint,
    busyTimeoutMs: data.busyTimeoutMs,
  });
  try {
    const applied = data.runMigrations ? applyMigrationsOnWriter(db, migrations).applied : [];
    send({
      type: 'ready',
      writeHandlers: [...handlers.keys()],
      schemaVersion: schemaVersionOnWriter(db),
      appliedMigrations: applied,
      schedBatch,
    });
    return { db, handlers };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Posts the result; a handler that returned something structured clone refuses fails alone. */
function sendResult(result: BatchResult): void {
  try {
    send(result);
  } catch {
    result.outcomes = result.outcomes.map((o) => {
      if (!o.ok) return o;
      try {
        structuredClone(o.value);
        return o;
      } catch (err) {
        // The job committed; only its return value cannot travel.
        return { id: o.id, ok: true, value: undefined, runMs: o.runMs, cloneError: String(err) };
      }
    });
    send(result);
  }
}

function handle(db: DatabaseSync, handlers: Map<string, WriteHandler>, msg: MainMessage): void {
  if (msg.type === 'close') {
    db.close();
    send({ type: 'closed' });
    port!.close();
    return;
  }
  const req = msg as BatchRequest;
  sendResult(
    runBatchOnWriter(db, handlers, req.jobs, {
      maxMs: req.maxMs,
      generation,
      beginAttempts: data.beginAttempts,
      beginRetryMs: data.beginRetryMs,
      ...(gate ? { gate } : {}),
      ...(interactive ? { interactive } : {}),
      ...(req.seq !== undefined && req.basedOn !== undefined
        ? { pipeline, seq: req.seq, basedOn: req.basedOn }
        : {}),
    }),
  );
}

start().then(
  ({ db, handlers }) => port.on('message', (msg: MainMessage) => handle(db, handlers, msg)),
  (err: unknown) => {
    send({ type: 'failed', error: serializeError(err) });
    port.close();
  },
);
