import { debuglog } from 'node:util';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Connection, DialTarget, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { CODE_P2P, type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { Registry } from 'prom-client';
import {
  DIAL_TIMEOUT_MS,
  NET_DEFAULT_LISTEN,
  NET_INBOUND_CONNECTION_THRESHOLD,
  NET_MAX_CONNECTIONS,
  NET_MAX_INCOMING_PENDING,
  NET_MAX_PARALLEL_DIALS,
  SYNC_PROTOCOL_ID,
} from '../constants.ts';
import { InvalidInputError, SeedlingError } from '../errors.ts';
import { libp2pLogger } from './libp2p-logger.ts';
import { type NetMetrics, netMetrics } from './net-metrics.ts';
import { loadOrCreatePeerKey } from './peer-key.ts';
import { type PeerRecord, type PeerStore, PeerTable, type PeerTableInit } from './peer-table.ts';
import {
  type SyncHandlers,
  SyncProtocol,
  type SyncProtocolInit,
} from './protocol/sync-protocol.ts';

type Log = (fmt: string, ...args: unknown[]) => void;

export type SeedlingNodeDeps = {
  /** Metrics go here (default: a new Registry). */
  registry?: Registry;
  /** Persists the peer table (`net.upsertPeer` / `net.listPeers`); without it the table lives in memory. */
  store?: PeerStore;
  /** The sync engine's handlers; may also be plugged in later with `node.protocol.setHandlers`. */
  handlers?: SyncHandlers;
  log?: Log;
};

export type SeedlingNodeInit = {
  /** Directory holding `peer-key` (created if missing). */
  dataDir: string;
  /** Multiaddrs to listen on (default NET_DEFAULT_LISTEN: loopback, any port). */
  listen?: string[];
  /** Addresses announced to peers instead of the listen addresses (e.g. a public IP behind NAT). */
  announce?: string[];
  /** Bootstrap peers: multiaddrs ending in `/p2p/<peer id>`; kept in the peer table forever and dialed at start. */
  bootstrap?: string[];
  maxConnections?: number;
  maxParallelDials?: number;
  dialTimeoutMs?: number;
  maxIncomingPendingConnections?: number;
  /** Inbound connections accepted per second from one host. */
  inboundConnectionThreshold?: number;
  protocol?: SyncProtocolInit;
  peerTable?: PeerTableInit;
};

export type SeedlingNode = {
  readonly libp2p: Libp2p;
  readonly peerId: PeerId;
  readonly protocol: SyncProtocol;
  readonly peers: PeerTable;
  readonly metrics: NetMetrics;
  readonly registry: Registry;
  /** Addresses others can dial, each ending in `/p2p/<our peer id>`. */
  multiaddrs(): Multiaddr[];
  /** Dials a multiaddr string/object (with `/p2p/<id>`), a PeerId libp2p knows addresses for, or several multiaddrs of one peer. */
  dial(target: string | DialTarget, options?: { signal?: AbortSignal }): Promise<Connection>;
  /** Stops the protocol, flushes the peer table and stops libp2p (closing every connection and listener). */
  stop(): Promise<void>;
};

/**
 * Builds and starts a libp2p 3 node (TCP + Noise + Yamux, identify, ping) with the Seedling sync
 * protocol and peer table attached. Resolves once it listens; the caller must `stop()` it.
 */
export async function createSeedlingNode(
  deps: SeedlingNodeDeps,
  init: SeedlingNodeInit,
): Promise<SeedlingNode> {
  const log = deps.log ?? debuglog('seedling-net');
  const registry = deps.registry ?? new Registry();
  const metrics = netMetrics(registry);
  const bootstrap = (init.bootstrap ?? []).map(parseBootstrap);
  const peers = new PeerTable({ metrics, store: deps.store, log }, init.peerTable);
  const libp2p = await buildLibp2p(init, peers);
  for (const b of bootstrap) peers.addBootstrap(b.peerId, [b.addr]);
  const protocol = new SyncProtocol(
    { libp2p, metrics, peers, handlers: deps.handlers, log },
    init.protocol,
  );
  metrics.connectionsSource = () => libp2p.getConnections().length;
  const detach = attachPeerEvents(libp2p, peers);
  try {
    await peers.start();
    await libp2p.start();
    await protocol.start();
  } catch (err) {
    detach();
    peers.stop();
    await libp2p.stop();
    throw new SeedlingError('NET_START_FAILED', `start libp2p node: ${String(err)}`, {
      cause: err,
    });
  }
  const node: SeedlingNode = {
    libp2p,
    peerId: libp2p.peerId,
    protocol,
    peers,
    metrics,
    registry,
    multiaddrs: () => libp2p.getMultiaddrs(),
    dial: (target, options) =>
      libp2p.dial(typeof target === 'string' ? multiaddr(target) : target, {
        signal: options?.signal,
      }),
    stop: async () => {
      detach();
      await protocol.stop();
      peers.stop();
      metrics.connectionsSource = () => 0;
      await libp2p.stop();
    },
  };
  for (const b of bootstrap) dialBootstrap(node, b, log);
  return node;
}

async function buildLibp2p(init: SeedlingNodeInit, peers: PeerTable): Promise<Libp2p> {
  const privateKey = await loadOrCreatePeerKey(init.dataDir);
  return createLibp2p({
    privateKey,
    logger: libp2pLogger(),
    start: false,
    addresses: {
      listen: init.listen ?? NET_DEFAULT_LISTEN,
      announce: init.announce ?? [],
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? NET_MAX_CONNECTIONS,
      maxParallelDials: init.maxParallelDials ?? NET_MAX_PARALLEL_DIALS,
      dialTimeout: init.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
      maxIncomingPendingConnections: init.maxIncomingPendingConnections ?? NET_MAX_INCOMING_PENDING,
      inboundConnectionThreshold:
        init.inboundConnectionThreshold ?? NET_INBOUND_CONNECTION_THRESHOLD,
    },
    // A peer banned for protocol violations is refused both ways until its ban ends.
    connectionGater: {
      denyInboundEncryptedConnection: (peerId) => peers.isBanned(peerId.toString()),
      denyDialPeer: (peerId) => peers.isBanned(peerId.toString()),
    },
    services: { identify: identify(), ping: ping() },
  });
}

/**
 * Keeps the peer table current from libp2p events: identify tells us a peer's listen addresses and
 * versions; we record only peers that speak our protocol. Handlers are O(1) and never await the
 * store (the table persists on its own timer). Returns the detach function.
 */
function attachPeerEvents(libp2p: Libp2p, peers: PeerTable): () => void {
  const onIdentify = (evt: CustomEvent<IdentifyResult>) => {
    const r = evt.detail;
    if (!r.protocols.includes(SYNC_PROTOCOL_ID)) return;
    peers.seen(r.peerId.toString(), {
      addrs: r.listenAddrs.map((a) => a.toString()),
      protocolVersion: r.protocolVersion,
      agentVersion: r.agentVersion,
    });
  };
  const onOpen = (evt: CustomEvent<Connection>) => {
    const id = evt.detail.remotePeer.toString();
    if (peers.get(id)) peers.seen(id);
  };
  libp2p.addEventListener('peer:identify', onIdentify);
  libp2p.addEventListener('connection:open', onOpen);
  return () => {
    libp2p.removeEventListener('peer:identify', onIdentify);
    libp2p.removeEventListener('connection:open', onOpen);
  };
}

type Bootstrap = { peerId: string; addr: string };

function parseBootstrap(addr: string): Bootstrap {
  let ma: Multiaddr;
  try {
    ma = multiaddr(addr);
  } catch (cause) {
    throw new InvalidInputError(`not a multiaddr: ${addr}`, { field: 'bootstrap', cause });
  }
  const peerId = ma.getComponents().findLast((c) => c.code === CODE_P2P)?.value;
  if (!peerId) {
    throw new InvalidInputError(`bootstrap address ${addr} must end in /p2p/<peer id>`, {
      field: 'bootstrap',
    });
  }
  return { peerId, addr: ma.toString() };
}

function dialBootstrap(node: SeedlingNode, b: Bootstrap, log: Log): void {
  node.dial(b.addr).then(
    () => node.peers.recordSuccess(b.peerId),
    (err: unknown) => {
      node.peers.recordFailure(b.peerId);
      log('bootstrap dial %s failed: %s', b.addr, String(err));
    },
  );
}

/** The multiaddrs to dial a peer-table record, each ending in `/p2p/<peer id>`. */
export function dialTargetOf(peer: PeerRecord): Multiaddr[] {
  return peer.addrs.map((a) => {
    const ma = multiaddr(a);
    const hasId = ma.getComponents().some((c) => c.code === CODE_P2P);
    return hasId ? ma : ma.encapsulate(`/p2p/${peer.peerId}`);
  });
}
