import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  CODEC,
  checkBytesMatchCid,
  cidForBytes,
  HASH_CODE,
  hashBytes,
  hashNameOf,
  parseCid,
} from '../../src/blob/cid.ts';
import { encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { MAX_BLOB_BYTES } from '../../src/constants.ts';
import { BlobError, InvalidInputError } from '../../src/errors.ts';

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const blobCode = (code: string) => (err: unknown) => err instanceof BlobError && err.code === code;

test('sha2-256 CIDs match multiformats for every codec', async () => {
  const bytes = encodeDagCbor({ type: 'Profile', name: 'Alice' });
  for (const codec of Object.values(CODEC)) {
    const expected = CID.createV1(codec, await sha256.digest(bytes));
    const cid = cidForBytes(bytes, codec);
    assert.equal(cid.toString(), expected.toString());
    assert.equal(cid.version, 1);
    assert.equal(cid.multihash.code, 0x12);
  }
  assert.match(cidForBytes(bytes, CODEC.dagCbor).toString(), /^bafyrei/);
});

test('blake2b-256 is BLAKE2b with a 32-byte output, not truncated blake2b-512', () => {
  // RFC 7693-style vectors for BLAKE2b-256 (digest length parameter 32)
  assert.equal(
    hexOf(hashBytes(new Uint8Array(0), 'blake2b-256')),
    '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8',
  );
  assert.equal(
    hexOf(hashBytes(new TextEncoder().encode('abc'), 'blake2b-256')),
    'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
  );
  const cid = cidForBytes(new TextEncoder().encode('abc'), CODEC.raw, 'blake2b-256');
  assert.equal(cid.multihash.code, 0xb220);
  assert.equal(
    hexOf(cid.multihash.digest),
    'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
  );
  // Seed's Go node CIDs start with "bafy2bza" (dag-cbor + blake2b-256)
  assert.match(
    cidForBytes(encodeDagCbor({ a: 1 }), CODEC.dagCbor, 'blake2b-256').toString(),
    /^bafy2bza/,
  );
});

test('checkBytesMatchCid accepts both hashes for matching bytes', () => {
  const bytes = encodeDagCbor({ type: 'Change', ts: 0 });
  checkBytesMatchCid(cidForBytes(bytes, CODEC.dagCbor), bytes);
  checkBytesMatchCid(cidForBytes(bytes, CODEC.dagCbor, 'blake2b-256'), bytes);
  checkBytesMatchCid(cidForBytes(bytes, CODEC.raw, 'blake2b-256'), bytes);
});

test('tampered bytes are CID_MISMATCH, naming the hash and both digests', () => {
  const bytes = encodeDagCbor({ text: 'hello' });
  for (const hash of ['sha2-256', 'blake2b-256'] as const) {
    const cid = cidForBytes(bytes, CODEC.dagCbor, hash);
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(
      () => checkBytesMatchCid(cid, tampered),
      (err: unknown) => {
        assert.ok(blobCode('CID_MISMATCH')(err));
        assert.match((err as Error).message, new RegExp(hash));
        assert.match((err as Error).message, new RegExp(hexOf(cid.multihash.digest)));
        return true;
      },
    );
  }
});

test('oversized blobs are BLOB_TOO_LARGE, checked before hashing', () => {
  const big = new Uint8Array(MAX_BLOB_BYTES + 1);
  assert.throws(() => cidForBytes(big, CODEC.raw), blobCode('BLOB_TOO_LARGE'));
  // A CID that matches the bytes still fails on size: size comes first.
  const cid = CID.createV1(CODEC.raw, Digest.create(0x12, hashBytes(big)));
  assert.throws(() => checkBytesMatchCid(cid, big), blobCode('BLOB_TOO_LARGE'));
  // Exactly at the limit is fine.
  const atLimit = new Uint8Array(MAX_BLOB_BYTES);
  checkBytesMatchCid(cidForBytes(atLimit, CODEC.raw), atLimit);
  // A value that only has a (huge) length: touching its contents (hashing) would throw a TypeError.
  const touched: PropertyKey[] = [];
  const fake = new Proxy(new Uint8Array(4), {
    get(target, key) {
      if (key === 'length') return MAX_BLOB_BYTES * 8;
      touched.push(key);
      return Reflect.get(target, key);
    },
  });
  assert.throws(() => checkBytesMatchCid(cid, fake), blobCode('BLOB_TOO_LARGE'));
  assert.throws(() => cidForBytes(fake, CODEC.raw), blobCode('BLOB_TOO_LARGE'));
  assert.deepEqual(touched, []);
});

test('unknown codecs and hashes are rejected with their own codes', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  assert.throws(() => cidForBytes(bytes, 0x0129), blobCode('UNSUPPORTED_CODEC'));
  const jsonCid = CID.createV1(0x0200, Digest.create(0x12, hashBytes(bytes)));
  assert.throws(() => checkBytesMatchCid(jsonCid, bytes), blobCode('UNSUPPORTED_CODEC'));
  const sha512Cid = CID.createV1(CODEC.raw, Digest.create(0x13, new Uint8Array(64)));
  assert.throws(() => checkBytesMatchCid(sha512Cid, bytes), blobCode('UNSUPPORTED_HASH'));
  const shortDigest = CID.createV1(CODEC.raw, Digest.create(0x12, new Uint8Array(20)));
  assert.throws(() => checkBytesMatchCid(shortDigest, bytes), blobCode('UNSUPPORTED_HASH'));
  assert.equal(hashNameOf(HASH_CODE['blake2b-256']), 'blake2b-256');
});

test('parseCid round-trips and rejects junk with InvalidInputError', () => {
  const cid = cidForBytes(new Uint8Array([1]), CODEC.dagCbor, 'blake2b-256');
  assert.ok(parseCid(cid.toString()).equals(cid));
  for (const bad of ['', 'hello', 'bafy', 'x'.repeat(500)]) {
    assert.throws(
      () => parseCid(bad, 'version'),
      (err: unknown) => err instanceof InvalidInputError && err.field === 'version',
    );
  }
});
