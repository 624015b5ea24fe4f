import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { generateKeyPair, keyPairFromSeed } from '../../src/blob/keys.ts';
import {
  generateMnemonic,
  keyPairFromMnemonic,
  normalizeMnemonic,
} from '../../src/blob/mnemonic.ts';
import {
  accountIdFromPrincipal,
  ED25519_PREFIX,
  ed25519KeyCacheStats,
  ed25519PublicKey,
  P256_PREFIX,
  principalFromAccountId,
  principalFromEd25519,
  registerKeyCacheMetrics,
  verifyEd25519,
} from '../../src/blob/principal.ts';
import { BlobError, InvalidInputError } from '../../src/errors.ts';

type Vector = { mnemonic: string; passphrase: string; accountId: string };
/** The vector from BLOBS.md, inline so the test runs outside this workspace too. */
const BLOBS_MD_VECTOR: Vector = {
  mnemonic: 'parrot midnight lion defense ski senior trouble slice chase spot history awkward',
  passphrase: '',
  accountId: 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8',
};
/** The shared vector file, when this runs in the workspace that has it. */
const SHARED_VECTORS = new URL('../fixtures/vectors/keys.json', import.meta.url);
const vectors: Vector[] = [
  BLOBS_MD_VECTOR,
  ...(existsSync(SHARED_VECTORS) ? JSON.parse(readFileSync(SHARED_VECTORS, 'utf8')).vectors : []),
];
const invalid = (field: string) => (err: unknown) =>
  err instanceof InvalidInputError && err.field === field;
const blobCode = (code: string) => (err: unknown) => err instanceof BlobError && err.code === code;

test('mnemonic vectors give Seed account IDs', () => {
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    assert.equal(keyPairFromMnemonic(v.mnemonic, v.passphrase).accountId, v.accountId);
  }
});

test('mnemonics are normalized (case, spacing) but a passphrase changes the key', () => {
  const v = vectors[0]!;
  const messy = `  ${v.mnemonic.toUpperCase().split(' ').join(' \t ')}\n`;
  assert.equal(keyPairFromMnemonic(messy).accountId, v.accountId);
  assert.notEqual(keyPairFromMnemonic(v.mnemonic, 'secret').accountId, v.accountId);
});

test('bad mnemonics name the problem', () => {
  const words = vectors[0]!.mnemonic.split(' ');
  assert.throws(() => keyPairFromMnemonic('parrot midnight'), invalid('mnemonic'));
  assert.throws(() => normalizeMnemonic([...words.slice(0, 11), 'notaword'].join(' ')), /notaword/);
  // a valid word in the wrong place breaks the checksum
  assert.throws(
    () => keyPairFromMnemonic([words[1], words[0], ...words.slice(2)].join(' ')),
    /checksum/,
  );
});

test('generated mnemonics are valid, 12 or 24 words, and different each time', () => {
  const a = generateMnemonic();
  const b = generateMnemonic(24);
  assert.equal(a.split(' ').length, 12);
  assert.equal(b.split(' ').length, 24);
  assert.equal(normalizeMnemonic(a), a);
  assert.notEqual(a, generateMnemonic());
  assert.match(keyPairFromMnemonic(b).accountId, /^z6Mk/);
});

test('key pairs sign, verify and survive a seed round trip', () => {
  const key = generateKeyPair();
  assert.equal(key.principal.length, 34);
  assert.deepEqual([...key.principal.subarray(0, 2)], ED25519_PREFIX);
  assert.match(key.accountId, /^z6Mk/);
  const msg = new TextEncoder().encode('hello');
  const sig = key.sign(msg);
  assert.equal(sig.length, 64);
  assert.ok(verifyEd25519(key.publicKey, msg, sig));
  assert.ok(!verifyEd25519(key.publicKey, new TextEncoder().encode('hellO'), sig));
  const again = keyPairFromSeed(key.seed());
  assert.equal(again.accountId, key.accountId);
  // RFC 8032 Ed25519 is deterministic: same seed, same signature
  assert.deepEqual(again.sign(msg), sig);
  // seed() hands out a copy
  key.seed().fill(0);
  assert.equal(keyPairFromSeed(key.seed()).accountId, key.accountId);
  assert.throws(() => keyPairFromSeed(new Uint8Array(31)), invalid('seed'));
});

