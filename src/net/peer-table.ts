import { debuglog } from 'node:util';
import {
  PEER_BACKOFF_BASE_MS,
  PEER_BACKOFF_JITTER,
  PEER_BACKOFF_MAX_MS,
  PEER_MAX_ADDRS,
  PEER_PERSIST_INTERVAL_MS,
  PEER_TABLE_MAX_PEERS,
} from '../constants.ts';
import type { NetMetrics } from './net-metrics.ts';

/** One known peer. Plain data: it crosses to the writer thread by structured clone. */
export type PeerRecord = {
  peerId: string;
  /** Multiaddr strings, most recent first, at most PEER_MAX_ADDRS. */
  addrs: string[];
  /** ms since epoch of the last connection or message; 0 = never seen (configured only). */
  lastSeen: number;
  protocolVersion: string | null;
  agentVersion: string | null;
  /** Consecutive failures since the last success. */
  failures: number;
  /** ms since epoch before which the peer should not be dialed. */
  backoffUntil: number;
  /** Protocol violations counted against this peer (never reset by success). */
  hostile: number;
  /** Configured bootstrap peer: never evicted. */
  bootstrap: boolean;
};

/** The part of the store the table uses (WRITER's `Store` satisfies it). */
export type PeerStore = {
  write(job: {
    op: string;
    class: 'background';
    handler: string;
    payload: unknown;
    key?: string;
  }): Promise<unknown>;
  read(job: { op: string; handler: string; args: unknown; lane?: 'lookup' }): Promise<unknown>;
};

export type PeerTableDeps = {
  metrics: NetMetrics;
  store?: PeerStore;
  log?: (fmt: string, ...args: unknown[]) => void;
};

export type PeerTableInit = {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Fraction of the backoff drawn at random: the wait is uniform in [d·(1−jitter), d]. */
  jitter?: number;
  maxPeers?: number;
  persistIntervalMs?: number;
  now?: () => number;
  random?: () => number;
};

/**
 * In-memory view of known peers, persisted through the store's `background` class.
 *
 * Invariants:
 * 1. Every mutation is O(1) and synchronous: libp2p event handlers call it inline and never wait on
 *    the store. Changed peers are marked dirty and flushed on a timer (and at `stop`) as one
 *    `background` write per peer, coalesced by key `net.peer:<id>` (latest wins).
 * 2. Backoff after the n-th consecutive failure is min(max, base·2^(n−1)) shrunk by up to
 *    `jitter` at random, so peers that failed together do not retry together; a success resets it.
 * 3. `dialCandidates` is never empty while the table holds any peer: when every peer is backed off
 *    it falls back to those whose backoff ends soonest (a node that only knows failing peers must
 *    still try someone). Bootstrap peers are never evicted, so configured peers always remain.
 * 4. At most `maxPeers` entries; beyond it the least recently seen non-bootstrap peer is evicted.
 */
