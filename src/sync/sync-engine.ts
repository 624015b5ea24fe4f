import { setTimeout } from 'node:timers/promises';
import type { PeerId } from '@libp2p/interface';
import { CODE_P2P, isMultiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Registry } from 'prom-client';
import { bytesKey } from '../blob/bytes-key.ts';
import { type CidBytes, cidBytesProblem, cidMultihash } from '../blob/cid-bytes.ts';
import {
  SYNC_BUSY_RETRIES,
  SYNC_FETCH_BATCH,
  SYNC_FETCH_PARALLEL,
  SYNC_MAX_BYTES_PER_SEC,
  SYNC_MAX_ROUNDS,
  SYNC_VERIFY_CHUNK,
} from '../constants.ts';
import { PeerBusyError, ProtocolError } from '../errors.ts';
import type { FetchedBlob } from '../net/protocol/messages.ts';
import type { SyncHandlers, SyncProtocol } from '../net/protocol/sync-protocol.ts';
import { FetchClaims } from './fetch-claims.ts';
import type { HavesCache } from './haves-cache.ts';
import type { IngestPacer } from './ingest-pacer.ts';
import { IngestRateLimit } from './ingest-rate.ts';
import { initiate, reconcileAsInitiator, respond } from './rbsr/reconcile.ts';
import { parseScope } from './scope.ts';
import { type SyncMetrics, syncMetrics } from './sync-metrics.ts';

/**
 * The sync engine: pulls a scope from a peer (reconcile → filter → claim → fetch → verify → persist)
 * and serves peers' reconciles and fetches from the shared haves cache.
 *
 * Invariants:
 * 1. The local set of a scope comes from the HavesCache only: one build serves every peer.
 * 2. Wants are filtered against storage and claimed node-wide before fetching: a CID is fetched once.
 * 3. Nothing a peer sends is trusted: blobs are verified in the reader pool (`verify`) and only
 *    accepted ones are persisted; rejections are counted against the peer.
 * 4. Fetched blobs are persisted even when the pull is aborted: a cancelled wave keeps its data.
 */

export type VerifiedBatch = {
  /** How many blobs passed verification. */
  acceptedCount: number;
  /** The verified blobs in the form `persist` takes (opaque here). */
  accepted: unknown;
  rejected: { cid: string; code: string; message: string }[];
};

export type SyncEngineDeps = {
  registry: Registry;
  haves: HavesCache;
  protocol: Pick<SyncProtocol, 'reconcile' | 'fetch'>;
  /** Which of these multihashes are stored. */
  hasBlobs(multihashes: Uint8Array[]): Promise<boolean[]>;
  /** Stored bytes per multihash, null when absent. */
  getBlobs(multihashes: Uint8Array[]): Promise<(Uint8Array | null)[]>;
  /** Verifies fetched blobs off the main thread. */
  verify(blobs: readonly FetchedBlob[]): Promise<VerifiedBatch>;
  /** Persists verified blobs through the writer's `sync` class (back-pressure: may wait). */
  persist(accepted: unknown): Promise<void>;
  /** Told about each peer that sent a bad blob. */
  onHostilePeer?(peer: string, reason: string): void;
  /** Holds fetches back while the app's event loop is late (ingest-pacer.ts); absent: no pacing. */
  pacer?: Pick<IngestPacer, 'admit'>;
  /** Told of each peer's Announce (announce-listener.ts acts on it). */
  onAnnounce?(peer: PeerId, cids: CidBytes[]): void;
  /** Told of each reconcile a peer runs with us: it follows that space (announcer.ts). */
  onReconciled?(peer: PeerId, account: string): void;
};

export type SyncEngineInit = {
  fetchBatch?: number;
  fetchParallel?: number;
  verifyChunk?: number;
  maxRounds?: number;
  /** Download cap of all pulls, blob bytes per second (default SYNC_MAX_BYTES_PER_SEC; 0 = none). */
  maxBytesPerSec?: number;
};

export type PullResult = {
  rounds: number;
  wanted: number;
  alreadyStored: number;
  claimedElsewhere: number;
  fetched: number;
  written: number;
  rejected: number;
  bytes: number;
};

export type PullPeer = PeerId | Multiaddr;

/** A pull that has done nothing yet (its counters start here). */
export function emptyPullResult(): PullResult {
  return {
    rounds: 0,
    wanted: 0,
    alreadyStored: 0,
    claimedElsewhere: 0,
    fetched: 0,
    written: 0,
    rejected: 0,
    bytes: 0,
  };
}

export class SyncEngine {
  readonly #deps: SyncEngineDeps;
  readonly #fetchBatch: number;
  readonly #maxRounds: number;
  readonly #fetchParallel: number;
  readonly #verifyChunk: number;
  readonly #claims = new FetchClaims();
  readonly #metrics: SyncMetrics;
  readonly #rate: IngestRateLimit | undefined;

