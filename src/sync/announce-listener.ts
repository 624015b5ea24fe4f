import { LRUCache } from 'lru-cache';
import type { CID } from 'multiformats/cid';
import { Counter, type Registry } from 'prom-client';
import {
  ANNOUNCE_CLASSIFY_MAX,
  ANNOUNCE_COALESCE_MS,
  ANNOUNCE_MAX_PEERS_TRACKED,
  ANNOUNCE_MAX_SCOPES,
  ANNOUNCE_MIN_INTERVAL_MS,
  MAX_CIDS_PER_MESSAGE,
} from '../constants.ts';
import { isLocalFailure } from './local-failure.ts';
import type { PullResult } from './sync-engine.ts';

/**
 * Acts on a peer's `Announce` (announcer.ts is the other side): when it names blobs this node does
 * not have, in a space the node follows — one an app shows now (a hot discovery) or a subscription —
 * the node reconciles that space's followed scopes with the peer. New content of a followed space
 * then arrives within about a second, not at the next discovery (DISCOVERY_RESULT_TTL_MS) or
 * subscription refresh.
 *
 * To learn which spaces the announced blobs belong to, a few of the missing ones
 * (ANNOUNCE_CLASSIFY_MAX) are fetched and verified, and only read: an Announce never makes the
 * node store what it does not follow, and never stores anything outside the normal pull path
 * (verify, `sync` writes). What a peer can cost us is bounded: its announcements are gathered for
 * ANNOUNCE_COALESCE_MS and acted on at most once per ANNOUNCE_MIN_INTERVAL_MS, one round at a
 * time; a round whose CIDs are all stored ends after one lookup, and a round reconciles at most
 * ANNOUNCE_MAX_SCOPES scopes.
 */

/** A followed thing: its discovery key (whose finished result is stale once blobs arrive), space and scopes. */
export type Followed = { key: string; account: string; scopes: string[] };

export type AnnounceListenerDeps<P> = {
  registry: Registry;
  keyOf(peer: P): string;
  hasBlobs(multihashes: Uint8Array[]): Promise<boolean[]>;
  /** What the node follows now, most wanted first (hot discoveries, then subscriptions). */
  followed(): Promise<Followed[]>;
  /** The spaces (account IDs) of some of `peer`'s announced blobs, fetched and verified, not stored. */
  spacesOf(peer: P, cids: CID[]): Promise<Set<string>>;
  pull(peer: P, scope: string): Promise<PullResult>;
  /** Told which followed keys received blobs in a round. */
  refreshed?(keys: string[]): void;
  log?: (msg: string, err?: unknown) => void;
};

export type AnnounceListenerInit = {
  coalesceMs?: number;
  minIntervalMs?: number;
  maxScopes?: number;
  maxPeersTracked?: number;
  classifyMax?: number;
};

/** Outcome of one round: what the metric counts. */
export type AnnounceOutcome = 'known' | 'unfollowed' | 'pulled' | 'nothing-new' | 'failed';

type PeerState<P> = {
  peer: P;
  /** Announced CIDs not yet looked at, by CID text. */
  pending: Map<string, CID>;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  lastRound: number;
  /** Failed rounds in a row: their CIDs are tried again, up to MAX_RETRIES times. */
  failures: number;
};

/** Announced CIDs remembered per peer between rounds (beyond, new ones are dropped). */
const MAX_PENDING_PER_PEER = 4 * MAX_CIDS_PER_MESSAGE;
/**
 * A failed round (the peer was Busy past its retries, or a request failed) is tried again at the
 * peer's next turn: without it, a post announced last would wait for the next discovery. Not when
 * it failed on this node's side (local-failure.ts): that would fail again.
 */
const MAX_RETRIES = 2;

export class AnnounceListener<P> {
  readonly #deps: AnnounceListenerDeps<P>;
  readonly #init: Required<AnnounceListenerInit>;
  readonly #peers: LRUCache<string, PeerState<P>>;
  readonly #rounds: Counter<'outcome'>;
  readonly #pulled: Counter;
  #closed = false;
  /** Called after each round with its outcome (tests wait on it). */
  onRound: ((outcome: AnnounceOutcome) => void) | undefined;

