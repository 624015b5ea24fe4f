import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors.ts';
import { deserializeError } from './writer-errors.ts';
import type {
  BatchResult,
  MainMessage,
  WireJob,
  WorkerMessage,
  WorkerReady,
  WriterWorkerData,
} from './writer-protocol.ts';

const WORKER_URL = new URL('./writer-worker.ts', import.meta.url);
/** How long close() waits for the thread to close its connection before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Main-thread handle of one writer worker thread: start it (which opens the connection and runs
 * migrations), send it one batch at a time, close it.
 *
 * Invariants:
 * 1. At most one batch is in flight (`run` refuses a second): the worker handles messages in order
 *    and the caller decides what goes next from the previous result.
 * 2. If the thread dies, the batch in flight and every later `run` reject with a StoreError: the
 *    outcome of that batch is unknown to us, and the caller must hear it.
 */
export class WriterThread {
  readonly #data: WriterWorkerData;
  #worker: Worker | undefined;

  /** The running worker (undefined before start and after it ended). */
  get worker(): Worker | undefined {
    return this.#worker;
  }
  #pending: { resolve: (r: BatchResult) => void; reject: (e: Error) => void } | undefined;
  #dead: Error | undefined;
  #closed: (() => void) | undefined;

  constructor(data: WriterWorkerData) {
    this.#data = data;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Spawns the thread; resolves once its connection is open and migrations ran. */
  start(): Promise<WorkerReady> {
    const worker = new Worker(WORKER_URL, { workerData: this.#data, name: 'seedling-writer' });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          started = true;
          resolve(msg);
        } else if (msg.type === 'failed') {
          reject(deserializeError(msg.error, `start writer on ${this.#data.path}`));
        } else if (msg.type === 'result') this.#settle(msg);
        else if (msg.type === 'closed') this.#closed?.();
      });
      worker.on('error', (err) => {
        this.#die(new StoreError('writer thread failed', { cause: err }));
        if (!started) reject(this.#dead);
      });
      worker.on('exit', (code) => {
        this.#die(new StoreError(`writer thread exited (code ${code})`, { code: 'CLOSED' }));
        this.#closed?.();
        if (!started) reject(this.#dead);
      });
    });
  }

  /** Sends one batch (invariant 1); resolves with the worker's result. */
  run(jobs: WireJob[], maxMs: number): Promise<BatchResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending) return Promise.reject(new StoreError('a batch is already in flight'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      try {
        this.#post({ type: 'batch', jobs, maxMs });
      } catch (err) {
        // DataCloneError: some payload is not plain data. Nothing was sent.
        this.#pending = undefined;
        reject(err as Error);
      }
    });
  }

  /** Closes the connection and ends the thread (terminated if it does not answer in time). */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker || this.#dead) return;
    const done = new Promise<void>((resolve) => {
      this.#closed = resolve;
    });
    this.#post({ type: 'close' });
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
    await worker.terminate();
  }

  #post(msg: MainMessage): void {
    this.#worker!.postMessage(msg);
  }

  #settle(result: BatchResult): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(result);
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(err);
  }
}
