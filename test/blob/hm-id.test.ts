import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import {
  documentIri,
  formatHmId,
  type HmIdParts,
  parseHmId,
  pathFromString,
  pathToString,
} from '../../src/blob/hm-id.ts';
import { generateKeyPair } from '../../src/blob/keys.ts';
import { InvalidInputError } from '../../src/errors.ts';

const uid = 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8';
const v1 = cidForBytes(new Uint8Array([1]), CODEC.dagCbor).toString();
const v2 = cidForBytes(new Uint8Array([2]), CODEC.dagCbor, 'blake2b-256').toString();
const invalid = (err: unknown) => err instanceof InvalidInputError && err.field === 'id';

test('a full ID parses into every part', () => {
  const parsed = parseHmId(`hm://${uid}/blog/hello?v=${v1}.${v2}&l#abc_12-X[3:10]`);
  assert.deepEqual(parsed, {
    id: `hm://${uid}/blog/hello`,
    uid,
    path: ['blog', 'hello'],
    version: `${v1}.${v2}`,
    blockRef: 'abc_12-X',
    blockRange: { start: 3, end: 10 },
    latest: true,
    hostname: null,
    scheme: 'hm',
  });
});

test("documentIri writes an index row's document as ID text that parses back", () => {
  assert.equal(documentIri(uid, ''), `hm://${uid}`);
  assert.equal(documentIri(uid, '/notes/a b'), `hm://${uid}/notes/a%20b`);
  assert.deepEqual(parseHmId(documentIri(uid, '/notes/a b')).path, ['notes', 'a b']);
});

test('home documents, latest and expanded blocks', () => {
  const home = parseHmId(`hm://${uid}`);
  assert.equal(home.path, null);
  assert.equal(home.version, null);
  assert.equal(home.latest, true); // no version pinned means latest
  assert.equal(home.id, `hm://${uid}`);
  assert.equal(parseHmId(`hm://${uid}/`).path, null);
  const pinned = parseHmId(`hm://${uid}/a?v=${v1}`);
  assert.equal(pinned.latest, false);
  const expanded = parseHmId(`hm://${uid}/a#blk1+`);
  assert.deepEqual(expanded.blockRange, { expanded: true });
  assert.equal(expanded.blockRef, 'blk1');
  // unknown query parameters from Seed's apps are ignored
  assert.equal(parseHmId(`hm://${uid}/a?foo=1&v=${v1}`).version, v1);
});

test('canonical IDs round-trip text → parts → text', () => {
  for (const text of [
    `hm://${uid}`,
    `hm://${uid}/blog`,
    `hm://${uid}/blog/hello%20world`,
    `hm://${uid}/blog?v=${v1}`,
    `hm://${uid}/blog?v=${v1}.${v2}&l`,
    `hm://${uid}/blog#b1`,
    `hm://${uid}/blog#b1+`,
    `hm://${uid}/blog?v=${v1}#b1[0:5]`,
  ]) {
    assert.equal(formatHmId(parseHmId(text)), text);
  }
  assert.deepEqual(parseHmId(`hm://${uid}/blog/hello%20world`).path, ['blog', 'hello world']);
});

test('property: parts → text → parts', () => {
  const segment = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/'));
  const blockId = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/);
  const range = fc.oneof(
    fc.constant(null),
    fc.constant({ expanded: true as const }),
    fc
      .tuple(fc.nat(1000), fc.nat(1000))
      .map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
  );
  const parts = fc.record({
    path: fc.option(fc.array(segment, { minLength: 1, maxLength: 4 }), { nil: null }),
    version: fc.constantFrom(null, v1, `${v1}.${v2}`),
    latest: fc.boolean(),
    block: fc.option(fc.tuple(blockId, range), { nil: null }),
  });
  const account = generateKeyPair().accountId;
  fc.assert(
    fc.property(parts, (p) => {
      const input: HmIdParts = {
        uid: account,
        path: p.path,
        version: p.version,
        latest: p.latest,
        blockRef: p.block?.[0] ?? null,
        blockRange: p.block?.[1] ?? null,
      };
      const parsed = parseHmId(formatHmId(input));
      assert.equal(parsed.uid, account);
      assert.deepEqual(parsed.path, p.path);
      assert.equal(parsed.version, p.version);
      assert.equal(parsed.latest, p.latest || p.version === null);
      assert.equal(parsed.blockRef, input.blockRef);
      assert.deepEqual(parsed.blockRange, input.blockRange);
    }),
    { numRuns: 300 },
  );
});

test('bad IDs are InvalidInputError on field id', () => {
  for (const bad of [
    '',
    'http://example.com',
    'hm://',
    'hm://notanaccount/a',
    `hm://${uid}/a?v=notacid`,
    `hm://${uid}/a?v=${v1}.`,
    `hm://${uid}/a#`.concat('bad block'),
    `hm://${uid}/a#b1[5:2]`,
    `hm://${uid}/a#b1[x:2]`,
    `hm://${uid}/a//b`,
    `hm://${uid}/a%zz`,
  ]) {
    assert.throws(() => parseHmId(bad), invalid, bad);
  }
  assert.throws(() => formatHmId({ uid, blockRange: { start: 0, end: 1 } }), /blockRange/);
  assert.throws(() => formatHmId({ uid: 'nope' }), /uid/);
});

test('path helpers', () => {
  assert.deepEqual(pathFromString('/blog/hello'), ['blog', 'hello']);
  assert.equal(pathFromString(''), null);
  assert.equal(pathFromString('/'), null);
  assert.equal(pathToString(['blog', 'hello']), '/blog/hello');
  assert.equal(pathToString(null), '');
});
