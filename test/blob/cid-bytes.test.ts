import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { bytesKey } from '../../src/blob/bytes-key.ts';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import { cidBytesProblem, cidMultihash, cidText } from '../../src/blob/cid-bytes.ts';

const blob = new TextEncoder().encode('a blob');
const sha = cidForBytes(blob, CODEC.dagCbor, 'sha2-256');
const blake = cidForBytes(blob, CODEC.raw, 'blake2b-256');

/** What multiformats makes of `bytes`: its CID, when it decodes to exactly these bytes. */
function canonical(bytes: Uint8Array): CID | null {
  try {
    const cid = CID.decode(bytes);
    return bytesKey(cid.bytes) === bytesKey(bytes) ? cid : null;
  } catch {
    return null;
  }
}

describe('CID bytes', () => {
  it("accepts the CIDs of Seed's blobs (sha2-256 and blake2b-256) and CIDv0", () => {
    const v0 = CID.createV0(Digest.create(0x12, sha.multihash.digest));
    for (const cid of [sha, blake, v0]) {
      assert.equal(cidBytesProblem(cid.bytes), null, cid.toString());
      assert.deepEqual(cidMultihash(cid.bytes), cid.multihash.bytes);
      assert.equal(cidText(cid.bytes), cid.toString());
    }
  });

  it('names what is wrong with bytes that are not one CID', () => {
    const b = sha.bytes;
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /empty/],
      [b.subarray(0, b.length - 1), /digest length says 32 bytes, 31 follow/],
      [Uint8Array.of(...b, 0), /32 bytes, 33 follow/],
      [Uint8Array.of(2, ...b.subarray(1)), /unsupported CID version 2/],
      [b.subarray(0, 3), /truncated/],
      [Uint8Array.of(1, 0xf1, 0x00, ...b.subarray(2)), /not minimally encoded/],
      [Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0x01), /varint over 4 bytes/],
      [Uint8Array.of(0x12, 0x20, ...new Uint8Array(31)), /CIDv0/],
    ];
    for (const [bytes, problem] of cases) assert.match(String(cidBytesProblem(bytes)), problem);
    assert.match(cidText(Uint8Array.of(2, 3)), /not a CID: 0203/);
  });

  it('accepts the bytes multiformats decodes back to themselves, and nothing else (any codec, hash, digest)', () => {
    const made = fc
      .record({
        codec: fc.integer({ min: 0, max: 2 ** 28 - 1 }),
        code: fc.integer({ min: 0, max: 2 ** 28 - 1 }),
        digest: fc.uint8Array({ maxLength: 64 }),
      })
      .map(({ codec, code, digest }) => CID.createV1(codec, Digest.create(code, digest)).bytes);
    // Made CIDs, then the same with a byte changed, cut or added: both sides must agree.
    const mutated = fc
      .tuple(made, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'add'))
      .map(([bytes, at, value, how]) => {
        const i = at % bytes.length;
        if (how === 'cut') return bytes.subarray(0, i);
        if (how === 'add') return Uint8Array.of(...bytes, value);
        const copy = bytes.slice();
        copy[i] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(made, mutated, fc.uint8Array({ maxLength: 48 })), (bytes) => {
        const cid = canonical(bytes);
        const problem = cidBytesProblem(bytes);
        const hex = `${Buffer.from(bytes).toString('hex')}: ${problem}`;
        // Outside the accepted subset: CIDv0 with another digest length, codes of 2^28 and up.
        const inSubset = cid !== null && (cid.version === 1 || cid.multihash.size === 32);
        const smallCodes = cid === null || (cid.code < 2 ** 28 && cid.multihash.code < 2 ** 28);
        if (problem === null) assert.ok(cid, hex);
        else assert.ok(!inSubset || !smallCodes, hex);
        if (cid && problem === null) assert.deepEqual(cidMultihash(bytes), cid.multihash.bytes);
      }),
      { numRuns: 5_000 },
    );
  });
});
