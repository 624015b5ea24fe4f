/**
 * DAG-CBOR encoding and *strict* decoding for blobs.
 *
 * Strict means the bytes are in DAG-CBOR's canonical form. CIDs name exact bytes and signatures
 * are checked by patching the `sig` field in place (BLOBS.md), so a second encoding of the same
 * value must not be accepted as if it were the first.
 *
 * `@ipld/dag-cbor`'s decoder already rejects indefinite lengths, non-minimal integers and lengths,
 * duplicate keys, NaN/Infinity, non-string keys, tags other than 42 and trailing bytes. It does not
 * check map key order, float width, `undefined` or UTF-8 validity, and JS objects cannot tell us
 * the wire order of keys afterwards (integer-like keys are reordered), so `CanonicalTokenizer`
 * watches the token stream as cborg reads it and checks those rules on the raw bytes.
 *
 * Re-encoding and comparing would be simpler but wrong: Seed's Go node writes numbers that came
 * from JSON as 64-bit floats even when integral (`500.0`), which JS decodes to `500` and would
 * re-encode as an integer.
 */
import { isUtf8 } from 'node:buffer';
import * as dagCbor from '@ipld/dag-cbor';
import { decode as cborgDecode, type Token, Tokenizer } from 'cborg';
import { BlobError } from '../errors.ts';

const DECODE_OPTIONS = { ...dagCbor.decodeOptions, allowUndefined: false };

const MAJOR_STRING = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const FLOAT16 = 0xf9;
const FLOAT32 = 0xfa;

/**
 * Canonical DAG-CBOR bytes of `value` (map keys sorted length-first, 64-bit floats, CIDs as tag 42),
 * as a plain Uint8Array owning its whole ArrayBuffer: cborg may hand back a Node Buffer or a view
 * into a shared pool, which would break deep equality and make transferring the buffer unsafe.
 */
export function encodeDagCbor(value: unknown): Uint8Array {
  try {
    const out = dagCbor.encode(value);
    const owned =
      out.constructor === Uint8Array &&
      out.byteOffset === 0 &&
      out.byteLength === out.buffer.byteLength;
    return owned ? out : new Uint8Array(out);
  } catch (cause) {
    throw new BlobError('BLOB_MALFORMED', `cannot encode as DAG-CBOR: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** Decodes canonical DAG-CBOR; anything else (including trailing bytes) is `BLOB_MALFORMED`. */
export function decodeDagCbor(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new BlobError('BLOB_MALFORMED', 'DAG-CBOR input must be a Uint8Array');
  }
  // cborg slices strings out of Buffers differently; a plain view keeps behaviour uniform.
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const tokenizer = new CanonicalTokenizer(data);
    return cborgDecode(data, { ...DECODE_OPTIONS, tokenizer });
  } catch (cause) {
    if (cause instanceof BlobError) throw cause;
    throw new BlobError('BLOB_MALFORMED', `invalid DAG-CBOR: ${messageOf(cause)}`, { cause });
  }
}

/** An open array, map or tag: how many items it still holds, and where its last map key's bytes are. */
type Frame = { remaining: number; isMap: boolean; keyStart: number; keyEnd: number };

/**
 * cborg's tokenizer plus the canonical-form checks cborg lacks. Invariants:
 * 1. `stack` holds the containers whose items are not all read yet, innermost last.
 * 2. A map's `remaining` counts keys and values; a token is a key when an even number of the
 *    map's items has been read.
 * 3. Keys are compared as encoded bytes: with minimal-length headers (cborg's strict mode),
 *    bytewise order of `header + UTF-8` is DAG-CBOR's length-first order.
 */
class CanonicalTokenizer {
  readonly #data: Uint8Array;
  readonly #inner: Tokenizer;
  readonly #stack: Frame[] = [];

  constructor(data: Uint8Array) {
    this.#data = data;
    this.#inner = new Tokenizer(data, DECODE_OPTIONS);
  }

  done(): boolean {
    return this.#inner.done();
  }

  pos(): number {
    return this.#inner.pos();
  }

  next(): Token {
    const start = this.#inner.pos();
    const token = this.#inner.next();
    const end = this.#inner.pos();
    this.#checkToken(start, end);
    this.#track(start, end, token);
    return token;
  }

  #checkToken(start: number, end: number): void {
    const first = this.#data[start]!;
    if (first === FLOAT16 || first === FLOAT32) {
      throw malformed(start, 'floats must be 64-bit');
    }
    if (first >> 5 === MAJOR_STRING) {
      if (!validUtf8(this.#data, start + headerBytes(first), end)) {
        throw malformed(start, 'string is not valid UTF-8');
      }
    }
  }

  #track(start: number, end: number, token: Token): void {
    const parent = this.#stack.at(-1);
    if (parent) {
      if (parent.isMap && parent.remaining % 2 === 0) this.#checkKeyOrder(parent, start, end);
      parent.remaining--;
    }
    const major = this.#data[start]! >> 5;
    const count = typeof token.value === 'number' ? token.value : 0;
    if (major === MAJOR_ARRAY && count > 0) {
      this.#stack.push({ remaining: count, isMap: false, keyStart: 0, keyEnd: 0 });
    } else if (major === MAJOR_MAP && count > 0) {
      this.#stack.push({ remaining: count * 2, isMap: true, keyStart: 0, keyEnd: 0 });
    } else if (major === MAJOR_TAG) {
      this.#stack.push({ remaining: 1, isMap: false, keyStart: 0, keyEnd: 0 });
    } else {
      // A leaf (or empty container) ends every container whose last item it was.
      while (this.#stack.length > 0 && this.#stack.at(-1)!.remaining === 0) this.#stack.pop();
    }
  }

  #checkKeyOrder(map: Frame, start: number, end: number): void {
    if (map.keyEnd > 0 && compareRanges(this.#data, map.keyStart, map.keyEnd, start, end) >= 0) {
      throw malformed(start, 'map keys are not in canonical order (length first, then bytewise)');
    }
    map.keyStart = start;
    map.keyEnd = end;
  }
}

/** Bytewise comparison of two ranges of `data` (no subarray allocation: keys are short). */
function compareRanges(data: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = data[a + i]! - data[b + i]!;
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/** ASCII needs no UTF-8 check; anything else goes to the native validator. */
function validUtf8(data: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (data[i]! >= 0x80) return isUtf8(data.subarray(start, end));
  }
  return true;
}

/** Bytes of a CBOR item header, from its first byte (minimal lengths are cborg's job). */
function headerBytes(first: number): number {
  const minor = first & 0x1f;
  if (minor < 24) return 1;
  return 1 + (1 << (minor - 24));
}

function malformed(at: number, reason: string): BlobError {
  return new BlobError('BLOB_MALFORMED', `DAG-CBOR is not canonical at byte ${at}: ${reason}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
