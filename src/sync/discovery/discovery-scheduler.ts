import { LRUCache } from 'lru-cache';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  DISCOVERY_INTEREST_TTL_MS,
  DISCOVERY_MAX_FINISHED,
  DISCOVERY_PEER_PARALLELISM,
  DISCOVERY_RESULT_TTL_MS,
  DISCOVERY_WORKERS,
} from '../../constants.ts';
import { ClosedError } from '../../errors.ts';
import { isLocalFailure } from '../local-failure.ts';
import type { PullResult } from '../sync-engine.ts';
import {
  type DiscoveryRequest,
  type NormalizedRequest,
  normalizeRequest,
} from './discovery-request.ts';
import { type DiscoveryProgress, type DiscoveryState, DiscoveryTask } from './discovery-task.ts';
import { choosePeerTiers, type PeerChoiceInit } from './peer-choice.ts';

/**
 * Runs discovery tasks (DESIGN §5). Ordering and fairness:
 * 1. One task per key: a second ask for the same key joins the running (or queued) task, and an ask
 *    within DISCOVERY_RESULT_TTL_MS of its end gets the finished result: discovery never repeats itself.
 * 2. Hot (on-screen) tasks start before background ones; background tasks may use every worker
 *    slot but one, so an on-screen ask always finds a free slot.
 * 3. A hot task lives on its callers' interest: each ask or heartbeat renews it; one without
 *    interest for DISCOVERY_INTEREST_TTL_MS is cancelled (state `expired`). Background tasks run out.
 * 4. Peers are asked in tiers (peer-choice.ts); the next tier only while something is owed: the
 *    wanted version is not stored yet, or (no version wanted) no peer has answered.
 * 5. A pull that fails on this node's side (its store: a full disk; its shutdown) fails the task
 *    with that error at once: no peer is asked after it, and no peer is counted as failed.
 */

export type DiscoveryPeers<P> = {
  authorities(account: string): P[];
  connected(): P[];
  cold(limit: number, exclude: Set<string>): P[];
  keyOf(peer: P): string;
  recordOutcome?(peer: P, ok: boolean): void;
};

export type DiscoveryDeps<P> = {
  registry: Registry;
  pull(peer: P, scope: string, signal: AbortSignal): Promise<PullResult>;
  peers: DiscoveryPeers<P>;
  /** The local version of a document, or null when absent; `hasVersion`: every head of `version` is stored. */
  local: {
    version(account: string, path: string): Promise<string | null>;
    hasVersion(version: string): Promise<boolean>;
  };
  now?: () => number;
  log?: (msg: string, err?: unknown) => void;
};

export type DiscoveryInit = PeerChoiceInit & {
  /** false: every ask runs its own task, nothing is joined or reused (the naive design, for comparison only). */
  shareTasks?: boolean;
  workers?: number;
  interestTtlMs?: number;
  resultTtlMs?: number;
  peerParallelism?: number;
};

export class DiscoveryScheduler<P> {
  readonly #deps: DiscoveryDeps<P>;
  readonly #init: Required<Omit<DiscoveryInit, keyof PeerChoiceInit>> & PeerChoiceInit;
  readonly #active = new Map<string, DiscoveryTask>();
  readonly #queue: DiscoveryTask[] = [];
  readonly #finished: LRUCache<string, DiscoveryTask>;
  readonly #listeners = new Set<(p: DiscoveryProgress) => void>();
  readonly #metrics: ReturnType<typeof discoveryMetrics>;
  readonly #sweeper: NodeJS.Timeout;
  #running = { hot: 0, background: 0 };
  #closed = false;
  #unshared = 0;
  /** Dials (peers asked) summed over finished tasks; the storm bench divides by tasks. */
  dials = 0;

