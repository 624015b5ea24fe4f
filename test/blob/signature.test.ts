import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFromWireMap } from '../../src/blob/create-blob.ts';
import { decodeDagCbor, encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { decodeStructuralBlob } from '../../src/blob/decode-blob.ts';
import {
  locateSignature,
  signBlobMap,
  signedBytes,
  verifyBlobSignature,
} from '../../src/blob/signature.ts';
import { BlobError } from '../../src/errors.ts';
import {
  BASE_TS,
  makeCapability,
  makeComment,
  makeContact,
  makeDocument,
  makeProfile,
  testKey,
} from '../fixtures/blob-factory.ts';

const alice = testKey('alice');
const bob = testKey('bob');

/** The slow reference: decode, set sig to 64 zeros, re-encode. */
function reencodedSignedBytes(bytes: Uint8Array): Uint8Array {
  const value = decodeDagCbor(bytes) as Record<string, unknown>;
  return encodeDagCbor({ ...value, sig: new Uint8Array(64) });
}

/** Blobs that put `sig`-like bytes in other places, to trip a naive byte search. */
function trickyBlobs() {
  const fakeSig = new Uint8Array([0x63, 0x73, 0x69, 0x67, 0x58, 0x40, ...new Array(64).fill(7)]);
  return [
    // Keys sorting before "sig" (length-first: 2-letter keys, then "abc" < "sig") with sig-like values.
    createFromWireMap(
      { type: 'Profile', ts: BASE_TS, ab: fakeSig, abc: 'sig', sif: { sig: fakeSig } },
      alice,
    ),
    // A nested map whose own key is "sig", in a Change body.
    createFromWireMap(
      {
        type: 'Change',
        ts: BASE_TS,
        body: { ops: [{ type: 'Mystery', sig: fakeSig, nested: [[{ sig: 1 }]] }], opCount: 1 },
      },
      alice,
    ),
    // A block whose text contains the byte pattern.
    createFromWireMap(
      {
        type: 'Change',
        ts: BASE_TS,
        body: {
          ops: [
            { type: 'ReplaceBlock', block: { id: 'x', type: 'Paragraph', text: 'csig\u0058@' } },
          ],
        },
      },
      alice,
    ),
    // Unknown type with large integers, floats, negative numbers, bools, nulls before "sig".
    createFromWireMap(
      {
        type: 'Thing',
        ts: BASE_TS,
        a: 2 ** 40,
        b: -5,
        c: 1.5,
        d: null,
        e: true,
        fg: [0.25, 'sig'],
      },
      alice,
    ),
  ];
}

function everyBlobType() {
  const doc = makeDocument(alice, { changes: 2, path: '/p' });
  const cli = makeDocument(bob, { genesis: 'cli', changes: 1 });
  return [
    doc.genesis,
    ...doc.changes,
    doc.ref,
    cli.genesis,
    cli.ref,
    makeComment(
      bob,
      { space: alice.principal, version: [doc.ref.cid] },
      { threadRoot: doc.ref.cid },
    ),
    makeProfile(alice, { avatar: 'ipfs://bafy', extra: { zNew: [1, 2, 3] } }),
    makeContact(alice, bob.principal, { id: 'zabc', subscribe: { site: true, profile: true } }),
    makeCapability(alice, bob.principal, { label: 'Bob', audience: bob.principal }),
    ...trickyBlobs(),
  ];
}

describe('signature patching', () => {
  it('equals the decode/zero/re-encode method for every blob type, unknown fields included', () => {
    const blobs = everyBlobType();
    assert.ok(blobs.length >= 14);
    for (const { data } of blobs) {
      assert.deepEqual(signedBytes(data), reencodedSignedBytes(data));
      const blob = decodeStructuralBlob(data);
      const offset = locateSignature(data);
      assert.deepEqual(data.subarray(offset, offset + 64), blob.sig);
      verifyBlobSignature(data, blob.signer, blob.sig);
    }
  });

  it('is not fooled by sig-like bytes that come before the real field', () => {
    const [first] = trickyBlobs();
    const data = first!.data;
    const naive = Buffer.from(data).indexOf(Buffer.from([0x63, 0x73, 0x69, 0x67, 0x58, 0x40]));
    assert.ok(naive >= 0 && naive + 6 < locateSignature(data), 'fixture must trip a naive search');
    const blob = decodeStructuralBlob(data);
    verifyBlobSignature(data, blob.signer, blob.sig);
  });

  it('never changes the caller bytes', () => {
    const { data } = makeProfile(alice);
    const before = new Uint8Array(data);
    signedBytes(data);
    const blob = decodeStructuralBlob(data);
    verifyBlobSignature(data, blob.signer, blob.sig);
    assert.deepEqual(data, before);
  });

  it('signBlobMap produces bytes whose patched form is the zero-sig encoding', () => {
    const map = { type: 'Profile', ts: 5, name: 'x', signer: alice.principal };
    const bytes = signBlobMap(map, alice);
    assert.deepEqual(signedBytes(bytes), encodeDagCbor({ ...map, sig: new Uint8Array(64) }));
    assert.throws(() => signBlobMap({ ...map, signer: bob.principal }, alice), {
      code: 'INVALID_INPUT',
    });
    assert.throws(() => signBlobMap({ ...map, sig: new Uint8Array(64) }, alice), {
      code: 'INVALID_INPUT',
    });
  });
});

describe('tampering', () => {
  const { data } = makeProfile(alice, { name: 'Alice' });
  const blob = decodeStructuralBlob(data);

  function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
    const copy = new Uint8Array(bytes);
    copy[index]! ^= 1 << bit;
    return copy;
  }

  it('one flipped bit in the signature is BAD_SIGNATURE', () => {
    const offset = locateSignature(data);
    for (const [i, bit] of [
      [0, 0],
      [31, 7],
      [63, 3],
    ] as const) {
      const bad = flip(data, offset + i, bit);
      const b = decodeStructuralBlob(bad);
      assert.throws(() => verifyBlobSignature(bad, b.signer, b.sig), { code: 'BAD_SIGNATURE' });
    }
  });

  it('one flipped bit in the payload is BAD_SIGNATURE', () => {
    const at = Buffer.from(data).indexOf('Alice');
    assert.ok(at > 0);
    const bad = flip(data, at + 1, 1); // 'l' -> 'n': still canonical, still a string
    const b = decodeStructuralBlob(bad);
    assert.equal((b as { name: string }).name, 'Anice');
    assert.throws(() => verifyBlobSignature(bad, b.signer, b.sig), { code: 'BAD_SIGNATURE' });
  });

  it('another signer is BAD_SIGNATURE; a sig that is not the one in the bytes too', () => {
    assert.throws(() => verifyBlobSignature(data, bob.principal, blob.sig), {
      code: 'BAD_SIGNATURE',
    });
    assert.throws(() => verifyBlobSignature(data, blob.signer, new Uint8Array(64)), {
      code: 'BAD_SIGNATURE',
    });
  });

  it('an Ed25519 signature claimed by a P-256 signer is BAD_SIGNATURE naming the scheme', () => {
    const p256 = new Uint8Array(35);
    p256.set([0x80, 0x24, 0x03]);
    assert.throws(
      () => verifyBlobSignature(data, p256, blob.sig),
      (err: unknown) =>
        err instanceof BlobError &&
        err.code === 'BAD_SIGNATURE' &&
        /ECDSA P-256 signature does not verify/.test(err.message),
    );
  });

  it('bytes without a top-level sig are BLOB_MALFORMED naming sig', () => {
    for (const bytes of [
      encodeDagCbor({ type: 'Profile', ts: 1 }),
      encodeDagCbor({ type: 'Profile', sig: new Uint8Array(10) }),
      encodeDagCbor([{ sig: new Uint8Array(64) }]),
      encodeDagCbor({ nested: { sig: new Uint8Array(64) } }),
      new Uint8Array([0xa1, 0x63, 0x73, 0x69, 0x67, 0x58, 0x40, 1, 2]),
      new Uint8Array([0xbf]),
    ]) {
      assert.throws(() => locateSignature(bytes), { code: 'BLOB_MALFORMED', field: 'sig' });
    }
  });
});