test('RFC 8032 test 1: seed → public key and signature', () => {
  const seed = Buffer.from(
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'hex',
  );
  const key = keyPairFromSeed(seed);
  assert.equal(
    Buffer.from(key.publicKey).toString('hex'),
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  );
  assert.equal(
    Buffer.from(key.sign(new Uint8Array(0))).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
});

test('verifyEd25519 rejects wrong keys, bad lengths and other signers', () => {
  const a = generateKeyPair();
  const b = generateKeyPair();
  const msg = new Uint8Array([1, 2, 3]);
  const sig = a.sign(msg);
  assert.ok(!verifyEd25519(b.publicKey, msg, sig));
  assert.ok(!verifyEd25519(a.publicKey, msg, sig.subarray(0, 63)));
  assert.ok(!verifyEd25519(a.publicKey.subarray(0, 31), msg, sig));
  const flipped = Uint8Array.from(sig);
  flipped[10] ^= 0x40;
  assert.ok(!verifyEd25519(a.publicKey, msg, flipped));
});

test('the KeyObject cache is used for repeat signers', () => {
  const key = generateKeyPair();
  const msg = new Uint8Array([7]);
  const sig = key.sign(msg);
  verifyEd25519(key.publicKey, msg, sig);
  const before = ed25519KeyCacheStats();
  for (let i = 0; i < 10; i++) assert.ok(verifyEd25519(key.publicKey, msg, sig));
  const after = ed25519KeyCacheStats();
  assert.equal(after.hits - before.hits, 10);
  assert.equal(after.misses, before.misses);
});

test("a parsed account ID is the caller's own copy: changing it does not change the next parse", () => {
  const key = generateKeyPair();
  const id = accountIdFromPrincipal(key.principal);
  const first = principalFromAccountId(id);
  first.fill(0);
  assert.deepEqual(principalFromAccountId(id), key.principal);
  assert.deepEqual(principalFromAccountId(id), key.principal, 'a cached parse, still intact');
});

test('account IDs round-trip; junk is InvalidInputError on field account', () => {
  const key = generateKeyPair();
  const id = accountIdFromPrincipal(key.principal);
  assert.deepEqual(principalFromAccountId(id), key.principal);
  assert.deepEqual(principalFromEd25519(ed25519PublicKey(key.principal)), key.principal);
  for (const bad of ['', 'z', 'z0OIl', 'abc', `z${'1'.repeat(200)}`, 'z6Mk']) {
    assert.throws(() => principalFromAccountId(bad), invalid('account'));
  }
  // right prefix, wrong length
  const short = accountIdFromPrincipal(key.principal.subarray(0, 20));
  assert.throws(() => principalFromAccountId(short), invalid('account'));
});

test('a P-256 principal is a valid account but not an Ed25519 key; junk is BAD_PRINCIPAL', () => {
  const p256 = new Uint8Array([...P256_PREFIX, 0x02, ...new Uint8Array(32).fill(7)]);
  assert.throws(() => ed25519PublicKey(p256), blobCode('BAD_PRINCIPAL'));
  // P-256 account IDs parse (they are valid accounts; their signatures verify, see p256.test.ts)
  assert.deepEqual(principalFromAccountId(accountIdFromPrincipal(p256)), p256);
  assert.throws(() => ed25519PublicKey(new Uint8Array([0x12, 0x20, 1])), blobCode('BAD_PRINCIPAL'));
  assert.throws(() => principalFromEd25519(new Uint8Array(33)), blobCode('BAD_PRINCIPAL'));
});

test('key cache metrics are exposed on a given registry', async () => {
  const registry = new Registry();
  registerKeyCacheMetrics(registry);
  const key = generateKeyPair();
  const msg = new Uint8Array([1]);
  verifyEd25519(key.publicKey, msg, key.sign(msg));
  const text = await registry.metrics();
  assert.match(text, /seedling_ed25519_key_cache_entries [1-9]/);
  assert.match(text, /seedling_ed25519_key_cache_misses [1-9]/);
});
