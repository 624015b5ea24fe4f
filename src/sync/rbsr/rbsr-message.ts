import { ProtocolError } from '../../errors.ts';
import { WireReader, WireWriter } from '../../net/protocol/wire.ts';
import { FINGERPRINT_BYTES } from './fingerprint.ts';
import { type Bound, compareBounds } from './item.ts';

/**
 * The RBSR message codec (grammar in docs/sync-protocol.md, "RBSR messages"). A message is a
 * version byte and a list of ranges; each range runs from the previous range's upper bound (the
 * first from the lowest point) to its own, and says what the sender knows of it:
 * `Mode.Skip | Fingerprint | IdList`. Everything is checked on decode: a peer's message is hostile
 * until proven otherwise.
 */

export const RBSR_VERSION = 0x61;
export const Mode = { Skip: 0, Fingerprint: 1, IdList: 2 } as const;

/** Longest id (a binary CID) in a message. */
export const MAX_ID_BYTES = 128;
/** Ids in one IdList range; a sender splits before this. */
export const MAX_IDS_PER_RANGE = 65_536;
/** Ranges in one message (16 buckets per mismatched range keep honest messages far below). */
export const MAX_RANGES = 65_536;
/** Largest timestamp on the wire (ms; 2^48 is year 10889). */
const MAX_TS = 2 ** 48;

export type Range =
  | { upper: Bound; mode: 'Skip' }
  | { upper: Bound; mode: 'Fingerprint'; fingerprint: Uint8Array }
  | { upper: Bound; mode: 'IdList'; ids: Uint8Array[] };

export const RbsrErrorCode = {
  Malformed: 'RBSR_MALFORMED',
  Version: 'RBSR_UNSUPPORTED_VERSION',
} as const;

/** Encoded size of a range, so senders can keep a message under a byte budget. */
export function encodedRangeSize(range: Range): number {
  let n = 8 + 2 + range.upper.prefix.byteLength + 2;
  if (range.mode === 'Fingerprint') n += FINGERPRINT_BYTES;
  if (range.mode === 'IdList') {
    n += 4;
    for (const id of range.ids) n += id.byteLength + 2;
  }
  return n;
}

export function encodeRbsrMessage(ranges: readonly Range[]): Uint8Array {
  const w = new WireWriter().u8(RBSR_VERSION);
  for (const range of ranges) {
    // ts travels as ts + 1 so that 0 can mean "infinity" (the top of the set).
    w.varint(range.upper.ts === Number.POSITIVE_INFINITY ? 0 : range.upper.ts + 1);
    w.bytes(range.upper.prefix);
    w.varint(Mode[range.mode]);
    if (range.mode === 'Fingerprint') w.fixed(range.fingerprint);
    if (range.mode === 'IdList') {
      w.varint(range.ids.length);
      for (const id of range.ids) w.bytes(id);
    }
  }
  return w.finish();
}

export function decodeRbsrMessage(bytes: Uint8Array): Range[] {
  try {
    return decodeRanges(new WireReader(bytes));
  } catch (cause) {
    if (cause instanceof ProtocolError && cause.code === RbsrErrorCode.Version) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ProtocolError(RbsrErrorCode.Malformed, `bad RBSR message: ${reason}`, { cause });
  }
}

function decodeRanges(r: WireReader): Range[] {
  const version = r.u8('version');
  if (version !== RBSR_VERSION) {
    throw new ProtocolError(
      RbsrErrorCode.Version,
      `RBSR version 0x${version.toString(16)} is not supported (this node speaks 0x${RBSR_VERSION.toString(16)})`,
    );
  }
  const ranges: Range[] = [];
  let prev: Bound | undefined;
  while (!r.done) {
    if (ranges.length >= MAX_RANGES) throw new Error(`more than ${MAX_RANGES} ranges`);
    if (prev?.ts === Number.POSITIVE_INFINITY) throw new Error('a range follows the top bound');
    const upper = decodeBound(r, ranges.length);
    if (prev !== undefined && compareBounds(prev, upper) >= 0) {
      throw new Error(`range ${ranges.length}: bounds must strictly increase`);
    }
    ranges.push(decodeRange(r, upper, ranges.length));
    prev = upper;
  }
  return ranges;
}

function decodeBound(r: WireReader, index: number): Bound {
  const ts = r.varint(`ranges[${index}].ts`, MAX_TS + 1);
  const prefix = r.bytes(`ranges[${index}].prefix`, MAX_ID_BYTES);
  return { ts: ts === 0 ? Number.POSITIVE_INFINITY : ts - 1, prefix };
}

function decodeRange(r: WireReader, upper: Bound, index: number): Range {
  const mode = r.varint(`ranges[${index}].mode`, Mode.IdList);
  if (mode === Mode.Skip) return { upper, mode: 'Skip' };
  if (mode === Mode.Fingerprint) {
    return { upper, mode: 'Fingerprint', fingerprint: r.fixed('fingerprint', FINGERPRINT_BYTES) };
  }
  const count = r.varint(`ranges[${index}].count`, MAX_IDS_PER_RANGE);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(r.bytes(`ranges[${index}].ids[${i}]`, MAX_ID_BYTES));
  return { upper, mode: 'IdList', ids };
}
