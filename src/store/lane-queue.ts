import { Piscina, type TaskQueue } from 'piscina';

type QueuedTask = Parameters<TaskQueue['push']>[0];

/** What a read carries in piscina's queue options: which lane it came from. */
export type LaneQueueOptions = { lane: 'app' | 'bulk' };

/**
 * Piscina task queue of the app reader threads: app reads first, then bulk reads borrowed while
 * the app was idle (reader-pool.ts, invariant 4). So an app read arriving behind a queue of sync
 * work waits for the tasks already running and at most one more per thread (piscina parks a task
 * it took off this queue but could not place yet, and serves that one first), never for the rest
 * of the queue. FIFO within a lane.
 */
export class LaneQueue implements TaskQueue {
  readonly #app: QueuedTask[] = [];
  readonly #bulk: QueuedTask[] = [];

  get size(): number {
    return this.#app.length + this.#bulk.length;
  }

  push(task: QueuedTask): void {
    this.#laneOf(task).push(task);
  }

  unshift(task: QueuedTask): void {
    this.#laneOf(task).unshift(task);
  }

  shift(): QueuedTask | null {
    return this.#app.shift() ?? this.#bulk.shift() ?? null;
  }

  remove(task: QueuedTask): void {
    const lane = this.#laneOf(task);
    const at = lane.indexOf(task);
    if (at >= 0) lane.splice(at, 1);
  }

  #laneOf(task: QueuedTask): QueuedTask[] {
    // Task's key is piscina's own symbol, which its types do not export as a unique symbol.
    const options = (task as unknown as Record<symbol, LaneQueueOptions | null>)[
      Piscina.queueOptionsSymbol
    ];
    return options?.lane === 'bulk' ? this.#bulk : this.#app;
  }
}