  constructor(deps: SyncEngineDeps, init: SyncEngineInit = {}) {
    this.#deps = deps;
    this.#fetchBatch = init.fetchBatch ?? SYNC_FETCH_BATCH;
    this.#maxRounds = init.maxRounds ?? SYNC_MAX_ROUNDS;
    this.#fetchParallel = init.fetchParallel ?? SYNC_FETCH_PARALLEL;
    this.#verifyChunk = init.verifyChunk ?? SYNC_VERIFY_CHUNK;
    this.#metrics = syncMetrics(deps.registry, () => this.#claims.size);
    const cap = init.maxBytesPerSec ?? SYNC_MAX_BYTES_PER_SEC;
    if (cap > 0) this.#rate = new IngestRateLimit(deps, { bytesPerSec: cap });
  }

  /** Handlers to plug into the net layer's SyncProtocol. */
  handlers(): SyncHandlers {
    return {
      onReconcile: async (peer, scope, rbsr) => {
        const { account } = parseScope(scope);
        const set = await this.#deps.haves.get(scope);
        this.#deps.onReconciled?.(peer, account);
        this.#metrics.served.inc({ kind: 'reconcile' });
        return respond(set, rbsr);
      },
      onFetch: async (_peer, cids) => {
        const found = await this.#deps.getBlobs(cids.map(cidMultihash));
        this.#metrics.served.inc({ kind: 'fetch' });
        const out: FetchedBlob[] = [];
        found.forEach((data, i) => {
          if (data !== null) out.push({ cid: cids[i]!, data });
        });
        return out;
      },
      onAnnounce: (peer, cids) => {
        this.#metrics.served.inc({ kind: 'announce' });
        this.#deps.onAnnounce?.(peer, cids);
      },
    };
  }

  /** Pulls what `peer` has in `scope` and we lack. Throws on network/protocol failure (data already fetched is kept). */
  async pull(peer: PullPeer, scope: string, options: { signal?: AbortSignal } = {}) {
    const stop = this.#metrics.pullSeconds.startTimer();
    const result = emptyPullResult();
    try {
      const need = await this.#reconcile(peer, parseScopeText(scope), result, options.signal);
      await this.#fetchAndPersist(peer, need, result, options.signal);
      this.#metrics.pulls.inc({ outcome: 'ok' });
      return result;
    } catch (err) {
      this.#metrics.pulls.inc({ outcome: 'failed' });
      throw err;
    } finally {
      stop();
    }
  }

  /**
   * Counts blobs `peer` sent that failed verification (metric, and against the peer, which backs it
   * off): a pull's, and those fetched only to classify an announcement (announce-listener.ts).
   */
  countRejected(peer: PullPeer, rejected: readonly { code: string; message: string }[]): void {
    for (const bad of rejected) {
      this.#metrics.rejected.inc({ code: bad.code });
      this.#deps.onHostilePeer?.(peerKey(peer), `${bad.code}: ${bad.message}`);
    }
  }

