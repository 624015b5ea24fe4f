import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import type { Registry } from 'prom-client';
import { cidText } from '../blob/cid-bytes.ts';
import { SYNC_WRITE_BATCH } from '../constants.ts';
import { batchTransferList, packBlobBatch } from '../index/blob-batch.ts';
import type { BlobSpaces } from '../index/index-input.ts';
import type { PackedPrepared } from '../index/packed-blobs.ts';
import type { DocumentHead } from '../index/read-types.ts';
import type { SeedlingNode } from '../net/node.ts';
import type { Store } from '../store/store.ts';
import { AnnounceListener, type AnnounceListenerInit, type Followed } from './announce-listener.ts';
import { Announcer, type AnnouncerInit } from './announcer.ts';
import { type NormalizedRequest, normalizeRequest } from './discovery/discovery-request.ts';
import { type DiscoveryInit, DiscoveryScheduler } from './discovery/discovery-scheduler.ts';
import { HavesCache, type HavesCacheInit } from './haves-cache.ts';
import type { HavesParts } from './haves-query.ts';
import { IngestPacer } from './ingest-pacer.ts';
import { SealedSet } from './rbsr/sealed-set.ts';
import { type Subscription, SubscriptionRefresher, subscriptionRequest } from './subscriptions.ts';
import { type PullPeer, peerKey, SyncEngine, type SyncEngineInit } from './sync-engine.ts';

/**
 * Builds the sync side of a node from a store and a libp2p node: the haves cache over the reader
 * pool, the engine (plugged into the net protocol), discovery, and subscription refreshes.
 * Only this file knows the handler names the pieces use.
 */

export type SyncDeps = {
  store: Store;
  net: SeedlingNode;
  registry: Registry;
  log?: (msg: string, err?: unknown) => void;
};

export type SyncInit = {
  /** Multiaddrs (with /p2p/<id>) of gateways asked first for every space. */
  gateways?: string[];
  /** Site servers per space: account ID → multiaddr (with /p2p/<id>). */
  sites?: Record<string, string>;
  haves?: HavesCacheInit;
  engine?: SyncEngineInit;
  discovery?: DiscoveryInit;
  subscriptionRefreshMs?: number;
  /** Ingest pacing by event-loop lag (`enabled: false` turns it off, as the naive profile does). */
  pacing?: { enabled?: boolean; lagMs?: number; maxWaitMs?: number; appQuietMs?: number };
  /** Announcing the user's new blobs to peers, and acting on theirs (`enabled: false`: neither). */
  announce?: AnnouncerInit & AnnounceListenerInit & { enabled?: boolean };
};

export type Sync = {
  /**
   * Learns the site server of a space (from a web domain's config, src/net/domain-checker.ts):
   * asked first for that account, like a configured `sites` entry, which still wins.
   */
  learnSite(account: string, addr: string): void;
  engine: SyncEngine;
  haves: HavesCache;
  discovery: DiscoveryScheduler<PullPeer>;
  subscriptions: SubscriptionRefresher;
  /** Tells the followers of these spaces of the user's newly stored blobs (the API calls it after PublishBlobs). */
  announce(accounts: Iterable<string>, cids: CID[]): void;
  close(): Promise<void>;
};

