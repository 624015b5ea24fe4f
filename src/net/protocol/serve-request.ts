import type { PeerId } from '@libp2p/interface';
import type { CidBytes } from '../../blob/cid-bytes.ts';
import {
  MAX_BLOB_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MAX_FETCH_REPLY_FRAME_BYTES,
  MAX_FRAME_BYTES,
} from '../../constants.ts';
import { SeedlingError } from '../../errors.ts';
import type { NetMetrics } from '../net-metrics.ts';
import { type FetchedBlob, fetchedBlobSize, type SyncMessage } from './messages.ts';

/**
 * What the sync engine plugs into the protocol. Handlers receive validated messages only; their
 * `signal` fires at the handler deadline (the peer then gets Error `TIMEOUT`).
 */
export type SyncHandlers = {
  /** Answers one reconcile round for `scope` with our RBSR message (at most ~1 MiB). */
  onReconcile(
    peer: PeerId,
    scope: string,
    rbsr: Uint8Array,
    options: { signal: AbortSignal },
  ): Promise<Uint8Array>;
  /** Returns the blobs we hold among `cids` (missing ones are left out). */
  onFetch(peer: PeerId, cids: CidBytes[], options: { signal: AbortSignal }): Promise<FetchedBlob[]>;
  /** The peer says it holds these CIDs; fire-and-forget (errors are logged). */
  onAnnounce(peer: PeerId, cids: CidBytes[]): void | Promise<void>;
};

/** Slots of one kind: `max` across peers, `maxPerPeer` for any one peer (so one peer cannot take them all). */
export type Gate = {
  running: number;
  max: number;
  maxPerPeer: number;
  byPeer: Map<string, number>;
};
export type InboundGates = {
  reconcile: Gate;
  fetch: Gate;
  handlerTimeoutMs: number;
  busyRetryAfterMs: number;
};

type Log = (fmt: string, ...args: unknown[]) => void;

/** Room left in a frame for the type byte and the count varint. */
const FRAME_HEADER_BYTES = 16;

/** Serves one validated request; returns the reply to send (none for Announce). */
export async function serveRequest(
  peer: PeerId,
  request: Extract<SyncMessage, { type: 'ReconcileRequest' | 'FetchRequest' | 'Announce' }>,
  handlers: SyncHandlers | undefined,
  gates: InboundGates,
  metrics: NetMetrics,
  log: Log,
): Promise<SyncMessage | undefined> {
  if (request.type === 'Announce') {
    if (handlers) {
      Promise.resolve()
        .then(() => handlers.onAnnounce(peer, request.cids))
        .catch((err: unknown) =>
          log('onAnnounce from %s failed: %s', peer.toString(), String(err)),
        );
    }
    return undefined;
  }
  if (!handlers) return { type: 'Error', code: 'NOT_READY', message: 'sync engine not started' };
  if (request.type === 'ReconcileRequest') {
    return gated(peer, 'reconcile', gates, metrics, log, async (signal) => {
      const rbsr = await handlers.onReconcile(peer, request.scope, request.rbsr, { signal });
      if (rbsr.byteLength > MAX_FRAME_BYTES - FRAME_HEADER_BYTES) {
        throw new SeedlingError('REPLY_TOO_LARGE', `reconcile reply of ${rbsr.byteLength} bytes`);
      }
      return { type: 'ReconcileReply', rbsr };
    });
  }
  return gated(peer, 'fetch', gates, metrics, log, async (signal) => {
    const blobs = await handlers.onFetch(peer, request.cids, { signal });
    return { type: 'FetchReply', blobs: packBlobs(blobs) };
  });
}

/**
 * Runs `work` under the gate of `kind`: Busy at once when full. The slot is released when `work`
 * really settles, not at the deadline, so a handler that ignores its signal still counts.
 */
async function gated(
  peer: PeerId,
  kind: 'reconcile' | 'fetch',
  gates: InboundGates,
  metrics: NetMetrics,
  log: Log,
  work: (signal: AbortSignal) => Promise<SyncMessage>,
): Promise<SyncMessage> {
  const gate = gates[kind];
  const key = peer.toString();
  const mine = gate.byPeer.get(key) ?? 0;
  if (gate.running >= gate.max || mine >= gate.maxPerPeer) {
    metrics.inboundBusy.inc({ kind });
    return { type: 'Busy', retryAfterMs: gates.busyRetryAfterMs };
  }
  gate.running++;
  gate.byPeer.set(key, mine + 1);
  const controller = new AbortController();
  const running = work(controller.signal).finally(() => release(gate, key));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<SyncMessage>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`${kind} handler deadline`));
      resolve({
        type: 'Error',
        code: 'TIMEOUT',
        message: `${kind} took over ${gates.handlerTimeoutMs} ms`,
      });
    }, gates.handlerTimeoutMs);
  });
  try {
    return await Promise.race([running, deadline]);
  } catch (err) {
    log('%s handler failed: %s', kind, String(err));
    return errorReply(err);
  } finally {
    clearTimeout(timer);
    running.catch(() => {});
  }
}

function release(gate: Gate, key: string): void {
  gate.running--;
  const left = (gate.byPeer.get(key) ?? 1) - 1;
  if (left > 0) gate.byPeer.set(key, left);
  else gate.byPeer.delete(key);
}

/** Our own errors keep their code and message; anything else is `INTERNAL` (no internals leak). */
function errorReply(err: unknown): SyncMessage {
  if (err instanceof SeedlingError) return { type: 'Error', code: err.code, message: err.message };
  return { type: 'Error', code: 'INTERNAL', message: 'internal error' };
}

/** Keeps blobs, in order, while the reply stays under the FetchReply frame bound. */
export function packBlobs(blobs: FetchedBlob[]): FetchedBlob[] {
  const out: FetchedBlob[] = [];
  let size = FRAME_HEADER_BYTES;
  for (const blob of blobs) {
    if (out.length >= MAX_CIDS_PER_MESSAGE) break;
    if (blob.data.byteLength > MAX_BLOB_BYTES) continue; // no peer would accept it
    const next = fetchedBlobSize(blob);
    if (size + next > MAX_FETCH_REPLY_FRAME_BYTES) break;
    out.push(blob);
    size += next;
  }
  return out;
}
