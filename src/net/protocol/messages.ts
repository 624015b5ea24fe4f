import { type CidBytes, cidBytesProblem } from '../../blob/cid-bytes.ts';
import {
  MAX_BLOB_BYTES,
  MAX_CIDS_PER_MESSAGE,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_FETCH_REPLY_FRAME_BYTES,
  MAX_FRAME_BYTES,
  MAX_SCOPE_BYTES,
} from '../../constants.ts';
import { InvalidInputError, ProtocolError } from '../../errors.ts';
import { WireErrorCode, WireReader, WireWriter } from './wire.ts';

/**
 * Messages of `/seedling/sync/1.0.0` (grammar in docs/sync-protocol.md, "Framing and messages").
 * A body is one type byte followed by that type's fields; the decoder checks every field's type,
 * bound and the absence of trailing bytes before anything reaches a handler. RBSR payloads are
 * opaque bytes here (src/sync/rbsr owns their format); blobs in a FetchReply are NOT verified here.
 */

export const MessageType = {
  ReconcileRequest: 0x01,
  ReconcileReply: 0x02,
  Busy: 0x03,
  FetchRequest: 0x04,
  FetchReply: 0x05,
  Announce: 0x06,
  Error: 0x07,
} as const;
export type MessageTypeName = keyof typeof MessageType;

export type ReconcileRequest = { type: 'ReconcileRequest'; scope: string; rbsr: Uint8Array };
export type ReconcileReply = { type: 'ReconcileReply'; rbsr: Uint8Array };
export type Busy = { type: 'Busy'; retryAfterMs: number };
export type FetchRequest = { type: 'FetchRequest'; cids: CidBytes[] };
/**
 * A blob as a peer sent it: `cid` is checked to be one CID, `data` is not verified against it.
 * Decoded, both are views into the reply's frame: whoever keeps a blob past the reply, or posts it
 * to another thread (a view is cloned with its whole buffer), copies it first.
 */
export type FetchedBlob = { cid: CidBytes; data: Uint8Array };
export type FetchReply = { type: 'FetchReply'; blobs: FetchedBlob[] };
export type Announce = { type: 'Announce'; cids: CidBytes[] };
export type ErrorMessage = { type: 'Error'; code: string; message: string };

export type SyncMessage =
  | ReconcileRequest
  | ReconcileReply
  | Busy
  | FetchRequest
  | FetchReply
  | Announce
  | ErrorMessage;

/** Largest CID in bytes we accept (CIDv1 + a 64-byte digest fits with room). */
export const MAX_CID_BYTES = 128;
const MAX_ERROR_CODE_BYTES = 64;
const MAX_RETRY_AFTER_MS = 3_600_000;
/** Fixed per-blob overhead bound in a FetchReply: two length varints (≤ 4 bytes each). */
const BLOB_OVERHEAD_BYTES = 8;

/** The bound a frame body must respect given the message expected next on a stream. */
export function maxFrameFor(expected: 'request' | 'fetch-reply' | 'reply'): number {
  return expected === 'fetch-reply' ? MAX_FETCH_REPLY_FRAME_BYTES : MAX_FRAME_BYTES;
}

/** Upper bound of the encoded size of one blob inside a FetchReply (for packing replies under the bound). */
export function fetchedBlobSize(blob: FetchedBlob): number {
  return blob.cid.byteLength + blob.data.byteLength + BLOB_OVERHEAD_BYTES;
}

/**
 * Encodes a message we send. Our own bounds are checked first: sending what the peer must reject
 * would get us counted as hostile, so an oversized message is the caller's InvalidInputError.
 */
export function encodeMessage(msg: SyncMessage): Uint8Array {
  checkOutbound(msg);
  const body = encodeFields(msg);
  const bound = maxFrameFor(msg.type === 'FetchReply' ? 'fetch-reply' : 'reply');
  if (body.byteLength > bound) {
    throw new InvalidInputError(
      `${msg.type} of ${body.byteLength} bytes exceeds the frame bound ${bound}`,
    );
  }
  return body;
}

function checkOutbound(msg: SyncMessage): void {
  if (
    msg.type === 'ReconcileRequest' &&
    new TextEncoder().encode(msg.scope).byteLength > MAX_SCOPE_BYTES
  ) {
    throw new InvalidInputError(`scope exceeds ${MAX_SCOPE_BYTES} bytes`, { field: 'scope' });
  }
  const count =
    msg.type === 'FetchRequest' || msg.type === 'Announce'
      ? msg.cids.length
      : msg.type === 'FetchReply'
        ? msg.blobs.length
        : 0;
  if (count > MAX_CIDS_PER_MESSAGE) {
    throw new InvalidInputError(`${count} items exceed ${MAX_CIDS_PER_MESSAGE} per message`);
  }
  if (msg.type === 'FetchReply' && msg.blobs.some((b) => b.data.byteLength > MAX_BLOB_BYTES)) {
    throw new InvalidInputError(`a blob exceeds ${MAX_BLOB_BYTES} bytes`, { field: 'blobs' });
  }
}

