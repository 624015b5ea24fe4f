import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The net layer's metrics, created once per registry (several components of one node share them;
 * two nodes in one process use two registries). Peer IDs are never labels: per-peer counts live in
 * the peer table, so label cardinality stays fixed.
 */
export class NetMetrics {
  /** Open libp2p connections, read from `connectionsSource` at scrape time. */
  readonly connections: Gauge;
  /** Sync protocol streams, by protocol, direction and result (`ok`, `busy`, `remote_error`, `protocol_error`, `timeout`, `failed`). */
  readonly streams: Counter<'protocol' | 'direction' | 'result'>;
  /** Sync protocol frame bytes (length prefix included), `in` and `out`. */
  readonly bytes: Counter<'direction'>;
  /** Frames rejected, by reason (`frame_too_large`, `bad_message`, `unknown_type`, `truncated`, `timeout`...). */
  readonly framesRejected: Counter<'reason'>;
  /** Inbound requests answered Busy because their cap was full, by kind (`reconcile`, `fetch`). */
  readonly inboundBusy: Counter<'kind'>;
  /** Peers put into backoff after a failure. */
  readonly peerBackoffs: Counter;
  /** Peers disconnected for repeated protocol violations. */
  readonly hostileDisconnects: Counter;
  /** Peers held in the in-memory peer table. */
  readonly knownPeers: Gauge;

  connectionsSource: () => number = () => 0;
  peersSource: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    const self = this;
    this.connections = new Gauge({
      name: 'seedling_net_connections',
      help: 'Open libp2p connections',
      registers,
      collect() {
        this.set(self.connectionsSource());
      },
    });
    this.streams = new Counter({
      name: 'seedling_net_streams_total',
      help: 'Sync protocol streams by protocol, direction and result',
      labelNames: ['protocol', 'direction', 'result'],
      registers,
    });
    this.bytes = new Counter({
      name: 'seedling_net_bytes_total',
      help: 'Sync protocol frame bytes by direction (in/out)',
      labelNames: ['direction'],
      registers,
    });
    this.framesRejected = new Counter({
      name: 'seedling_net_frames_rejected_total',
      help: 'Sync protocol frames rejected, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.inboundBusy = new Counter({
      name: 'seedling_net_inbound_busy_total',
      help: 'Inbound sync requests answered Busy (cap full), by kind',
      labelNames: ['kind'],
      registers,
    });
    this.peerBackoffs = new Counter({
      name: 'seedling_net_peer_backoffs_total',
      help: 'Peers put into backoff after a failure',
      registers,
    });
    this.hostileDisconnects = new Counter({
      name: 'seedling_net_hostile_disconnects_total',
      help: 'Peers disconnected for repeated protocol violations',
      registers,
    });
    this.knownPeers = new Gauge({
      name: 'seedling_net_known_peers',
      help: 'Peers in the in-memory peer table',
      registers,
      collect() {
        this.set(self.peersSource());
      },
    });
  }
}

const byRegistry = new WeakMap<Registry, NetMetrics>();

/** The NetMetrics of `registry`, created on first use (prom-client refuses a name registered twice). */
export function netMetrics(registry: Registry): NetMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = new NetMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
