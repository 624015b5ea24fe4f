import { LRUCache } from 'lru-cache';
import type { CID } from 'multiformats/cid';
import { Counter, type Registry } from 'prom-client';
import {
  ANNOUNCE_DELAY_MS,
  ANNOUNCE_FOLLOWER_TTL_MS,
  ANNOUNCE_MAX_PEERS,
  ANNOUNCE_MAX_SPACES_TRACKED,
  MAX_CIDS_PER_MESSAGE,
} from '../constants.ts';

/**
 * Tells the peers that follow a space about the user's new blobs in it (an `Announce` each), so
 * they pull them within a second instead of at their next discovery or subscription refresh
 * (announce-listener.ts is the other side).
 *
 * Who follows a space: a peer that reconciled one of its scopes with this node within
 * ANNOUNCE_FOLLOWER_TTL_MS (noted by the sync engine), and is still connected — no dial is made
 * for a courtesy. At most ANNOUNCE_MAX_PEERS followers per space are remembered (the most recent).
 *
 * Only blobs published through this node's API are announced, never blobs it synced: relaying what
 * it hears would turn one publish into a flood across the network. Blobs published within
 * ANNOUNCE_DELAY_MS go out together, one message per peer (more only past MAX_CIDS_PER_MESSAGE).
 * A failed send is counted and dropped: announcing is a courtesy, discovery still finds the blobs.
 */

export type AnnouncerDeps<P> = {
  registry: Registry;
  keyOf(peer: P): string;
  isConnected(peer: P): boolean;
  send(peer: P, cids: CID[]): Promise<void>;
  now?: () => number;
  log?: (msg: string, err?: unknown) => void;
};

export type AnnouncerInit = {
  delayMs?: number;
  maxPeers?: number;
  followerTtlMs?: number;
  maxSpacesTracked?: number;
};

type Outbox<P> = { peer: P; cids: Map<string, CID> };

export class Announcer<P> {
  readonly #deps: AnnouncerDeps<P>;
  readonly #init: Required<AnnouncerInit>;
  /** Per space (account ID): its followers by peer key, oldest first. */
  readonly #followers: LRUCache<string, Map<string, { peer: P; at: number }>>;
  readonly #outbox = new Map<string, Outbox<P>>();
  readonly #sent: Counter<'outcome'>;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: AnnouncerDeps<P>, init: AnnouncerInit = {}) {
    this.#deps = deps;
    this.#init = {
      delayMs: init.delayMs ?? ANNOUNCE_DELAY_MS,
      maxPeers: init.maxPeers ?? ANNOUNCE_MAX_PEERS,
      followerTtlMs: init.followerTtlMs ?? ANNOUNCE_FOLLOWER_TTL_MS,
      maxSpacesTracked: init.maxSpacesTracked ?? ANNOUNCE_MAX_SPACES_TRACKED,
    };
    this.#followers = new LRUCache({ max: this.#init.maxSpacesTracked });
    this.#sent = new Counter({
      name: 'seedling_announces_sent_total',
      help: 'Announce messages sent to the followers of a space about the user’s new blobs, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers: [deps.registry],
    });
  }

  /** `peer` reconciled a scope of `account` with us: it follows that space. */
  noteFollower(account: string, peer: P): void {
    let followers = this.#followers.get(account);
    if (followers === undefined) {
      followers = new Map();
      this.#followers.set(account, followers);
    }
    const key = this.#deps.keyOf(peer);
    followers.delete(key); // re-inserted last: the map stays oldest first
    followers.set(key, { peer, at: this.#now() });
    if (followers.size > this.#init.maxPeers) followers.delete(followers.keys().next().value!);
  }

  /** Queues the user's newly stored blobs of these spaces for their followers. */
  published(accounts: Iterable<string>, cids: CID[]): void {
    if (this.#closed || cids.length === 0) return;
    const cutoff = this.#now() - this.#init.followerTtlMs;
    for (const account of accounts) {
      for (const [key, f] of this.#followers.get(account) ?? []) {
        if (f.at < cutoff) continue;
        let box = this.#outbox.get(key);
        if (box === undefined) {
          box = { peer: f.peer, cids: new Map() };
          this.#outbox.set(key, box);
        }
        for (const cid of cids) box.cids.set(cid.toString(), cid);
      }
    }
    if (this.#outbox.size === 0) return;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#init.delayMs);
  }

  /** Sends what is queued now (the timer calls this; tests may too). */
  async flush(): Promise<void> {
    const boxes = [...this.#outbox.values()];
    this.#outbox.clear();
    await Promise.all(boxes.map((box) => this.#send(box)));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#outbox.clear();
  }

  async #send({ peer, cids }: Outbox<P>): Promise<void> {
    if (!this.#deps.isConnected(peer)) return;
    const list = [...cids.values()];
    for (let at = 0; at < list.length; at += MAX_CIDS_PER_MESSAGE) {
      try {
        await this.#deps.send(peer, list.slice(at, at + MAX_CIDS_PER_MESSAGE));
        this.#sent.inc({ outcome: 'ok' });
      } catch (err) {
        this.#sent.inc({ outcome: 'failed' });
        this.#deps.log?.('announce: a follower could not be told', err);
        return;
      }
    }
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }
}
