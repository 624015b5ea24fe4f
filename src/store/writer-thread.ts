import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { StoreError } from '../errors.ts';
import { deserializeError } from './writer-errors.ts';
import type {
  BatchResult,
  JobOutcome,
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
 * migrations), send it batches, close it.
 *
 * Invariants:
 * 1. Batches are answered in the order they were sent: the worker handles messages in order. The
 *    caller bounds how many are in flight (Writer: WRITER_BATCHES_IN_FLIGHT; DirectWriter: one).
 * 2. If the thread dies, every batch in flight and every later `run` reject with a StoreError: the
 *    outcome of those batches is unknown to us, and the caller must hear it. So do express jobs.
 * 3. With `express: true`, `express(job)` posts one job on the express lane (writer-batch.ts,
 *    invariant 7) and resolves with its outcome, which may come back before the result of the
 *    batch in flight that ran it.
 */
export class WriterThread {
  readonly #data: WriterWorkerData;
  readonly #expressLane: boolean;
  #worker: Worker | undefined;
  #expressPort: MessagePort | undefined;
  /** Express jobs posted and not yet answered, by job id (invariant 3). */
  readonly #expressed = new Map<
    number,
    { resolve: (o: JobOutcome) => void; reject: (e: Error) => void }
  >();

  /** The running worker (undefined before start and after it ended). */
  get worker(): Worker | undefined {
    return this.#worker;
  }
  /** Batches in flight, oldest first (invariant 1). */
  readonly #pendings: { resolve: (r: BatchResult) => void; reject: (e: Error) => void }[] = [];
  #dead: Error | undefined;
  #closed: (() => void) | undefined;

  constructor(data: WriterWorkerData, options: { express?: boolean } = {}) {
    this.#data = data;
    this.#expressLane = options.express === true;
  }

  get busy(): boolean {
    return this.#pendings.length > 0;
  }

  /** Why the thread stopped taking work (it died, or was closed); undefined while it runs. */
  get failure(): Error | undefined {
    return this.#dead;
  }

  /** Spawns the thread; resolves once its connection is open and migrations ran. */
  start(): Promise<WorkerReady> {
    let workerData = this.#data;
    const transferList: MessagePort[] = [];
    if (this.#expressLane) {
      const channel = new MessageChannel();
      this.#expressPort = channel.port1;
      workerData = { ...this.#data, expressPort: channel.port2 };
      transferList.push(channel.port2);
    }
    const worker = new Worker(WORKER_URL, {
      workerData,
      transferList,
      name: 'seedling-writer',
    });
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
        else if (msg.type === 'express') this.#settleExpress(msg.outcomes);
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
  run(
    jobs: WireJob[],
    maxMs: number,
    order?: { seq: number; basedOn: number },
  ): Promise<BatchResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      const p = { resolve, reject };
      this.#pendings.push(p);
      try {
        this.#post({ type: 'batch', jobs, maxMs, ...order });
      } catch (err) {
        // DataCloneError: some payload is not plain data. Nothing was sent.
        this.#pendings.pop();
        reject(err as Error);
      }
    });
  }

  /**
   * Posts one job on the express lane (invariant 3); throws DataCloneError at once (nothing sent)
   * when its payload is not plain data.
   */
  express(job: WireJob): Promise<JobOutcome> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (!this.#expressPort)
      return Promise.reject(new StoreError('this writer has no express lane'));
    this.#expressPort.postMessage(job);
    return new Promise((resolve, reject) => {
      this.#expressed.set(job.id, { resolve, reject });
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
    this.#expressPort?.close();
    await worker.terminate();
  }

  #post(msg: MainMessage): void {
    this.#worker!.postMessage(msg);
  }

  #settle(result: BatchResult): void {
    this.#pendings.shift()?.resolve(result);
  }

  #settleExpress(outcomes: JobOutcome[]): void {
    for (const outcome of outcomes) {
      const pending = this.#expressed.get(outcome.id);
      this.#expressed.delete(outcome.id);
      pending?.resolve(outcome);
    }
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    for (const p of this.#pendings.splice(0)) p.reject(err);
    for (const p of this.#expressed.values()) p.reject(err);
    this.#expressed.clear();
    this.#expressPort?.close();
  }
}
