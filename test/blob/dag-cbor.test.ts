import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import { decodeDagCbor, encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { BlobError } from '../../src/errors.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

function assertMalformed(bytes: Uint8Array, pattern?: RegExp) {
  assert.throws(
    () => decodeDagCbor(bytes),
    (err: unknown) => {
      assert.ok(err instanceof BlobError, `expected BlobError, got ${String(err)}`);
      assert.equal(err.code, 'BLOB_MALFORMED');
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
}

test('encode sorts map keys length-first and decode gives the value back', () => {
  const bytes = encodeDagCbor({ bb: 1, a: 'x', c: [true, null] });
  // {a: "x", c: [true, null], bb: 1}: keys by length, then bytewise
  assert.equal(Buffer.from(bytes).toString('hex'), 'a36161617861638' + '2f5f6626262' + '01');
  assert.deepEqual(decodeDagCbor(bytes), { a: 'x', c: [true, null], bb: 1 });
});

test('CIDs and bytes survive a round trip', () => {
  const cid = cidForBytes(new Uint8Array([1, 2, 3]), CODEC.raw);
  const value = decodeDagCbor(encodeDagCbor({ link: cid, data: new Uint8Array([9, 9]) })) as {
    link: CID;
    data: Uint8Array;
  };
  assert.ok(CID.asCID(value.link));
  assert.equal(value.link.toString(), cid.toString());
  assert.deepEqual([...value.data], [9, 9]);
});

test('unsorted map keys are rejected', () => {
  assert.deepEqual(decodeDagCbor(hex('a2616101616202')), { a: 1, b: 2 });
  assertMalformed(hex('a2616201616102'), /not canonical/); // {b:1, a:2}
  assertMalformed(hex('a262616101616202'), /not canonical/); // {"aa":1, "b":2}: longer key first
});

test('key order is checked in every nested map, around CIDs and tags', () => {
  const cid = cidForBytes(new Uint8Array([1]), CODEC.raw);
  const good = encodeDagCbor({ a: [{ x: cid, yy: { b: 1, c: 2 } }, cid], bb: { a: cid, b: 2 } });
  assert.deepEqual(encodeDagCbor(decodeDagCbor(good)), good);
  // swap the keys "b" and "c" inside the innermost map: 0x61 0x62 ... 0x61 0x63 → c before b
  const at = Buffer.from(good).indexOf(Buffer.from('a2616201616302', 'hex'));
  assert.ok(at > 0);
  const swapped = Uint8Array.from(good);
  swapped.set(Buffer.from('a2616301616202', 'hex'), at);
  assertMalformed(swapped, /canonical order/);
});

test("integral 64-bit floats (as Seed's Go node writes JSON numbers) are accepted", () => {
  assert.equal(decodeDagCbor(hex('fb3ff0000000000000')), 1);
  assert.deepEqual(decodeDagCbor(hex('a1657769647468fb407f400000000000')), { width: 500 });
});

test('strings must be valid UTF-8', () => {
  assert.equal(decodeDagCbor(hex('62c3a9')), 'é');
  assertMalformed(hex('62fffe'), /UTF-8/);
  assertMalformed(hex('a162fffe01'), /UTF-8/); // as a map key
});

test('indefinite lengths are rejected', () => {
  assertMalformed(hex('9f01ff'), /indefinite/); // [_ 1]
  assertMalformed(hex('bf616101ff'), /indefinite/); // {_ "a": 1}
  assertMalformed(hex('7f616161ff'), /indefinite/); // (_ "a")
});

test('trailing bytes are rejected', () => {
  assert.equal(decodeDagCbor(hex('01')), 1);
  assertMalformed(hex('0100'));
  assertMalformed(new Uint8Array([...encodeDagCbor({ a: 1 }), 0]));
});

test('non-minimal integers, short floats, undefined and duplicate keys are rejected', () => {
  assertMalformed(hex('1801')); // 1 in two bytes
  assertMalformed(hex('f93e00')); // 1.5 as a 16-bit float
  assertMalformed(hex('fa3fc00000')); // 1.5 as a 32-bit float
  assert.equal(decodeDagCbor(hex('fb3ff8000000000000')), 1.5);
  assertMalformed(hex('f7')); // undefined
  assertMalformed(hex('a2616101616102')); // {"a":1, "a":2}
  assertMalformed(hex('fb7ff8000000000000')); // NaN
});

test('empty input, non-string keys and unknown tags are rejected', () => {
  assertMalformed(new Uint8Array(0));
  assertMalformed(hex('a10101')); // {1: 1}
  assertMalformed(hex('c11a514b67b0')); // tag 1 (epoch time)
});

test('encoding a value DAG-CBOR cannot hold is BLOB_MALFORMED', () => {
  assert.throws(
    () => encodeDagCbor({ a: undefined }),
    (err: unknown) => err instanceof BlobError && err.code === 'BLOB_MALFORMED',
  );
});

test('property: random bytes only ever throw BlobError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeDagCbor(bytes);
      } catch (err) {
        return err instanceof BlobError && err.code === 'BLOB_MALFORMED';
      }
      return true;
    }),
    { numRuns: 5000 },
  );
});

test('property: streams of CBOR-ish bytes decode canonically or throw BlobError', () => {
  // Headers and payload bytes that build nested maps, arrays, tags, strings and floats.
  const alphabet = [
    0x00, 0x01, 0x17, 0x18, 0x20, 0x40, 0x41, 0x58, 0x60, 0x61, 0x62, 0x63, 0x78, 0x80, 0x81, 0x82,
    0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xbf, 0xd8, 0x2a, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff,
    0x3f, 0xf0, 0xc3, 0xa9,
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (list) => {
      const bytes = Uint8Array.from(list);
      let decoded: unknown;
      try {
        decoded = decodeDagCbor(bytes);
      } catch (err) {
        return err instanceof BlobError && err.code === 'BLOB_MALFORMED';
      }
      const again = Buffer.from(encodeDagCbor(decoded));
      return again.equals(Buffer.from(bytes)) || bytes.includes(0xfb);
    }),
    { numRuns: 20000 },
  );
});

test('property: mutated encodings decode to canonical bytes or throw BlobError', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.nat(255), (value, at, byte) => {
      const bytes = encodeDagCbor(value);
      // JSON round trip: -0 is written as the integer 0
      assert.deepEqual(decodeDagCbor(bytes), JSON.parse(JSON.stringify(value)));
      const mutated = Uint8Array.from(bytes);
      mutated[at % mutated.length] = byte;
      let decoded: unknown;
      try {
        decoded = decodeDagCbor(mutated);
      } catch (err) {
        return err instanceof BlobError;
      }
      // Accepted bytes are canonical: JS re-encodes them identically, except that an integral
      // 64-bit float comes back as an integer.
      const again = Buffer.from(encodeDagCbor(decoded));
      return again.equals(Buffer.from(mutated)) || mutated.includes(0xfb);
    }),
    { numRuns: 2000 },
  );
});