function encodeFields(msg: SyncMessage): Uint8Array {
  const w = new WireWriter().u8(MessageType[msg.type]);
  switch (msg.type) {
    case 'ReconcileRequest':
      w.string(msg.scope).bytes(msg.rbsr);
      break;
    case 'ReconcileReply':
      w.bytes(msg.rbsr);
      break;
    case 'Busy':
      w.varint(Math.min(Math.max(0, Math.round(msg.retryAfterMs)), MAX_RETRY_AFTER_MS));
      break;
    case 'FetchRequest':
    case 'Announce':
      w.varint(msg.cids.length);
      for (const cid of msg.cids) w.bytes(cid);
      break;
    case 'FetchReply':
      w.varint(msg.blobs.length);
      for (const blob of msg.blobs) w.bytes(blob.cid).bytes(blob.data);
      break;
    case 'Error':
      w.string(msg.code.slice(0, MAX_ERROR_CODE_BYTES)).string(truncateUtf8(msg.message));
      break;
  }
  return w.finish();
}

/** Decodes and validates one frame body; any violation is a ProtocolError naming the field. */
export function decodeMessage(body: Uint8Array): SyncMessage {
  const r = new WireReader(body);
  const type = r.u8('type');
  const msg = decodeFields(type, r);
  r.end();
  return msg;
}

function decodeFields(type: number, r: WireReader): SyncMessage {
  switch (type) {
    case MessageType.ReconcileRequest:
      return {
        type: 'ReconcileRequest',
        scope: r.string('scope', MAX_SCOPE_BYTES),
        rbsr: r.bytes('rbsr', MAX_FRAME_BYTES),
      };
    case MessageType.ReconcileReply:
      return { type: 'ReconcileReply', rbsr: r.bytes('rbsr', MAX_FRAME_BYTES) };
    case MessageType.Busy:
      return { type: 'Busy', retryAfterMs: r.varint('retryAfterMs', MAX_RETRY_AFTER_MS) };
    case MessageType.FetchRequest:
      return { type: 'FetchRequest', cids: readCids(r) };
    case MessageType.Announce:
      return { type: 'Announce', cids: readCids(r) };
    case MessageType.FetchReply:
      return { type: 'FetchReply', blobs: readBlobs(r) };
    case MessageType.Error:
      return {
        type: 'Error',
        code: r.string('code', MAX_ERROR_CODE_BYTES),
        message: r.string('message', MAX_ERROR_MESSAGE_BYTES),
      };
    default:
      throw new ProtocolError(WireErrorCode.UnknownType, `unknown message type 0x${hex(type)}`);
  }
}

function readCids(r: WireReader): CidBytes[] {
  const count = r.varint('cids.count', MAX_CIDS_PER_MESSAGE);
  const cids: CidBytes[] = [];
  for (let i = 0; i < count; i++) cids.push(readCid(r, `cids[${i}]`));
  return cids;
}

function readBlobs(r: WireReader): FetchedBlob[] {
  const count = r.varint('blobs.count', MAX_CIDS_PER_MESSAGE);
  const blobs: FetchedBlob[] = [];
  for (let i = 0; i < count; i++) {
    // Views, not copies: the sync engine packs each reply into one buffer for the verifier at once
    // (blob-batch.ts), so a copy here would be made twice, one allocation per blob.
    const cid = readCidView(r, `blobs[${i}].cid`);
    const data = r.bytes(`blobs[${i}].data`, MAX_BLOB_BYTES);
    blobs.push({ cid, data });
  }
  return blobs;
}

/**
 * A CID's bytes, checked (cid-bytes.ts) and copied out of the frame: a handler may keep a request's
 * CIDs (announcements wait for their round) and must not pin the frame with them.
 */
function readCid(r: WireReader, field: string): CidBytes {
  return readCidView(r, field).slice();
}

function readCidView(r: WireReader, field: string): CidBytes {
  const raw = r.bytes(field, MAX_CID_BYTES);
  const problem = cidBytesProblem(raw);
  if (problem !== null) {
    throw new ProtocolError(WireErrorCode.BadMessage, `${field}: not a CID (${problem})`);
  }
  return raw;
}

function truncateUtf8(text: string): string {
  let out = text;
  while (new TextEncoder().encode(out).byteLength > MAX_ERROR_MESSAGE_BYTES) {
    out = out.slice(0, Math.floor(out.length * 0.9));
  }
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
