/**
 * Principals (multicodec-prefixed public keys), account IDs (their base58btc multibase form) and
 * signature checks: Ed25519 (Seed's apps and CLI) and ECDSA P-256 (Seed's web signers, WebCrypto).
 *
 * Verification uses node:crypto (OpenSSL), several times faster than a JS implementation. Making a
 * KeyObject costs about as much as a verify, and a node sees the same few signers again and again,
 * so KeyObjects are kept in a small LRU keyed by the raw public key.
 */

import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { base58btc } from 'multiformats/bases/base58';
import { Gauge, type Registry } from 'prom-client';
import { ACCOUNT_ID_CACHE_SIZE, ED25519_KEY_CACHE_SIZE } from '../constants.ts';
import { BlobError, InvalidInputError } from '../errors.ts';
import type { AccountId, Principal } from '../types.ts';
import { bytesKey } from './bytes-key.ts';

/** Multicodec `ed25519-pub` as an unsigned varint. */
export const ED25519_PREFIX = [0xed, 0x01];
/** Multicodec `p256-pub` as an unsigned varint (WebCrypto signers), followed by a 33-byte compressed point. */
export const P256_PREFIX = [0x80, 0x24];
const P256_POINT_BYTES = 33;
/**
 * ASN.1 SubjectPublicKeyInfo header for a P-256 key (id-ecPublicKey, prime256v1) whose point is
 * given compressed (33 bytes); OpenSSL decompresses it and rejects a point not on the curve.
 */
const SPKI_P256_COMPRESSED_HEADER = Buffer.from(
  '3039301306072a8648ce3d020106082a8648ce3d030107032200',
  'hex',
);

const ED25519_KEY_BYTES = 32;
/** ASN.1 SubjectPublicKeyInfo header for an Ed25519 key (OID 1.3.101.112); the raw key follows. */
const SPKI_ED25519_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

/** Principal bytes for a raw 32-byte Ed25519 public key. */
export function principalFromEd25519(publicKey: Uint8Array): Principal {
  if (publicKey.length !== ED25519_KEY_BYTES) {
    throw new BlobError(
      'BAD_PRINCIPAL',
      `Ed25519 public key must be 32 bytes, got ${publicKey.length}`,
    );
  }
  const out = new Uint8Array(2 + ED25519_KEY_BYTES);
  out.set(ED25519_PREFIX, 0);
  out.set(publicKey, 2);
  return out as Principal;
}

/** `z…` account ID (base58btc multibase) of a principal. */
/**
 * Account IDs of recent principals: base58 encoding is the costliest step of preparing a blob after
 * its signature check, and a node sees few distinct signers at a time.
 */
const accountIds = new LRUCache<string, AccountId>({ max: ACCOUNT_ID_CACHE_SIZE });

export function accountIdFromPrincipal(p: Uint8Array): AccountId {
  const key = bytesKey(p);
  let id = accountIds.get(key);
  if (id === undefined) {
    id = base58btc.encode(p) as AccountId;
    accountIds.set(key, id);
  }
  return id;
}

/**
 * Valid account IDs already decoded: every API call naming a document parses its account ID, and
 * base58 decoding was ~12 µs of a ~220 µs ResourceMetadata request.
 */
const principals = new LRUCache<string, Uint8Array>({ max: ACCOUNT_ID_CACHE_SIZE });
let principalHits = 0;
let principalMisses = 0;

/** Parses an account ID; only Ed25519 and P-256 principals of the right length are accepted. */
export function principalFromAccountId(id: string): Principal {
  if (typeof id !== 'string' || !id.startsWith('z') || id.length < 2 || id.length > 100) {
    throw new InvalidInputError('not a base58btc account ID (expected "z6Mk…")', {
      field: 'account',
    });
  }
  const known = principals.get(id);
  // A copy: callers own what they get, and the cached bytes must not change under the cache.
  if (known) {
    principalHits++;
    return known.slice() as Principal;
  }
  principalMisses++;
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(id);
  } catch (cause) {
    throw new InvalidInputError('not valid base58btc', { field: 'account', cause });
  }
  if (!isEd25519(bytes) && !isP256(bytes)) {
    throw new InvalidInputError('not an Ed25519 or P-256 principal', { field: 'account' });
  }
  principals.set(id, bytes.slice());
  return bytes as Principal;
}

/** The raw 32-byte Ed25519 key inside a principal. */
export function ed25519PublicKey(p: Uint8Array): Uint8Array {
  if (isEd25519(p)) return p.subarray(2);
  throw new BlobError('BAD_PRINCIPAL', `not an Ed25519 principal (${p.length} bytes)`);
}

/** The signature scheme a principal names. */
export type SignerKind = 'ed25519' | 'p256';

