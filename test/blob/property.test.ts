import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CODEC } from '../../src/blob/cid.ts';
import { createFromWireMap } from '../../src/blob/create-blob.ts';
import { decodeDagCbor, encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { decodeBlobValue, decodeStructuralBlob } from '../../src/blob/decode-blob.ts';
import { locateSignature, signedBytes } from '../../src/blob/signature.ts';
import { verifyBlob } from '../../src/blob/verify-blob.ts';
import { BlobError } from '../../src/errors.ts';
import {
  makeCapability,
  makeComment,
  makeContact,
  makeDocument,
  makeProfile,
  testKey,
} from '../fixtures/blob-factory.ts';

const alice = testKey('alice');
const bob = testKey('bob');
const doc = makeDocument(alice, { changes: 2, genesis: 'cli' });
const valid = [
  ...doc.all,
  makeComment(bob, { space: alice.principal, version: [doc.ref.cid] }),
  makeProfile(alice),
  makeContact(alice, bob.principal),
  makeCapability(alice, bob.principal),
];

/** Runs `fn`; any throw other than a BlobError fails the property. */
function onlyBlobErrors<T>(fn: () => T): T | BlobError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BlobError) return err;
    throw new Error(`threw a non-BlobError: ${String(err)}`, { cause: err });
  }
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
);

function mutate(data: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % data.length;
  const out = new Uint8Array(data);
  switch (m.kind) {
    case 'flip':
      out[at]! ^= 1 << m.bit;
      return out;
    case 'set':
      out[at] = m.value;
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'insert':
      return Uint8Array.from([...data.subarray(0, at), ...m.bytes, ...data.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...data.subarray(0, at), ...data.subarray(at + m.n)]);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** IPLD values of every kind, including links and large integers. */
const ipldValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(...valid.map((b) => b.cid)),
    // A plain map shaped like a CID object (multiformats' CID.asCID would take it for one).
    fc.constant({ '/': 'x', bytes: 'x', code: 0x71, version: 1, multihash: { bytes: 'y' } }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('property: signature patching equals decode/zero/re-encode', () => {
  it('for signed blobs of every type carrying random unknown fields', () => {
    const types = ['Change', 'Profile', 'Comment', 'Thing'];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.dictionary(fc.string({ maxLength: 5 }), ipldValue, { maxKeys: 6 }),
        (type, fields) => {
          const { type: _t, signer: _s, sig: _g, ts: _ts, ...extra } = fields;
          const made = onlyBlobErrors(() => createFromWireMap({ ...extra, type, ts: 1 }, alice));
          fc.pre(!(made instanceof BlobError)); // e.g. a known field given a wrong type
          const value = decodeDagCbor(made.data) as Record<string, unknown>;
          const reencoded = encodeDagCbor({ ...value, sig: new Uint8Array(64) });
          assert.ok(sameBytes(signedBytes(made.data), reencoded));
          const v = verifyBlob({ cid: made.cid, data: made.data });
          assert.ok(v.blob !== null);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('property: hostile input only ever raises BlobError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyBlobErrors(() => decodeStructuralBlob(bytes));
        onlyBlobErrors(() => locateSignature(bytes));
        const v = onlyBlobErrors(() => verifyBlob({ data: bytes }));
        // Random bytes are never a signed structural blob.
        if (!(v instanceof BlobError)) assert.equal(v.blob, null);
        onlyBlobErrors(() => verifyBlob({ cid: valid[0]!.cid, data: bytes }));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid blobs never verify as signed blobs and never throw anything else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (index, mutations) => {
          const original = valid[index]!;
          const data = mutations.reduce(mutate, original.data);
          fc.pre(!sameBytes(data, original.data));
          onlyBlobErrors(() => decodeStructuralBlob(data));
          const v = onlyBlobErrors(() => verifyBlob({ data }));
          if (!(v instanceof BlobError)) assert.equal(v.codec, CODEC.raw);
          const withCid = onlyBlobErrors(() => verifyBlob({ cid: original.cid, data }));
          assert.ok(withCid instanceof BlobError);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('random field values in blobs of every known type', () => {
    const types = ['Change', 'Ref', 'Capability', 'Comment', 'Profile', 'Contact', 'Other'];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.dictionary(
          fc.constantFrom(
            'signer',
            'sig',
            'ts',
            'genesis',
            'deps',
            'depth',
            'body',
            'space',
            'path',
            'genesisBlob',
            'heads',
            'generation',
            'capability',
            'redirect',
            'delegate',
            'role',
            'version',
            'replyParent',
            'id',
            'subject',
            'subscribe',
            'name',
            'alias',
            'x',
          ),
          ipldValue,
          { maxKeys: 8 },
        ),
        (type, fields) => {
          const value = {
            type,
            signer: alice.principal,
            sig: new Uint8Array(64),
            ts: 1,
            ...fields,
          };
          onlyBlobErrors(() => decodeBlobValue(value));
          const bytes = onlyBlobErrors(() => encodeDagCbor(value));
          if (bytes instanceof Uint8Array) onlyBlobErrors(() => verifyBlob({ data: bytes }));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random ops inside a Change body', () => {
    const opTypes = ['SetAttributes', 'ReplaceBlock', 'MoveBlocks', 'DeleteBlocks', 'SetKey', 'X'];
    const op = fc.dictionary(
      fc.constantFrom('block', 'attrs', 'parent', 'blocks', 'ref', 'key', 'value', 'id'),
      ipldValue,
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...opTypes), op), { maxLength: 4 }), (ops) => {
        const body = { ops: ops.map(([type, fields]) => ({ ...fields, type })) };
        const value = {
          type: 'Change',
          signer: alice.principal,
          sig: new Uint8Array(64),
          ts: 1,
          body,
        };
        onlyBlobErrors(() => decodeBlobValue(value));
      }),
      { numRuns: 2000 },
    );
  });
});
