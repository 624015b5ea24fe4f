import type { DatabaseSync } from 'node:sqlite';
import { Histogram, type Registry } from 'prom-client';
import { InvalidInputError } from '../errors.ts';
import type { OperationTracker } from '../obs/operation-tracker.ts';
import type { ReadHandler, StoreExtension } from './extension.ts';
import { openDatabase } from './open-database.ts';

/**
 * Point lookups on the main thread (DESIGN §4: "only indexed point lookups may run on the main
 * thread, and each is timed"). A read-only connection of its own runs the handlers an extension
 * lists in `pointLookups` — reads bounded by an index (one document row, one feed page) that take
 * well under a millisecond — so the app's most frequent calls skip the pool's thread hop and never
 * wait behind other reads.
 *
 * Invariants:
 * 1. Only handlers named in an extension's `pointLookups` run here; anything else is refused.
 * 2. Each handler's statements run to completion before it returns: no snapshot stays open.
 * 3. Every lookup is timed (histogram per handler, and the operation tracker when given).
 */
export class MainLookups {
  readonly #db: DatabaseSync;
  readonly #handlers = new Map<string, ReadHandler>();
  readonly #tracker: OperationTracker | undefined;
  readonly #seconds: Histogram;
  readonly #generation: () => number;

  private constructor(
    db: DatabaseSync,
    deps: { registry: Registry; tracker?: OperationTracker; generation: () => number },
  ) {
    this.#db = db;
    this.#tracker = deps.tracker;
    this.#generation = deps.generation;
    this.#seconds = new Histogram({
      name: 'seedling_main_lookup_seconds',
      help: 'Point lookups run on the main thread, by handler',
      labelNames: ['handler'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [deps.registry],
    });
  }

  static async open(
    deps: { registry: Registry; tracker?: OperationTracker; generation: () => number },
    init: { path: string; extensions: URL[] },
  ): Promise<MainLookups> {
    const lookups = new MainLookups(openDatabase(init.path, { readOnly: true }), deps);
    try {
      for (const url of init.extensions) {
        const ext = (await import(url.href)) as StoreExtension & { pointLookups?: string[] };
        for (const name of ext.pointLookups ?? []) {
          const handler = ext.readHandlers?.[name];
          if (!handler) throw new Error(`${url.href}: pointLookups names unknown handler ${name}`);
          lookups.#handlers.set(name, handler);
        }
      }
    } catch (err) {
      lookups.close();
      throw err;
    }
    return lookups;
  }

  has(handler: string): boolean {
    return this.#handlers.has(handler);
  }

  async run<T>(op: string, handler: string, args: unknown): Promise<T> {
    const fn = this.#handlers.get(handler);
    if (!fn) {
      throw new InvalidInputError(`${handler} is not a point lookup`, { field: 'handler' });
    }
    const start = performance.now();
    let ok = false;
    try {
      const value = (await fn(this.#db, args, { op, generation: this.#generation() })) as T;
      ok = true;
      return value;
    } finally {
      const ms = performance.now() - start;
      this.#seconds.observe({ handler }, ms / 1000);
      this.#tracker?.record({ op, kind: 'read', waitMs: 0, runMs: ms, ok });
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