  constructor(deps: DiscoveryDeps<P>, init: DiscoveryInit = {}) {
    this.#deps = deps;
    this.#init = {
      ...init,
      workers: Math.max(2, init.workers ?? DISCOVERY_WORKERS),
      interestTtlMs: init.interestTtlMs ?? DISCOVERY_INTEREST_TTL_MS,
      resultTtlMs: init.resultTtlMs ?? DISCOVERY_RESULT_TTL_MS,
      peerParallelism: init.peerParallelism ?? DISCOVERY_PEER_PARALLELISM,
      shareTasks: init.shareTasks ?? true,
    };
    this.#finished = new LRUCache({ max: DISCOVERY_MAX_FINISHED, ttl: this.#init.resultTtlMs });
    this.#metrics = discoveryMetrics(deps.registry, () => this.#running);
    this.#sweeper = setInterval(() => this.#expireIdle(), 1_000);
    this.#sweeper.unref();
  }

  /** Starts a task for the request, or joins the one running; returns its state at once. */
  discover(req: DiscoveryRequest): DiscoveryProgress {
    if (this.#closed) throw new ClosedError('discovery');
    const request = normalizeRequest(req);
    if (!this.#init.shareTasks) request.key = `${request.key}#${++this.#unshared}`;
    const now = this.#now();
    const active = this.#active.get(request.key);
    if (active !== undefined) {
      active.lastInterest = now;
      active.progress.joins++;
      if (request.hot) active.progress.hot = true;
      this.#metrics.asks.inc({ outcome: 'joined' });
      return active.snapshot();
    }
    const done = this.#finished.get(request.key);
    if (done !== undefined) {
      if (request.hot) done.lastInterest = now;
      this.#metrics.asks.inc({ outcome: 'cached' });
      return done.snapshot();
    }
    const task = new DiscoveryTask(request, now);
    this.#active.set(request.key, task);
    this.#queue.push(task);
    this.#metrics.asks.inc({ outcome: 'started' });
    this.#pump();
    return task.snapshot();
  }

  /** Renews the interest in a task; false when no such task is active. */
  heartbeat(key: string): boolean {
    const task = this.#active.get(key);
    if (task === undefined) return false;
    task.lastInterest = this.#now();
    return true;
  }

  /**
   * The hot requests an app asked for within the interest TTL, running or finished: what the node
   * follows on screen now (announce-listener.ts reconciles these first when a peer has news).
   */
  interested(): NormalizedRequest[] {
    const cutoff = this.#now() - this.#init.interestTtlMs;
    const out: NormalizedRequest[] = [];
    for (const task of [...this.#active.values(), ...this.#finished.values()]) {
      if (task.progress.hot && task.lastInterest >= cutoff) out.push(task.request);
    }
    return out;
  }

  /** Drops a finished result (newer blobs arrived): the next ask for `key` runs again. */
  forget(key: string): void {
    this.#finished.delete(key);
  }

  status(key: string): DiscoveryProgress | undefined {
    return (this.#active.get(key) ?? this.#finished.get(key))?.snapshot();
  }

  /** Every change of any task's progress; returns the unsubscribe function. */
  onProgress(listener: (p: DiscoveryProgress) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when `key` finishes (for tests and the CLI). */
  async settled(key: string): Promise<DiscoveryProgress | undefined> {
    while (this.#active.has(key)) {
      await new Promise<void>((resolve) => {
        const off = this.onProgress((p) => {
          if (p.key === key && p.finishedAt !== null) {
            off();
            resolve();
          }
        });
      });
    }
    return this.status(key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const task of this.#active.values()) task.abort.abort(new ClosedError('discovery'));
    this.#queue.length = 0;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  /** Starts queued tasks while slots allow (hot first; one slot kept for hot). */
  #pump(): void {
    this.#queue.sort((a, b) => Number(b.progress.hot) - Number(a.progress.hot));
    while (this.#queue.length > 0) {
      const busy = this.#running.hot + this.#running.background;
      const next = this.#queue[0]!;
      const limit = next.progress.hot ? this.#init.workers : this.#init.workers - 1;
      if (busy >= limit) return;
      this.#queue.shift();
      this.#start(next);
    }
  }

  #start(task: DiscoveryTask): void {
    const lane = task.progress.hot ? 'hot' : 'background';
    this.#running[lane]++;
    task.progress.state = 'running';
    task.progress.startedAt = this.#now();
    this.#emit(task);
    this.#run(task)
      .catch((err): DiscoveryState => {
        task.progress.lastError = err instanceof Error ? err.message : String(err);
        return task.abort.signal.aborted ? 'expired' : 'failed';
      })
      .then((state) => this.#finish(task, state))
      .finally(() => {
        this.#running[lane]--;
        this.#pump();
      });
  }

  /** Asks peers tier by tier; answers the task's final state (set by #finish with its result). */
  async #run(task: DiscoveryTask): Promise<'done' | 'failed'> {
    const { account, path, version } = task.request;
    const local = await this.#deps.local.version(account, path);
    if (version !== null && (await this.#deps.local.hasVersion(version))) return 'done';
    const peers = this.#deps.peers;
    const tiers = choosePeerTiers(
      {
        authorities: peers.authorities(account),
        connected: peers.connected(),
        cold: (limit, exclude) => peers.cold(limit, exclude),
        keyOf: (p) => peers.keyOf(p),
        contentPresent: local !== null,
      },
      this.#init,
    );
    let owed = true;
    let localFailure: unknown;
    for (const tier of tiers) {
      await mapLimit(tier, this.#init.peerParallelism, (peer) =>
        localFailure === undefined
          ? this.#askPeer(task, peer).catch((err: unknown) => {
              localFailure = err;
            })
          : Promise.resolve(),
      );
      if (localFailure !== undefined) throw localFailure; // the task fails with it (#start)
      task.abort.signal.throwIfAborted();
      owed = await this.#owed(task);
      if (!owed) break;
    }
    if (owed && task.progress.lastError === null) {
      task.progress.lastError = tiers.length === 0 ? 'no peers known' : 'wanted version not found';
    }
    return owed && task.progress.peersOk === 0 ? 'failed' : 'done';
  }

  async #askPeer(task: DiscoveryTask, peer: P): Promise<void> {
    task.progress.peersAsked++;
    this.dials++;
    try {
      for (const scope of task.request.scopes) {
        const r = await this.#deps.pull(peer, scope, task.abort.signal);
        task.progress.blobsWanted += r.wanted;
        task.progress.blobsFetched += r.written;
      }
      task.progress.peersOk++;
      this.#deps.peers.recordOutcome?.(peer, true);
    } catch (err) {
      // This node's own failure (its store full or closing) is no peer's fault: blaming the peer
      // would back it off, and the next peer would fail the same way. It ends the task (invariant 5).
      if (isLocalFailure(err)) throw err;
      task.progress.peersFailed++;
      task.progress.lastError = err instanceof Error ? err.message : String(err);
      this.#deps.peers.recordOutcome?.(peer, false);
    }
    this.#emit(task);
  }

  async #owed(task: DiscoveryTask): Promise<boolean> {
    const version = task.request.version;
    if (version !== null) return !(await this.#deps.local.hasVersion(version));
    return task.progress.peersOk === 0;
  }

  /**
   * Reads the result version, then makes the task terminal: state and result change together, so
   * no reader ever sees a finished task without its result (a `done` with no version reads as
   * "not found").
   */
  async #finish(task: DiscoveryTask, state: DiscoveryState): Promise<void> {
    try {
      task.progress.resultVersion = await this.#deps.local.version(
        task.request.account,
        task.request.path,
      );
    } catch (err) {
      this.#deps.log?.('discovery: reading the result version failed', err);
    }
    task.progress.finishedAt = this.#now();
    task.progress.state = state;
    this.#active.delete(task.request.key);
    this.#finished.set(task.request.key, task);
    this.#metrics.finished.inc({ state });
    this.#metrics.peersAsked.observe(task.progress.peersAsked);
    this.#emit(task);
  }

  #expireIdle(): void {
    const cutoff = this.#now() - this.#init.interestTtlMs;
    for (const task of this.#active.values()) {
      if (!task.progress.hot || task.lastInterest >= cutoff) continue;
      if (task.progress.state === 'queued') {
        this.#queue.splice(this.#queue.indexOf(task), 1);
        task.progress.state = 'expired';
        void this.#finish(task, 'expired');
      } else {
        task.abort.abort(new Error('no interest: the app stopped asking'));
      }
    }
  }

  #emit(task: DiscoveryTask): void {
    const snapshot = task.snapshot();
    for (const listener of this.#listeners) listener(snapshot);
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

function discoveryMetrics(registry: Registry, running: () => { hot: number; background: number }) {
  return {
    asks: new Counter({
      name: 'seedling_discovery_asks_total',
      help: 'Discovery asks by outcome: started a task, joined a running one, answered from a finished one',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    finished: new Counter({
      name: 'seedling_discovery_finished_total',
      help: 'Discovery tasks finished, by state',
      labelNames: ['state'],
      registers: [registry],
    }),
    peersAsked: new Histogram({
      name: 'seedling_discovery_peers_asked',
      help: 'Peers asked (dialed) per discovery task',
      buckets: [0, 1, 2, 3, 5, 8, 13, 30],
      registers: [registry],
    }),
    running: new Gauge({
      name: 'seedling_discovery_running',
      help: 'Discovery tasks running, by lane',
      labelNames: ['lane'],
      registers: [registry],
      collect() {
        const r = running();
        this.set({ lane: 'hot' }, r.hot);
        this.set({ lane: 'background' }, r.background);
      },
    }),
  };
}
