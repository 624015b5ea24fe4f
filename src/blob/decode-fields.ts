/**
 * Typed reading of one decoded DAG-CBOR map, field by field, for the blob decoders.
 *
 * Every check names the field's full path (`body.ops[2].blocks[0]`) in the BlobError it throws, so
 * a peer's bad blob can be diagnosed from the log line alone. The reader remembers which keys it
 * read; `rest()` returns the others, which the decoders keep in `extra` (unknown fields are kept,
 * not rejected: BLOBS.md).
 */
import { CID } from 'multiformats/cid';
import { BlobError } from '../errors.ts';
import { ED25519_PREFIX, P256_PREFIX } from './principal.ts';

export type WireMap = Record<string, unknown>;

/**
 * The CID a decoded link is, or null. Only real `CID` instances count (what @ipld/dag-cbor makes
 * from tag 42): `CID.asCID` also accepts look-alike objects (`{'/': x, bytes: x, ...}`), and a
 * hostile peer can send a plain map shaped like that.
 */
export function asLink(value: unknown): CID | null {
  return value instanceof CID ? value : null;
}

/** A plain map as @ipld/dag-cbor decodes it (not a list, bytes, CID or null). */
export function isWireMap(value: unknown): value is WireMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof CID)
  );
}

export function malformed(field: string, message: string): BlobError {
  return new BlobError('BLOB_MALFORMED', message, { field });
}

/** Describes a value's wire type for error messages ("got bytes", "got list"). */
export function wireTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'bigint') return 'integer beyond 2^53';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (value instanceof CID) return 'CID link';
  return typeof value === 'object' ? 'map' : typeof value;
}

/** Checks a value and returns it typed; `path` names it in errors. */
export const check = {
  string(value: unknown, path: string): string {
    if (typeof value !== 'string')
      throw malformed(path, `expected a string, got ${wireTypeOf(value)}`);
    return value;
  },
  bool(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean')
      throw malformed(path, `expected a boolean, got ${wireTypeOf(value)}`);
    return value;
  },
  /** A safe non-negative integer (ms timestamps, depths, generations, RGA positions). */
  uint(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      const got = typeof value === 'number' ? String(value) : wireTypeOf(value);
      throw malformed(path, `expected a non-negative safe integer, got ${got}`);
    }
    return value;
  },
  /**
   * A non-negative integer of up to 64 bits: a number when safe, else a bigint. RGA positions carry
   * a 56-bit actor (Seed's op IDs), past 2^53 for most accounts.
   */
  uint64(value: unknown, path: string): number | bigint {
    if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value;
    return check.uint(value, path);
  },
  bytes(value: unknown, path: string): Uint8Array {
    if (!(value instanceof Uint8Array))
      throw malformed(path, `expected bytes, got ${wireTypeOf(value)}`);
    return value;
  },
  cid(value: unknown, path: string): CID {
    const cid = asLink(value);
    if (cid === null) throw malformed(path, `expected a CID link, got ${wireTypeOf(value)}`);
    return cid;
  },
  list(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw malformed(path, `expected a list, got ${wireTypeOf(value)}`);
    return value;
  },
  map(value: unknown, path: string): WireMap {
    if (!isWireMap(value)) throw malformed(path, `expected a map, got ${wireTypeOf(value)}`);
    return value;
  },
  /**
   * A principal: Ed25519 (0xed01 + 32 bytes) or P-256 (0x8024 + 33-byte compressed point); both
   * are verified (principal.ts), and a P-256 point off the curve fails there as a bad signature.
   */
  principal(value: unknown, path: string): Uint8Array {
    const bytes = check.bytes(value, path);
    if (isPrincipal(bytes)) return bytes;
    throw new BlobError(
      'BAD_PRINCIPAL',
      `expected an Ed25519 (0xed01 + 32 bytes) or P-256 principal, got ${bytes.length} bytes`,
      { field: path },
    );
  },
  /** A list whose items all pass `item`; item paths are `path[i]`. */
  listOf<T>(value: unknown, path: string, item: (v: unknown, p: string) => T): T[] {
    const list = check.list(value, path);
    const out = new Array<T>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = item(list[i], `${path}[${i}]`);
    return out;
  },
};

function isPrincipal(b: Uint8Array): boolean {
  if (b.length === 34) return b[0] === ED25519_PREFIX[0] && b[1] === ED25519_PREFIX[1];
  if (b.length === 35) return b[0] === P256_PREFIX[0] && b[1] === P256_PREFIX[1];
  return false;
}

/** Reads fields of one map; `prefix` is the map's own path ('' for the blob, 'body.' etc.). */
export class FieldReader {
  readonly map: WireMap;
  readonly prefix: string;
  private readonly seen = new Set<string>();

  constructor(map: WireMap, prefix = '') {
    this.map = map;
    this.prefix = prefix;
  }

  /** Full path of a field of this map. */
  path(key: string): string {
    return this.prefix + key;
  }

  /** The field's value, checked by `fn`; BLOB_MALFORMED when absent. */
  req<T>(key: string, fn: (v: unknown, p: string) => T): T {
    this.seen.add(key);
    if (!Object.hasOwn(this.map, key)) throw malformed(this.path(key), 'required field is missing');
    return fn(this.map[key], this.path(key));
  }

  /** The field's value checked by `fn`, or `fallback` when absent. Present-but-null is an error. */
  opt<T, F>(key: string, fn: (v: unknown, p: string) => T, fallback: F): T | F {
    this.seen.add(key);
    if (!Object.hasOwn(this.map, key)) return fallback;
    return fn(this.map[key], this.path(key));
  }

  /** Fields not read so far (unknown to this decoder), kept as decoded. */
  rest(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this.map)) {
      if (!this.seen.has(key)) out[key] = this.map[key];
    }
    return out;
  }
}