/** BAD_PRINCIPAL (naming what it got) unless `p` is an Ed25519 or P-256 principal. */
export function signerKind(p: Uint8Array): SignerKind {
  if (isEd25519(p)) return 'ed25519';
  if (isP256(p)) return 'p256';
  const what = hasPrefix(p, ED25519_PREFIX)
    ? `an Ed25519 principal of ${p.length} bytes (expected 34)`
    : hasPrefix(p, P256_PREFIX)
      ? `a P-256 principal of ${p.length} bytes (expected 35)`
      : `a principal of an unknown key type (${p.length} bytes)`;
  throw new BlobError('BAD_PRINCIPAL', `signer is ${what}`);
}

/**
 * Whether `signature` (64 bytes) is `principal`'s signature of `message`: Ed25519, or ECDSA P-256
 * over SHA-256 with the signature as r‖s (WebCrypto's form, as Seed's web signers make it).
 * BAD_PRINCIPAL for any other principal.
 */
export function verifyPrincipalSignature(
  principal: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return signerKind(principal) === 'ed25519'
    ? verifyEd25519(principal.subarray(2), message, signature)
    : verifyP256(principal.subarray(2), message, signature);
}

/** ECDSA P-256 check of a 33-byte compressed point's signature (r‖s, 64 bytes) over SHA-256(message). */
export function verifyP256(point: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (point.length !== P256_POINT_BYTES || signature.length !== 64) return false;
  let key: KeyObject;
  try {
    key = keyObjectFor(point, SPKI_P256_COMPRESSED_HEADER);
  } catch {
    return false; // not a point on the curve: nothing it "signed" can verify
  }
  return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

/** True when `signature` is a valid Ed25519 signature of `message` by the raw 32-byte `publicKey`. */
export function verifyEd25519(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== ED25519_KEY_BYTES || signature.length !== 64) return false;
  let key: KeyObject;
  try {
    key = keyObjectFor(publicKey, SPKI_ED25519_HEADER);
  } catch {
    return false; // not a valid curve point: nothing it "signed" can verify
  }
  return verify(null, message, key, signature);
}

/** Hit/miss counters of the KeyObject cache, for a metrics collector to read. */
export function ed25519KeyCacheStats(): { hits: number; misses: number; size: number } {
  return { hits: cacheHits, misses: cacheMisses, size: keyCache.size };
}

/**
 * Exposes this thread's KeyObject cache and account-ID parse cache on `registry` (call once per
 * registry; verification in pool threads has a cache per thread, which those threads' own
 * registries would report). The node registers the main thread's.
 */
export function registerKeyCacheMetrics(registry: Registry): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'seedling_ed25519_key_cache_entries',
    'Signer KeyObjects cached (Ed25519 and P-256; the name predates P-256)',
    () => keyCache.size,
  );
  gauge('seedling_ed25519_key_cache_hits', 'Ed25519 key cache hits since start', () => cacheHits);
  gauge(
    'seedling_ed25519_key_cache_misses',
    'Ed25519 key cache misses since start',
    () => cacheMisses,
  );
  gauge(
    'seedling_account_id_cache_entries',
    'Account IDs kept decoded (principalFromAccountId)',
    () => principals.size,
  );
  gauge(
    'seedling_account_id_cache_hits',
    'Account-ID parses answered from the cache',
    () => principalHits,
  );
  gauge(
    'seedling_account_id_cache_misses',
    'Account-ID parses that decoded base58',
    () => principalMisses,
  );
}

const keyCache = new Map<string, KeyObject>();
let cacheHits = 0;
let cacheMisses = 0;

/** A KeyObject for a raw public key after its SPKI header (Ed25519 keys are 32 bytes, P-256 points 33: keys never collide). */
function keyObjectFor(publicKey: Uint8Array, spkiHeader: Buffer): KeyObject {
  const id = bytesKey(publicKey);
  const cached = keyCache.get(id);
  if (cached) {
    cacheHits++;
    keyCache.delete(id); // re-insert: Map order is the LRU order
    keyCache.set(id, cached);
    return cached;
  }
  cacheMisses++;
  let key = createPublicKey({
    key: Buffer.concat([spkiHeader, publicKey]),
    format: 'der',
    type: 'spki',
  });
  // A P-256 key parsed from its compressed point verifies ~12% slower in OpenSSL than the same key
  // stored uncompressed (measured: 10.8k against 12.2k verifies/s); convert once per signer.
  if (key.asymmetricKeyType === 'ec') {
    key = createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' });
  }
  if (keyCache.size >= ED25519_KEY_CACHE_SIZE) {
    const oldest = keyCache.keys().next().value;
    if (oldest !== undefined) keyCache.delete(oldest);
  }
  keyCache.set(id, key);
  return key;
}

function isEd25519(p: Uint8Array): boolean {
  return p.length === 2 + ED25519_KEY_BYTES && hasPrefix(p, ED25519_PREFIX);
}

/** P-256 principals carry a 33-byte compressed point (0x02 or 0x03, then x). */
function isP256(p: Uint8Array): boolean {
  return p.length === 2 + P256_POINT_BYTES && hasPrefix(p, P256_PREFIX);
}

function hasPrefix(p: Uint8Array, prefix: number[]): boolean {
  return p.length >= prefix.length && prefix.every((b, i) => p[i] === b);
}
