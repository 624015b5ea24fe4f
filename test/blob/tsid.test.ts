import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { createTsid, decodeTsid, encodeTsid } from '../../src/blob/tsid.ts';
import { InvalidInputError } from '../../src/errors.ts';

const invalid = (field: string) => (err: unknown) =>
  err instanceof InvalidInputError && err.field === field;

test('createTsid packs a 48-bit timestamp and the first 4 bytes of sha256', () => {
  const first = new TextEncoder().encode('first version');
  const ts = 1_732_000_000_123;
  const id = createTsid(ts, first);
  assert.match(id, /^z[1-9A-HJ-NP-Za-km-z]{13,14}$/);
  const bytes = base58btc.decode(id);
  assert.equal(bytes.length, 10);
  assert.equal(Buffer.from(bytes).readUIntBE(0, 6), ts);
  const hash = createHash('sha256').update(first).digest();
  assert.deepEqual([...bytes.subarray(6)], [...hash.subarray(0, 4)]);
  const decoded = decodeTsid(id);
  assert.equal(decoded.ts, ts);
  assert.deepEqual([...decoded.hashPrefix], [...hash.subarray(0, 4)]);
});

test('property: encode/decode round-trips and byte order follows time', () => {
  const tsid = fc.record({
    ts: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    hashPrefix: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  });
  fc.assert(
    fc.property(tsid, tsid, (a, b) => {
      const ta = encodeTsid(a);
      const back = decodeTsid(ta);
      assert.equal(back.ts, a.ts);
      assert.deepEqual([...back.hashPrefix], [...a.hashPrefix]);
      if (a.ts < b.ts) {
        const cmp = Buffer.compare(base58btc.decode(ta), base58btc.decode(encodeTsid(b)));
        assert.equal(cmp, -1);
      }
    }),
    { numRuns: 500 },
  );
});

test('bad timestamps and prefixes are rejected', () => {
  const prefix = new Uint8Array(4);
  assert.throws(() => encodeTsid({ ts: -1, hashPrefix: prefix }), invalid('ts'));
  assert.throws(() => encodeTsid({ ts: 2 ** 48, hashPrefix: prefix }), invalid('ts'));
  assert.throws(() => encodeTsid({ ts: 1.5, hashPrefix: prefix }), invalid('ts'));
  assert.throws(() => encodeTsid({ ts: 1, hashPrefix: new Uint8Array(5) }), invalid('hashPrefix'));
});

test('bad TSID text is InvalidInputError naming the field', () => {
  const nine = base58btc.encode(new Uint8Array(9).fill(1));
  const eleven = base58btc.encode(new Uint8Array(11).fill(1));
  for (const bad of ['', 'abc', 'z0OIl', nine, eleven, `z${'2'.repeat(30)}`]) {
    assert.throws(() => decodeTsid(bad, 'body.id'), invalid('body.id'));
  }
});