  /** Runs reconcile rounds until the initiator has nothing more to say; returns the CIDs we need. */
  async #reconcile(peer: PullPeer, scope: string, result: PullResult, signal?: AbortSignal) {
    const set = await this.#deps.haves.get(scope);
    // Keyed by the CID's bytes (bytes-key.ts); a CID stays bytes on this path (cid-bytes.ts).
    const need = new Map<string, CidBytes>();
    let message: Uint8Array | null = initiate(set);
    while (message !== null) {
      if (result.rounds >= this.#maxRounds) {
        throw new ProtocolError(
          'SYNC_TOO_MANY_ROUNDS',
          `no convergence after ${result.rounds} rounds`,
        );
      }
      const reply = await this.#deps.protocol.reconcile(peer, scope, message, { signal });
      result.rounds++;
      this.#metrics.rounds.inc();
      const step = reconcileAsInitiator(set, reply);
      for (const id of step.need) {
        checkNeededCid(id);
        // A copy: the id is a view into the peer's whole reply.
        need.set(bytesKey(id), id.slice());
      }
      message = step.next;
    }
    result.wanted = need.size;
    this.#metrics.blobs.inc({ stage: 'wanted' }, need.size);
    return need;
  }

  async #fetchAndPersist(
    peer: PullPeer,
    need: Map<string, CidBytes>,
    result: PullResult,
    signal?: AbortSignal,
  ): Promise<void> {
    // Claim first, then check storage: a claim is released only after its blob is stored, so a CID
    // is either claimed elsewhere (we wait) or, once released, seen as stored (we skip it).
    const claimed = this.#claims.claim(need.keys());
    const others = claimed.others;
    const { missing: mine, stored } = await this.#filterStored(claimed.mine, need, result).catch(
      (err) => {
        this.#claims.release(claimed.mine);
        throw err;
      },
    );
    this.#claims.release(stored);
    result.claimedElsewhere = others.length;
    this.#metrics.blobs.inc({ stage: 'claimed_elsewhere' }, others.length);
    const persisting: Promise<void>[] = [];
    const batches: string[][] = [];
    for (let at = 0; at < mine.length; at += this.#fetchBatch) {
      batches.push(mine.slice(at, at + this.#fetchBatch));
    }
    // A few fetches in flight hide the round trip; each batch is persisted while later ones are
    // fetched, and persisting ignores `signal` on purpose (a cancelled pull keeps its data).
    const lane = async () => {
      for (let keys = batches.shift(); keys !== undefined; keys = batches.shift()) {
        const blobs = await this.#fetchAll(peer, keys, need, result, signal);
        const batch = keys;
        persisting.push(
          this.#persist(peer, blobs, result).finally(() => this.#claims.release(batch)),
        );
      }
    };
    try {
      const lanes = Array.from({ length: Math.min(this.#fetchParallel, batches.length) }, lane);
      const settled = await Promise.allSettled(lanes);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      batches.length = 0;
      await Promise.all(persisting);
      this.#claims.release(mine);
    }
    await Promise.all(others);
  }

  /** Splits the keys of `need` into those not stored yet and those stored. */
  async #filterStored(keys: string[], need: Map<string, CidBytes>, result: PullResult) {
    const missing: string[] = [];
    const stored: string[] = [];
    if (keys.length === 0) return { missing, stored };
    const flags = await this.#deps.hasBlobs(keys.map((k) => cidMultihash(need.get(k)!)));
    keys.forEach((k, i) => {
      (flags[i] ? stored : missing).push(k);
    });
    result.alreadyStored = stored.length;
    this.#metrics.blobs.inc({ stage: 'already_stored' }, stored.length);
    return { missing, stored };
  }

  /** Fetches every CID it can; asks again for what a reply left out (frame bound), until no progress. */
  async #fetchAll(
    peer: PullPeer,
    keys: string[],
    need: Map<string, CidBytes>,
    result: PullResult,
    signal?: AbortSignal,
  ) {
    const got: FetchedBlob[] = [];
    let bytes = 0;
    let left = keys;
    while (left.length > 0) {
      const blobs = await this.#fetchOnce(
        peer,
        left.map((k) => need.get(k)!),
        signal,
      );
      if (blobs.length === 0) break;
      let replyBytes = 0;
      for (const b of blobs) replyBytes += b.data.byteLength;
      // Paid for after the fact (a reply's size is known only now): #fetchOnce waits for it.
      this.#rate?.charge(replyBytes);
      bytes += replyBytes;
      got.push(...blobs);
      // The protocol refuses a reply with a blob unasked or twice (checkAsked): all came when the
      // counts match, which is the usual case.
      if (blobs.length === left.length) break;
      const received = new Set(blobs.map((b) => bytesKey(b.cid)));
      left = left.filter((k) => !received.has(k));
    }
    result.bytes += bytes;
    result.fetched += got.length;
    this.#metrics.blobs.inc({ stage: 'fetched' }, got.length);
    this.#metrics.fetchedBytes.inc(bytes);
    return got;
  }

  /** One FetchRequest; a Busy answer is waited out (its hint) a few times before it counts as failure. */
  async #fetchOnce(peer: PullPeer, cids: CidBytes[], signal?: AbortSignal): Promise<FetchedBlob[]> {
    for (let attempt = 0; ; attempt++) {
      await this.#deps.pacer?.admit(signal);
      // The download cap: the replies so far are paid for (charged in #fetchAll).
      await this.#rate?.wait(signal);
      try {
        return await this.#deps.protocol.fetch(peer, cids, { signal });
      } catch (err) {
        if (!(err instanceof PeerBusyError) || attempt >= SYNC_BUSY_RETRIES) throw err;
        await setTimeout(err.retryAfterMs, undefined, { signal });
      }
    }
  }

  /**
   * Verifies and writes one fetched batch in short chunks, each written as soon as it is verified:
   * the writer gets work while the pool verifies the next chunk, and bulk tasks stay short.
   */
  async #persist(peer: PullPeer, blobs: FetchedBlob[], result: PullResult): Promise<void> {
    const chunks: Promise<void>[] = [];
    for (let at = 0; at < blobs.length; at += this.#verifyChunk) {
      chunks.push(this.#persistChunk(peer, blobs.slice(at, at + this.#verifyChunk), result));
    }
    await Promise.all(chunks);
  }

  async #persistChunk(peer: PullPeer, blobs: FetchedBlob[], result: PullResult): Promise<void> {
    const verified = await this.#deps.verify(blobs);
    this.countRejected(peer, verified.rejected);
    result.rejected += verified.rejected.length;
    this.#metrics.blobs.inc({ stage: 'rejected' }, verified.rejected.length);
    if (verified.acceptedCount === 0) return;
    await this.#deps.persist(verified.accepted);
    result.written += verified.acceptedCount;
    this.#metrics.blobs.inc({ stage: 'written' }, verified.acceptedCount);
  }
}

function parseScopeText(scope: string): string {
  parseScope(scope);
  return scope;
}

function checkNeededCid(bytes: Uint8Array): void {
  const problem = cidBytesProblem(bytes);
  if (problem !== null) {
    throw new ProtocolError('SYNC_BAD_CID', `the peer listed an id that is not a CID: ${problem}`);
  }
}

/** A stable string for a peer to pull from: its peer ID (from a multiaddr's /p2p part when given one). */
export function peerKey(peer: PullPeer): string {
  if (!isMultiaddr(peer)) return peer.toString();
  return peer.getComponents().findLast((c) => c.code === CODE_P2P)?.value ?? peer.toString();
}