export function createSync(deps: SyncDeps, init: SyncInit = {}): Sync {
  const { store, net } = deps;
  // Sync's reads go in the bulk lane: threads of their own, at a lower OS priority than the app's.
  const read = <T>(handler: string, args: unknown) =>
    store.read<T>({ op: `sync.${handler}`, handler, args, lane: 'bulk' });
  // Point lookups a discovery waits on run on the app's threads (they take a millisecond), without
  // counting as the app being active.
  const lookup = <T>(handler: string, args: unknown) =>
    store.read<T>({ op: `sync.${handler}`, handler, args, lane: 'lookup' });
  const haves = new HavesCache(
    {
      registry: deps.registry,
      generation: () => store.generation.get(),
      build: async (scope) => {
        const parts = await read<HavesParts>('sync.buildHaves', { scope });
        return { set: SealedSet.fromParts(parts), watermark: parts.watermark };
      },
      touchedSince: (scope, watermark) => read<boolean>('sync.touchedSince', { scope, watermark }),
    },
    init.haves,
  );
  const pacer = new IngestPacer(
    { registry: deps.registry, appActiveWithin: (ms) => store.appActiveWithin(ms) },
    init.pacing,
  );
  if (init.pacing?.enabled !== false) pacer.start();
  const engine = new SyncEngine(
    {
      ...(init.pacing?.enabled !== false ? { pacer } : {}),
      registry: deps.registry,
      haves,
      protocol: net.protocol,
      hasBlobs: (multihashes) => read<boolean[]>('store.hasBlobs', { multihashes }),
      getBlobs: async (multihashes) =>
        (await read<({ data: Uint8Array } | null)[]>('store.getBlobs', { multihashes })).map(
          (row) => row?.data ?? null,
        ),
      // Accepted blobs come back packed (packed-blobs.ts): this thread only passes bytes along.
      verify: async (blobs) => {
        const batch = packBlobBatch(blobs);
        const out = await store.read<PackedPrepared>({
          op: 'sync.index.prepareBlobsPacked',
          handler: 'index.prepareBlobsPacked',
          args: { batch, packSize: SYNC_WRITE_BATCH },
          lane: 'bulk',
          transfer: batchTransferList(batch),
        });
        return {
          acceptedCount: out.accepted,
          accepted: out.packs,
          rejected: out.rejected.map((r) => ({
            cid: r.cid ?? '?',
            code: r.code,
            message: r.error,
          })),
        };
      },
      persist: async (packs) => {
        for (const pack of packs as Uint8Array[]) {
          await store.write({
            op: 'sync.persist',
            class: 'sync',
            handler: 'index.putPackedBlobs',
            payload: pack,
          });
        }
      },
      // A bad blob counts against the peer and backs it off (its next dial waits).
      onHostilePeer: (peer) => {
        net.peers.recordHostile(peer);
        net.peers.recordFailure(peer);
      },
      // Announcements are few (a user's publishes): their modules keep CID objects.
      onAnnounce: (peer, cids) =>
        listener?.heard(
          peer,
          cids.map((c) => CID.decode(c)),
        ),
      onReconciled: (peer, account) => announcer?.noteFollower(account, peer),
    },
    init.engine,
  );
  net.protocol.setHandlers(engine.handlers());
  const learnedSites = new Map<string, Multiaddr>();
  const discovery = new DiscoveryScheduler<PullPeer>(
    {
      registry: deps.registry,
      pull: (peer, scope, signal) => engine.pull(peer, scope, { signal }),
      peers: discoveryPeers(net, init, learnedSites),
      local: {
        version: async (account, path) =>
          (await lookup<DocumentHead | null>('index.documentHead', { account, path }))?.version ??
          null,
        hasVersion: async (version) => {
          const heads = version.split('.').map((c) => CID.parse(c).multihash.bytes);
          return (await lookup<boolean[]>('store.hasBlobs', { multihashes: heads })).every(Boolean);
        },
      },
      log: deps.log,
    },
    init.discovery,
  );
  const listSubscriptions = () => read<Subscription[]>('sync.listSubscriptions', {});
  const announcing = init.announce?.enabled !== false;
  const listener = announcing
    ? new AnnounceListener<PullPeer>(
        {
          registry: deps.registry,
          keyOf: peerKey,
          hasBlobs: (multihashes) => lookup<boolean[]>('store.hasBlobs', { multihashes }),
          followed: async () => {
            const subscribed = (await listSubscriptions()).map((s) =>
              normalizeRequest(subscriptionRequest(s)),
            );
            return [...discovery.interested(), ...subscribed].map(coveringScopes);
          },
          spacesOf: async (peer, cids) => {
            const blobs = await net.protocol.fetch(
              peer,
              cids.map((c) => c.bytes),
            );
            // Copies: the data are views into the reply, and a view crosses to the reader with
            // its whole buffer.
            const args = blobs.map((b) => ({ cid: cidText(b.cid), data: b.data.slice() }));
            const out = await read<BlobSpaces>('index.blobSpaces', args);
            engine.countRejected(peer, out.rejected);
            return new Set(out.spaces);
          },
          pull: (peer, scope) => engine.pull(peer, scope),
          refreshed: (keys) => {
            for (const key of keys) discovery.forget(key);
          },
          log: deps.log,
        },
        init.announce,
      )
    : undefined;
  const announcer = announcing
    ? new Announcer<PeerId>(
        {
          registry: deps.registry,
          keyOf: peerKey,
          isConnected: (peer) => net.libp2p.getConnections(peer).length > 0,
          send: (peer, cids) =>
            net.protocol.announce(
              peer,
              cids.map((c) => c.bytes),
            ),
          log: deps.log,
        },
        init.announce,
      )
    : undefined;
  const subscriptions = new SubscriptionRefresher(
    {
      list: listSubscriptions,
      discover: (req) => discovery.discover(req),
      log: deps.log,
    },
    { intervalMs: init.subscriptionRefreshMs },
  );
  subscriptions.start();
  return {
    learnSite(account, addr) {
      learnedSites.set(account, multiaddr(addr));
    },
    engine,
    haves,
    discovery,
    subscriptions,
    announce: (accounts, cids) => announcer?.published(accounts, cids),
    close: async () => {
      pacer.stop();
      subscriptions.stop();
      announcer?.close();
      listener?.close();
      await discovery.close();
    },
  };
}

/** Peers for discovery tiers: configured authorities, live connections, and the peer table. */
function discoveryPeers(net: SeedlingNode, init: SyncInit, learned: Map<string, Multiaddr>) {
  const gateways = (init.gateways ?? []).map((a) => multiaddr(a));
  const sites = new Map(Object.entries(init.sites ?? {}).map(([k, a]) => [k, multiaddr(a)]));
  const keyOf = peerKey;
  return {
    authorities: (account: string) => {
      const site = sites.get(account) ?? learned.get(account);
      return site ? [site, ...gateways] : gateways;
    },
    connected: (): PullPeer[] => connectedPeers(net),
    cold: (limit: number, exclude: Set<string>): PullPeer[] =>
      net.peers.dialCandidates(limit, { exclude }).map((r): PeerId => peerIdFromString(r.peerId)),
    keyOf,
    recordOutcome: (peer: PullPeer, ok: boolean) => {
      const id = keyOf(peer);
      if (ok) net.peers.recordSuccess(id);
      else net.peers.recordFailure(id);
    },
  };
}

/** The peers with a live connection, each once. */
function connectedPeers(net: SeedlingNode): PeerId[] {
  return net.libp2p
    .getConnections()
    .map((c) => c.remotePeer)
    .filter((p, i, all) => all.findIndex((q) => q.equals(p)) === i);
}

/**
 * A followed request with the fewest scopes that cover it: a `subtree:` scope holds the document at
 * its path and, at the root, the profile (haves-query.ts), so an announce round reconciles it
 * alone. (Discovery keeps every scope, most specific first, so the document on screen lands first.)
 */
function coveringScopes(r: NormalizedRequest): Followed {
  const subtree = r.scopes.filter((s) => s.startsWith('subtree:'));
  return { key: r.key, account: r.account, scopes: subtree.length > 0 ? subtree : r.scopes };
}
