import type { DatabaseSync } from 'node:sqlite';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { WriteHandler } from './extension.ts';
import { Generation } from './generation.ts';
import { InteractiveWaiting } from './interactive-waiting.ts';
import { applyMigrationsOnWriter, collectMigrations, schemaVersionOnWriter } from './migrations.ts';
import { openDatabase } from './open-database.ts';
import { setThreadSchedBatch } from './thread-priority.ts';
import { type ExpressLane, type PipelineState, runBatchOnWriter } from './writer-batch.ts';
import { serializeError } from './writer-errors.ts';
import { collectHandlers, loadStoreExtensions } from './writer-extensions.ts';
import { WriterGate } from './writer-gate.ts';
import type {
  BatchRequest,
  BatchResult,
  ExpressResult,
  MainMessage,
  WireJob,
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

/** Invariant 7 of writer-batch.ts: the user's writes, read from their port between two jobs. */
const expressPort = data.expressPort;
const express: ExpressLane | undefined = expressPort
  ? {
      take() {
        const jobs: WireJob[] = [];
        for (let m = receiveMessageOnPort(expressPort); m; m = receiveMessageOnPort(expressPort)) {
          jobs.push(m.message as WireJob);
        }
        return jobs;
      },
      committed(outcomes, generation) {
        sendWithOutcomes({ type: 'express', outcomes, generation });
      },
    }
  : undefined;

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
function sendWithOutcomes(result: BatchResult | ExpressResult): void {
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
    expressPort?.close();
    port!.close();
    return;
  }
  const req = msg as BatchRequest;
  sendWithOutcomes(
    runBatchOnWriter(db, handlers, req.jobs, {
      maxMs: req.maxMs,
      generation,
      beginAttempts: data.beginAttempts,
      beginRetryMs: data.beginRetryMs,
      ...(gate ? { gate } : {}),
      ...(interactive ? { interactive } : {}),
      ...(express ? { express } : {}),
      ...(req.seq !== undefined && req.basedOn !== undefined
        ? { pipeline, seq: req.seq, basedOn: req.basedOn }
        : {}),
    }),
  );
}

/**
 * An express job that arrived while no batch ran (the one it was meant to join had just ended):
 * it runs at once as a batch of its own, and only an ExpressResult goes back. Later express jobs
 * arrive as later messages, so the lane keeps its order.
 */
function runExpressAlone(
  db: DatabaseSync,
  handlers: Map<string, WriteHandler>,
  job: WireJob,
): void {
  const r = runBatchOnWriter(db, handlers, [job], {
    maxMs: 0,
    generation,
    beginAttempts: data.beginAttempts,
    beginRetryMs: data.beginRetryMs,
    ...(gate ? { gate } : {}),
  });
  sendWithOutcomes({ type: 'express', outcomes: r.outcomes, generation: r.generation });
}

start().then(
  ({ db, handlers }) => {
    port.on('message', (msg: MainMessage) => handle(db, handlers, msg));
    expressPort?.on('message', (job: WireJob) => runExpressAlone(db, handlers, job));
  },
  (err: unknown) => {
    send({ type: 'failed', error: serializeError(err) });
    port.close();
  },
);