export class PeerTable {
  readonly #deps: PeerTableDeps;
  readonly #peers = new Map<string, PeerRecord>();
  readonly #dirty = new Set<string>();
  /** Peers refused at the connection gate until the given time (in memory: a restart forgives). */
  readonly #bannedUntil = new Map<string, number>();
  readonly #base: number;
  readonly #max: number;
  readonly #jitter: number;
  readonly #maxPeers: number;
  readonly #persistIntervalMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #log: (fmt: string, ...args: unknown[]) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: PeerTableDeps, init: PeerTableInit = {}) {
    this.#deps = deps;
    this.#base = init.backoffBaseMs ?? PEER_BACKOFF_BASE_MS;
    this.#max = init.backoffMaxMs ?? PEER_BACKOFF_MAX_MS;
    this.#jitter = Math.min(1, Math.max(0, init.jitter ?? PEER_BACKOFF_JITTER));
    this.#maxPeers = init.maxPeers ?? PEER_TABLE_MAX_PEERS;
    this.#persistIntervalMs = init.persistIntervalMs ?? PEER_PERSIST_INTERVAL_MS;
    this.#now = init.now ?? Date.now;
    this.#random = init.random ?? Math.random;
    this.#log = deps.log ?? debuglog('seedling-net');
    deps.metrics.peersSource = () => this.#peers.size;
  }

  /** Loads persisted peers (read handler `net.listPeers`) and starts the flush timer. */
  async start(): Promise<void> {
    if (this.#deps.store) {
      const rows = (await this.#deps.store.read({
        op: 'net.loadPeers',
        handler: 'net.listPeers',
        args: { limit: this.#maxPeers },
        lane: 'lookup',
      })) as PeerRecord[];
      for (const row of rows) {
        const known = this.#peers.get(row.peerId);
        this.#peers.set(row.peerId, { ...row, bootstrap: known?.bootstrap ?? row.bootstrap });
      }
    }
    this.#timer = setInterval(() => this.flush(), this.#persistIntervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and flushes dirty peers (the writes are background: best effort). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
  }

  get size(): number {
    return this.#peers.size;
  }

  get(peerId: string): PeerRecord | undefined {
    return this.#peers.get(peerId);
  }

  all(): PeerRecord[] {
    return [...this.#peers.values()];
  }

  /** Adds a configured bootstrap peer (kept forever, dialable at once). */
  addBootstrap(peerId: string, addrs: string[]): void {
    const peer = this.#ensure(peerId);
    peer.bootstrap = true;
    this.#mergeAddrs(peer, addrs);
    this.#touch(peer);
  }

  /** Records that the peer was seen now (connection, identify), with any addresses and versions learned. */
  seen(
    peerId: string,
    info: { addrs?: string[]; protocolVersion?: string; agentVersion?: string } = {},
  ): void {
    const peer = this.#ensure(peerId);
    peer.lastSeen = this.#now();
    if (info.addrs) this.#mergeAddrs(peer, info.addrs);
    if (info.protocolVersion !== undefined) peer.protocolVersion = info.protocolVersion;
    if (info.agentVersion !== undefined) peer.agentVersion = info.agentVersion;
    this.#touch(peer);
  }

  /** A request to the peer succeeded: its backoff resets. */
  recordSuccess(peerId: string): void {
    const peer = this.#ensure(peerId);
    peer.lastSeen = this.#now();
    if (peer.failures === 0 && peer.backoffUntil === 0) return;
    peer.failures = 0;
    peer.backoffUntil = 0;
    this.#touch(peer);
  }

  /** A dial or request failed: the peer backs off (invariant 2). Returns the backoff in ms. */
  recordFailure(peerId: string): number {
    const peer = this.#ensure(peerId);
    peer.failures++;
    const delay = this.backoffFor(peer.failures);
    peer.backoffUntil = this.#now() + delay;
    this.#deps.metrics.peerBackoffs.inc();
    this.#touch(peer);
    return delay;
  }

  /** The peer broke the protocol; returns its total count. `ban` backs it off for the maximum time. */
  recordHostile(peerId: string, options: { ban?: boolean } = {}): number {
    const peer = this.#ensure(peerId);
    peer.hostile++;
    if (options.ban) {
      peer.backoffUntil = this.#now() + this.#max;
      this.#bannedUntil.set(peerId, peer.backoffUntil);
      this.#deps.metrics.peerBackoffs.inc();
    }
    this.#touch(peer);
    return peer.hostile;
  }

  /** Backoff after `failures` consecutive failures, with jitter. */
  backoffFor(failures: number): number {
    const exp = Math.min(this.#max, this.#base * 2 ** Math.min(Math.max(0, failures - 1), 30));
    return Math.round(exp * (1 - this.#jitter * this.#random()));
  }

  /** Banned for protocol violations: libp2p's connection gater refuses the peer until the ban ends. */
  isBanned(peerId: string): boolean {
    const until = this.#bannedUntil.get(peerId);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#bannedUntil.delete(peerId);
    return false;
  }

  isBackedOff(peerId: string): boolean {
    const peer = this.#peers.get(peerId);
    return peer !== undefined && peer.backoffUntil > this.#now();
  }

  /**
   * Up to `limit` peers to dial, best first: not backed off, then most recently seen. Never empty
   * while the table holds a peer (invariant 3): if all are backed off, those whose backoff ends
   * soonest are returned.
   */
  dialCandidates(limit: number, options: { exclude?: Set<string> } = {}): PeerRecord[] {
    const now = this.#now();
    const pool = this.all().filter((p) => !options.exclude?.has(p.peerId) && p.addrs.length > 0);
    const ready = pool.filter((p) => p.backoffUntil <= now);
    if (ready.length > 0) {
      return ready.sort((a, b) => b.lastSeen - a.lastSeen || a.hostile - b.hostile).slice(0, limit);
    }
    return pool.sort((a, b) => a.backoffUntil - b.backoffUntil).slice(0, limit);
  }

  /** Sends dirty peers to the store (`background` class, coalesced per peer). Never throws. */
  flush(): void {
    const store = this.#deps.store;
    if (!store) {
      this.#dirty.clear();
      return;
    }
    for (const id of this.#dirty) {
      const peer = this.#peers.get(id);
      if (!peer) continue;
      store
        .write({
          op: 'net.persistPeer',
          class: 'background',
          key: `net.peer:${id}`,
          handler: 'net.upsertPeer',
          payload: { ...peer, addrs: [...peer.addrs] },
        })
        .catch((err: unknown) => this.#log('persist peer %s failed: %s', id, String(err)));
    }
    this.#dirty.clear();
  }

  #ensure(peerId: string): PeerRecord {
    let peer = this.#peers.get(peerId);
    if (!peer) {
      peer = {
        peerId,
        addrs: [],
        lastSeen: 0,
        protocolVersion: null,
        agentVersion: null,
        failures: 0,
        backoffUntil: 0,
        hostile: 0,
        bootstrap: false,
      };
      this.#peers.set(peerId, peer);
      this.#evictIfFull(peerId);
    }
    return peer;
  }

  #mergeAddrs(peer: PeerRecord, addrs: string[]): void {
    const merged = [...new Set([...addrs, ...peer.addrs])];
    peer.addrs = merged.slice(0, PEER_MAX_ADDRS);
  }

  #touch(peer: PeerRecord): void {
    this.#dirty.add(peer.peerId);
  }

  /** Evicts the least recently seen non-bootstrap peer other than the one just added. */
  #evictIfFull(added: string): void {
    if (this.#peers.size <= this.#maxPeers) return;
    let victim: PeerRecord | undefined;
    for (const p of this.#peers.values()) {
      if (p.bootstrap || p.peerId === added) continue;
      if (!victim || p.lastSeen < victim.lastSeen) victim = p;
    }
    if (victim) {
      this.#peers.delete(victim.peerId);
      this.#dirty.delete(victim.peerId);
    }
  }
}
