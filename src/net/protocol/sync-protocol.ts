import { debuglog } from 'node:util';
import type { Connection, DialTarget, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { bytesKey } from '../../blob/bytes-key.ts';
import { type CidBytes, cidText } from '../../blob/cid-bytes.ts';
import {
  BUSY_RETRY_AFTER_MS,
  FRAME_READ_TIMEOUT_MS,
  HOSTILE_DISCONNECT_THRESHOLD,
  INBOUND_HANDLER_TIMEOUT_MS,
  MAX_FRAME_BYTES,
  MAX_INBOUND_FETCHES,
  MAX_INBOUND_PER_PEER,
  MAX_INBOUND_RECONCILES,
  REQUEST_TIMEOUT_MS,
  SYNC_MAX_STREAMS_PER_CONNECTION,
  SYNC_PROTOCOL_ID,
} from '../../constants.ts';
import { PeerBusyError, PeerError, PeerTimeoutError, ProtocolError } from '../../errors.ts';
import type { NetMetrics } from '../net-metrics.ts';
import type { PeerTable } from '../peer-table.ts';
import { FrameStream } from './frame-stream.ts';
import {
  decodeMessage,
  encodeMessage,
  type FetchedBlob,
  maxFrameFor,
  type SyncMessage,
} from './messages.ts';
import { type InboundGates, type SyncHandlers, serveRequest } from './serve-request.ts';
import { rejectReason, WireErrorCode } from './wire.ts';

export type { SyncHandlers } from './serve-request.ts';

export type SyncProtocolDeps = {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dial' | 'hangUp'>;
  metrics: NetMetrics;
  /** Outcomes of requests and protocol violations are recorded here (backoff, hostile counts). */
  peers?: PeerTable;
  /** Plugged in by the sync engine; until then requests are answered Error `NOT_READY`. */
  handlers?: SyncHandlers;
  log?: (fmt: string, ...args: unknown[]) => void;
};

export type SyncProtocolInit = {
  maxInboundReconciles?: number;
  maxInboundFetches?: number;
  /** Slots of each kind one peer may hold at once (fairness across peers). */
  maxInboundPerPeer?: number;
  /** A peer must deliver its whole request frame within this time after opening the stream. */
  frameReadTimeoutMs?: number;
  handlerTimeoutMs?: number;
  /** Default deadline of `request` (dial + write + reply). */
  requestTimeoutMs?: number;
  busyRetryAfterMs?: number;
  maxStreamsPerConnection?: number;
  hostileDisconnectThreshold?: number;
};

export type RequestOptions = { timeoutMs?: number; signal?: AbortSignal };

/** A request message and the reply types it may get. */
export type SyncRequest = Extract<
  SyncMessage,
  { type: 'ReconcileRequest' | 'FetchRequest' | 'Announce' }
>;

const REPLIES: Record<SyncRequest['type'], SyncMessage['type'][]> = {
  ReconcileRequest: ['ReconcileReply', 'Busy', 'Error'],
  FetchRequest: ['FetchReply', 'Busy', 'Error'],
  Announce: [],
};

/**
 * `/seedling/sync/1.0.0`: one request per stream, answered by at most one reply frame.
 *
 * Invariants:
 * 1. Nothing from a peer reaches a handler before its frame passed the size bound and the decoder's
 *    field checks; a violation resets the stream, is counted by reason, and counts against the
 *    peer — at `hostileDisconnectThreshold` the peer is hung up and backed off for the maximum.
 * 2. A peer has `frameReadTimeoutMs` to deliver its request frame; a stall mid-frame is cut off.
 * 3. At most `maxInboundReconciles` reconciles (and `maxInboundFetches` fetches) run at once,
 *    at most `maxInboundPerPeer` of each for one peer; a slot is held until the handler really
 *    settles, and excess requests get Busy at once.
 * 4. Every outbound request settles by its deadline: reply, PeerBusyError, PeerError,
 *    PeerTimeoutError or ProtocolError — and its outcome updates the peer table.
 * 5. Blobs in a FetchReply are passed on unverified; the sync engine verifies them.
 */
export class SyncProtocol {
  readonly #deps: SyncProtocolDeps;
  readonly #frameReadTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #maxStreams: number;
  readonly #hostileThreshold: number;
  readonly #gates: InboundGates;
  readonly #inbound = new Set<Stream>();
  readonly #log: (fmt: string, ...args: unknown[]) => void;
  #handlers: SyncHandlers | undefined;
  #started = false;

  constructor(deps: SyncProtocolDeps, init: SyncProtocolInit = {}) {
    this.#deps = deps;
    this.#handlers = deps.handlers;
    this.#log = deps.log ?? debuglog('seedling-net');
    this.#frameReadTimeoutMs = init.frameReadTimeoutMs ?? FRAME_READ_TIMEOUT_MS;
    this.#requestTimeoutMs = init.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#maxStreams = init.maxStreamsPerConnection ?? SYNC_MAX_STREAMS_PER_CONNECTION;
    this.#hostileThreshold = init.hostileDisconnectThreshold ?? HOSTILE_DISCONNECT_THRESHOLD;
    const perPeer = init.maxInboundPerPeer ?? MAX_INBOUND_PER_PEER;
    const gate = (max: number) => ({ running: 0, max, maxPerPeer: perPeer, byPeer: new Map() });
    this.#gates = {
      reconcile: gate(init.maxInboundReconciles ?? MAX_INBOUND_RECONCILES),
      fetch: gate(init.maxInboundFetches ?? MAX_INBOUND_FETCHES),
      handlerTimeoutMs: init.handlerTimeoutMs ?? INBOUND_HANDLER_TIMEOUT_MS,
      busyRetryAfterMs: init.busyRetryAfterMs ?? BUSY_RETRY_AFTER_MS,
    };
  }

  /** Plugs in (or replaces) the sync engine's handlers. */
  setHandlers(handlers: SyncHandlers): void {
    this.#handlers = handlers;
  }

  /** Inbound requests running now, by kind (for tests and /debug). */
  running(): { reconcile: number; fetch: number } {
    return { reconcile: this.#gates.reconcile.running, fetch: this.#gates.fetch.running };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.#deps.libp2p.handle(
      SYNC_PROTOCOL_ID,
      (stream, conn) => this.#onStream(stream, conn),
      {
        maxInboundStreams: this.#maxStreams,
        maxOutboundStreams: this.#maxStreams,
      },
    );
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#deps.libp2p.unhandle(SYNC_PROTOCOL_ID);
    for (const stream of this.#inbound) stream.abort(new Error('sync protocol stopped'));
    this.#inbound.clear();
  }

  /**
   * Sends one request and returns the peer's reply (`undefined` for Announce, which has none).
   * Busy and Error replies are returned as messages; the typed helpers below turn them into errors.
   */
  async request(
    peer: DialTarget,
    msg: SyncRequest,
    options: RequestOptions = {},
  ): Promise<SyncMessage | undefined> {
    const body = encodeMessage(msg);
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let remote: PeerId | undefined;
    let stream: Stream | undefined;
    let result = 'ok';
    try {
      const conn = await this.#deps.libp2p.dial(peer, { signal });
      remote = conn.remotePeer;
      stream = await conn.newStream(SYNC_PROTOCOL_ID, { signal });
      const reply = await this.#exchange(stream, msg, body, signal);
      result = reply?.type === 'Busy' ? 'busy' : reply?.type === 'Error' ? 'remote_error' : 'ok';
      this.#deps.peers?.recordSuccess(remote.toString());
      return reply;
    } catch (err) {
      const mapped = timeout.aborted
        ? new PeerTimeoutError(`${msg.type} to ${String(remote ?? peer)}`, timeoutMs, {
            cause: err,
          })
        : err;
      result = this.#onOutboundError(remote, mapped, options.signal?.aborted === true);
      stream?.abort(mapped as Error);
      throw mapped;
    } finally {
      this.#deps.metrics.streams.inc({ protocol: SYNC_PROTOCOL_ID, direction: 'outbound', result });
    }
  }

  /** Reconcile round: our RBSR message for `scope` → theirs. */
  async reconcile(
    peer: DialTarget,
    scope: string,
    rbsr: Uint8Array,
    options: RequestOptions = {},
  ): Promise<Uint8Array> {
    const reply = await this.request(peer, { type: 'ReconcileRequest', scope, rbsr }, options);
    return expectReply(peer, reply, 'ReconcileReply').rbsr;
  }

  /** Asks for blobs; the reply may hold fewer than asked (missing, or over the frame bound). Unverified. */
  async fetch(
    peer: DialTarget,
    cids: CidBytes[],
    options: RequestOptions = {},
  ): Promise<FetchedBlob[]> {
    const reply = await this.request(peer, { type: 'FetchRequest', cids }, options);
    return expectReply(peer, reply, 'FetchReply').blobs;
  }

  /** Tells the peer we hold these CIDs; no reply. */
  async announce(peer: DialTarget, cids: CidBytes[], options: RequestOptions = {}): Promise<void> {
    await this.request(peer, { type: 'Announce', cids }, options);
  }

  /** Writes the request, half-closes, and reads the one reply frame (if the request has one). */
  async #exchange(
    stream: Stream,
    msg: SyncRequest,
    body: Uint8Array,
    signal: AbortSignal,
  ): Promise<SyncMessage | undefined> {
    const frames = new FrameStream(stream, this.#counters);
    await frames.writeFrame(body, { signal });
    await stream.close({ signal });
    const allowed = REPLIES[msg.type];
    if (allowed.length === 0) return undefined;
    const max = maxFrameFor(msg.type === 'FetchRequest' ? 'fetch-reply' : 'reply');
    const replyBody = await frames.readFrame(max, { signal });
    if (replyBody === null) {
      throw new ProtocolError(
        WireErrorCode.Truncated,
        `peer closed the stream without answering ${msg.type}`,
      );
    }
    const reply = decodeMessage(replyBody);
    if (!allowed.includes(reply.type)) {
      throw new ProtocolError(
        WireErrorCode.Unexpected,
        `${reply.type} is not an answer to ${msg.type}`,
      );
    }
    if (msg.type === 'FetchRequest' && reply.type === 'FetchReply') {
      checkAsked(msg.cids, reply.blobs);
    }
    return reply;
  }

  async #onStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer;
    this.#inbound.add(stream);
    const frames = new FrameStream(stream, this.#counters);
    let result = 'ok';
    try {
      const request = await this.#readRequest(frames);
      if (request === null) {
        result = 'empty';
        await stream.close({ signal: AbortSignal.timeout(this.#frameReadTimeoutMs) });
        return;
      }
      const handlers = this.#handlers;
      const reply = await serveRequest(
        peer,
        request,
        handlers,
        this.#gates,
        this.#deps.metrics,
        this.#log,
      );
      if (reply) {
        await frames.writeFrame(encodeMessage(reply), {
          signal: AbortSignal.timeout(this.#frameReadTimeoutMs),
        });
        result = reply.type === 'Busy' ? 'busy' : reply.type === 'Error' ? 'error' : 'ok';
      }
      await stream.close({ signal: AbortSignal.timeout(this.#frameReadTimeoutMs) });
    } catch (err) {
      result = this.#onInboundError(peer, stream, err);
    } finally {
      this.#inbound.delete(stream);
      this.#deps.metrics.streams.inc({ protocol: SYNC_PROTOCOL_ID, direction: 'inbound', result });
    }
  }

  /** Reads and decodes the request frame within the frame deadline (invariant 2). */
  async #readRequest(frames: FrameStream): Promise<SyncRequest | null> {
    const signal = AbortSignal.timeout(this.#frameReadTimeoutMs);
    let body: Uint8Array | null;
    try {
      body = await frames.readFrame(MAX_FRAME_BYTES, { signal });
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new ProtocolError(
        WireErrorCode.Timeout,
        `request frame not received within ${this.#frameReadTimeoutMs} ms`,
        { cause: err },
      );
    }
    if (body === null) return null;
    const msg = decodeMessage(body);
    if (msg.type !== 'ReconcileRequest' && msg.type !== 'FetchRequest' && msg.type !== 'Announce') {
      throw new ProtocolError(WireErrorCode.Unexpected, `${msg.type} cannot open a stream`);
    }
    return msg;
  }

  #onInboundError(peer: PeerId, stream: Stream, err: unknown): string {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    if (!(err instanceof ProtocolError)) {
      this.#log('inbound stream from %s failed: %s', peer.toString(), String(err));
      return 'failed';
    }
    this.#countViolation(peer, err);
    return err.code === WireErrorCode.Timeout ? 'timeout' : 'protocol_error';
  }

  #onOutboundError(remote: PeerId | undefined, err: unknown, cancelled: boolean): string {
    if (cancelled) return 'cancelled';
    if (err instanceof ProtocolError) {
      if (remote) this.#countViolation(remote, err);
      return 'protocol_error';
    }
    if (remote) this.#deps.peers?.recordFailure(remote.toString());
    return err instanceof PeerTimeoutError ? 'timeout' : 'failed';
  }

  /** Invariant 1: count by reason and against the peer; hang up a peer past the threshold. */
  #countViolation(peer: PeerId, err: ProtocolError): void {
    const peerId = peer.toString();
    this.#deps.metrics.framesRejected.inc({ reason: rejectReason(err) });
    this.#log('protocol violation by %s: %s', peerId, err.message);
    const peers = this.#deps.peers;
    if (!peers) return;
    const count = (peers.get(peerId)?.hostile ?? 0) + 1;
    const ban = count >= this.#hostileThreshold;
    peers.recordHostile(peerId, { ban });
    if (ban) {
      this.#deps.metrics.hostileDisconnects.inc();
      this.#deps.libp2p
        .hangUp(peer)
        .catch((e: unknown) => this.#log('hang up %s: %s', peerId, String(e)));
    }
  }

  readonly #counters = {
    bytesIn: (n: number) => this.#deps.metrics.bytes.inc({ direction: 'in' }, n),
    bytesOut: (n: number) => this.#deps.metrics.bytes.inc({ direction: 'out' }, n),
  };
}

/** A FetchReply may leave blobs out but never add one we did not ask for (it would cost us a verification). */
function checkAsked(asked: CidBytes[], blobs: FetchedBlob[]): void {
  // Keyed by the CID's bytes: base32 text for every CID asked and received cost more than the
  // rest of a fetch reply's handling on the main thread.
  const wanted = new Set(asked.map(bytesKey));
  for (const blob of blobs) {
    if (!wanted.delete(bytesKey(blob.cid))) {
      throw new ProtocolError(
        WireErrorCode.Unexpected,
        `FetchReply holds ${cidText(blob.cid)} unasked or twice`,
      );
    }
  }
}

function expectReply<T extends SyncMessage['type']>(
  peer: DialTarget,
  reply: SyncMessage | undefined,
  type: T,
): Extract<SyncMessage, { type: T }> {
  if (reply?.type === 'Busy') throw new PeerBusyError(String(peer), reply.retryAfterMs);
  if (reply?.type === 'Error') throw new PeerError(String(peer), reply.code, reply.message);
  if (reply?.type !== type) {
    throw new ProtocolError(
      WireErrorCode.Unexpected,
      `expected ${type}, got ${reply?.type ?? 'nothing'}`,
    );
  }
  return reply as Extract<SyncMessage, { type: T }>;
}
