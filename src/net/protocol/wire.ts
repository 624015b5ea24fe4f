import { ProtocolError } from '../../errors.ts';

/**
 * Byte-level primitives of the sync protocol's hand codec: unsigned LEB128 varints, length-prefixed
 * byte strings and UTF-8 strings. Every read is bounded by the caller and by the remaining input,
 * so a hostile length can never make us allocate or loop more than the frame we already hold.
 */

/** Longest varint we accept: 7 bytes carry 49 bits, far above any bound we enforce, below 2^53. */
const MAX_VARINT_BYTES = 7;

/** Stable codes of the ProtocolErrors the codec and framer raise; `reason` labels metrics. */
export const WireErrorCode = {
  FrameTooLarge: 'PROTOCOL_FRAME_TOO_LARGE',
  BadLength: 'PROTOCOL_BAD_LENGTH',
  BadMessage: 'PROTOCOL_BAD_MESSAGE',
  UnknownType: 'PROTOCOL_UNKNOWN_TYPE',
  Unexpected: 'PROTOCOL_UNEXPECTED_MESSAGE',
  Truncated: 'PROTOCOL_TRUNCATED',
  Timeout: 'PROTOCOL_TIMEOUT',
} as const;

/** Metric label for a ProtocolError code (`PROTOCOL_FRAME_TOO_LARGE` → `frame_too_large`). */
export function rejectReason(err: unknown): string {
  if (err instanceof ProtocolError && err.code.startsWith('PROTOCOL_')) {
    return err.code.slice('PROTOCOL_'.length).toLowerCase();
  }
  return 'other';
}

export function encodingLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes `value` (a non-negative safe integer) as an unsigned LEB128 varint into `out` at `at`; returns the next offset. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint out of range: ${value}`);
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(encodingLength(value));
  writeVarint(out, 0, value);
  return out;
}

/**
 * Decodes one varint byte by byte. Returns `undefined` while more bytes are needed; throws on an
 * over-long or non-minimal encoding (a canonical encoding keeps frames comparable byte for byte).
 */
export class VarintDecoder {
  #value = 0;
  #shift = 1;
  #count = 0;

  push(byte: number): number | undefined {
    this.#count++;
    if (this.#count > MAX_VARINT_BYTES) {
      throw new ProtocolError(WireErrorCode.BadLength, 'varint is longer than 7 bytes');
    }
    this.#value += (byte & 0x7f) * this.#shift;
    this.#shift *= 0x80;
    if (byte & 0x80) return undefined;
    if (byte === 0 && this.#count > 1) {
      throw new ProtocolError(WireErrorCode.BadLength, 'varint is not minimally encoded');
    }
    return this.#value;
  }
}

/**
 * Accumulates fields into one growing buffer and produces one message body. Fields are written in
 * place: a FetchRequest of 256 CIDs or an IdList of thousands of ids allocates a few buffers, not
 * two small arrays per field.
 */
export class WireWriter {
  #buf: Uint8Array;
  #length = 0;

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
  }

  u8(value: number): this {
    this.#reserve(1);
    this.#buf[this.#length++] = value & 0xff;
    return this;
  }

  /** Raw bytes with no length prefix (fixed-size fields). */
  fixed(value: Uint8Array): this {
    this.#reserve(value.byteLength);
    this.#buf.set(value, this.#length);
    this.#length += value.byteLength;
    return this;
  }

  varint(value: number): this {
    // A safe integer takes at most 8 bytes of LEB128 (more than the reader accepts; see above).
    this.#reserve(8);
    this.#length = writeVarint(this.#buf, this.#length, value);
    return this;
  }

  bytes(value: Uint8Array): this {
    return this.varint(value.byteLength).fixed(value);
  }

  string(value: string): this {
    return this.bytes(new TextEncoder().encode(value));
  }

  get length(): number {
    return this.#length;
  }

  /** The body so far: a view of the writer's buffer (later writes land past its end). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const need = this.#length + extra;
    if (need <= this.#buf.byteLength) return;
    const grown = new Uint8Array(Math.max(need, this.#buf.byteLength * 2));
    grown.set(this.#buf.subarray(0, this.#length));
    this.#buf = grown;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads fields from one message body; every read names its field in the error. */
export class WireReader {
  readonly #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  u8(field: string): number {
    if (this.#at >= this.#bytes.byteLength) throw bad(field, 'missing');
    return this.#bytes[this.#at++]!;
  }

  /** A varint no larger than `max`. */
  varint(field: string, max: number): number {
    const decoder = new VarintDecoder();
    while (true) {
      if (this.#at >= this.#bytes.byteLength) throw bad(field, 'truncated varint');
      let value: number | undefined;
      try {
        value = decoder.push(this.#bytes[this.#at++]!);
      } catch (cause) {
        throw bad(field, (cause as Error).message);
      }
      if (value === undefined) continue;
      if (value > max) throw bad(field, `${value} exceeds the bound ${max}`);
      return value;
    }
  }

  /** A length-prefixed byte string of at most `maxLength` bytes (a view into the frame, not a copy). */
  bytes(field: string, maxLength: number): Uint8Array {
    const length = this.varint(`${field}.length`, maxLength);
    if (length > this.#bytes.byteLength - this.#at)
      throw bad(field, 'runs past the end of the frame');
    const out = this.#bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  /** A length-prefixed UTF-8 string of at most `maxBytes` bytes; invalid UTF-8 is rejected. */
  string(field: string, maxBytes: number): string {
    const raw = this.bytes(field, maxBytes);
    try {
      return utf8.decode(raw);
    } catch {
      throw bad(field, 'is not valid UTF-8');
    }
  }

  /** Exactly `length` raw bytes (fixed-size fields such as a fingerprint; a view, not a copy). */
  fixed(field: string, length: number): Uint8Array {
    if (length > this.#bytes.byteLength - this.#at)
      throw bad(field, 'runs past the end of the frame');
    const out = this.#bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  /** True once every byte has been read. */
  get done(): boolean {
    return this.#at >= this.#bytes.byteLength;
  }

  /** Every byte must be consumed: trailing bytes mean a peer speaks something else. */
  end(): void {
    const left = this.#bytes.byteLength - this.#at;
    if (left !== 0) throw bad('message', `${left} trailing bytes`);
  }
}

function bad(field: string, what: string): ProtocolError {
  return new ProtocolError(WireErrorCode.BadMessage, `${field}: ${what}`);
}