  constructor(deps: AnnounceListenerDeps<P>, init: AnnounceListenerInit = {}) {
    this.#deps = deps;
    this.#init = {
      coalesceMs: init.coalesceMs ?? ANNOUNCE_COALESCE_MS,
      minIntervalMs: init.minIntervalMs ?? ANNOUNCE_MIN_INTERVAL_MS,
      maxScopes: init.maxScopes ?? ANNOUNCE_MAX_SCOPES,
      maxPeersTracked: init.maxPeersTracked ?? ANNOUNCE_MAX_PEERS_TRACKED,
      classifyMax: init.classifyMax ?? ANNOUNCE_CLASSIFY_MAX,
    };
    this.#peers = new LRUCache({
      max: this.#init.maxPeersTracked,
      dispose: (state) => clearTimeout(state.timer),
    });
    this.#rounds = new Counter({
      name: 'seedling_announce_rounds_total',
      help: 'Rounds run on peers’ announcements, by outcome: known (every CID stored), unfollowed (no announced space is followed), pulled (blobs arrived), nothing-new, failed',
      labelNames: ['outcome'],
      registers: [deps.registry],
    });
    this.#pulled = new Counter({
      name: 'seedling_announce_blobs_pulled_total',
      help: 'Blobs written by reconciles that peers’ announcements started',
      registers: [deps.registry],
    });
  }

  /** A peer announced `cids`. Returns at once; the round runs later. */
  heard(peer: P, cids: CID[]): void {
    if (this.#closed) return;
    const id = this.#deps.keyOf(peer);
    let state = this.#peers.get(id);
    if (state === undefined) {
      state = {
        peer,
        pending: new Map(),
        timer: undefined,
        running: false,
        lastRound: -Infinity,
        failures: 0,
      };
      this.#peers.set(id, state);
    }
    for (const cid of cids) {
      if (state.pending.size >= MAX_PENDING_PER_PEER) break;
      state.pending.set(cid.toString(), cid);
    }
    this.#schedule(state);
  }

  close(): void {
    this.#closed = true;
    this.#peers.clear();
  }

  #schedule(state: PeerState<P>): void {
    if (state.timer !== undefined || state.running || state.pending.size === 0) return;
    const now = performance.now();
    const at = Math.max(now + this.#init.coalesceMs, state.lastRound + this.#init.minIntervalMs);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#round(state);
    }, at - now);
  }

  async #round(state: PeerState<P>): Promise<void> {
    if (this.#closed) return;
    state.running = true;
    state.lastRound = performance.now();
    const cids = [...state.pending.values()];
    state.pending.clear();
    let outcome: AnnounceOutcome = 'failed';
    let retry = true;
    try {
      outcome = await this.#reconcileFollowed(state.peer, cids);
    } catch (err) {
      // This node's own failure (a full disk) would fail again: the next discovery picks it up.
      retry = !isLocalFailure(err);
      this.#deps.log?.('announce: acting on a peer’s announcement failed', err);
    } finally {
      state.running = false;
      state.failures = outcome === 'failed' ? state.failures + 1 : 0;
      if (outcome === 'failed' && retry && state.failures <= MAX_RETRIES) {
        for (const cid of cids) {
          if (state.pending.size >= MAX_PENDING_PER_PEER) break;
          state.pending.set(cid.toString(), cid);
        }
      }
      this.#rounds.inc({ outcome });
      this.onRound?.(outcome);
      this.#schedule(state);
    }
  }

  async #reconcileFollowed(peer: P, cids: CID[]): Promise<AnnounceOutcome> {
    const stored = await this.#deps.hasBlobs(cids.map((c) => c.multihash.bytes));
    const missing = cids.filter((_, i) => !stored[i]);
    if (missing.length === 0) return 'known';
    // What is followed first: a node that follows nothing fetches nothing to classify.
    const all = await this.#deps.followed();
    if (all.length === 0) return 'unfollowed';
    const spaces = await this.#deps.spacesOf(peer, missing.slice(0, this.#init.classifyMax));
    const followed = all.filter((f) => spaces.has(f.account));
    if (followed.length === 0) return 'unfollowed';
    const done = new Set<string>();
    const refreshed: string[] = [];
    let written = 0;
    for (const f of followed) {
      let got = 0;
      for (const scope of f.scopes) {
        if (done.has(scope) || done.size >= this.#init.maxScopes) continue;
        done.add(scope);
        got += (await this.#deps.pull(peer, scope)).written;
      }
      if (got > 0) refreshed.push(f.key);
      written += got;
    }
    if (written === 0) return 'nothing-new';
    this.#pulled.inc(written);
    this.#deps.refreshed?.(refreshed);
    return 'pulled';
  }
}
