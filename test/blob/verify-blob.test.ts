import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Piscina } from 'piscina';
import { CODEC, cidForBytes } from '../../src/blob/cid.ts';
import { encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { locateSignature } from '../../src/blob/signature.ts';
import { readHandlers, verifyBatch } from '../../src/blob/store-extension.ts';
import { verifyBlob } from '../../src/blob/verify-blob.ts';
import { MAX_BLOB_BYTES } from '../../src/constants.ts';
import { makeComment, makeDocument, makeProfile, testKey } from '../fixtures/blob-factory.ts';

const alice = testKey('alice');
const bob = testKey('bob');
const doc = makeDocument(alice, { changes: 3 });

describe('verifyBlob', () => {
  it('accepts every blob of a document, with or without the CID, as string, object or bytes', () => {
    for (const { cid, data } of doc.all) {
      const a = verifyBlob({ cid, data });
      const b = verifyBlob({ cid: cid.toString(), data });
      const c = verifyBlob({ data });
      const d = verifyBlob({ cid: cid.bytes.slice(), data });
      for (const v of [a, b, c, d]) {
        assert.ok(v.cid.equals(cid));
        assert.equal(v.codec, CODEC.dagCbor);
        assert.ok(v.blob !== null);
      }
    }
  });

  it('CID not matching the bytes is CID_MISMATCH', () => {
    const other = doc.all[1]!.cid;
    assert.throws(() => verifyBlob({ cid: other, data: doc.all[0]!.data }), {
      code: 'CID_MISMATCH',
    });
  });

  it('a flipped signature bit is caught after the CID check passes', () => {
    const data = new Uint8Array(doc.ref.data);
    data[locateSignature(data) + 10]! ^= 0x10;
    const cid = cidForBytes(data, CODEC.dagCbor);
    assert.throws(() => verifyBlob({ cid, data }), { code: 'BAD_SIGNATURE' });
    assert.throws(() => verifyBlob({ data }), { code: 'BAD_SIGNATURE' });
  });

  it('a flipped payload bit is BAD_SIGNATURE even with a matching CID', () => {
    const data = new Uint8Array(makeProfile(alice, { name: 'Alice' }).data);
    data[Buffer.from(data).indexOf('Alice')]! ^= 0x20; // 'A' -> 'a'
    assert.throws(() => verifyBlob({ cid: cidForBytes(data, CODEC.dagCbor), data }), {
      code: 'BAD_SIGNATURE',
    });
  });

  it('a P-256 signer is checked as ECDSA P-256: a zero signature is BAD_SIGNATURE', () => {
    const signer = new Uint8Array(35);
    signer.set([0x80, 0x24, 0x02]);
    const data = encodeDagCbor({ type: 'Profile', signer, sig: new Uint8Array(64), ts: 1 });
    assert.throws(() => verifyBlob({ data }), {
      code: 'BAD_SIGNATURE',
      message: /ECDSA P-256 signature does not verify/,
    });
  });

  it('checks size before anything else', () => {
    const big = new Uint8Array(MAX_BLOB_BYTES + 1);
    assert.throws(() => verifyBlob({ cid: doc.ref.cid, data: big }), { code: 'BLOB_TOO_LARGE' });
    assert.throws(() => verifyBlob({ data: big }), { code: 'BLOB_TOO_LARGE' });
  });

  it('raw and dag-pb blobs are hashed but not decoded', () => {
    const bytes = new TextEncoder().encode('just some media bytes');
    const raw = cidForBytes(bytes, CODEC.raw);
    assert.equal(verifyBlob({ cid: raw, data: bytes }).blob, null);
    const v = verifyBlob({ data: bytes });
    assert.ok(v.cid.equals(raw));
    assert.equal(v.codec, CODEC.raw);
    // A DAG-CBOR map that is not a structural blob, without a CID, is raw bytes.
    const plain = encodeDagCbor({ hello: 'world' });
    assert.equal(verifyBlob({ data: plain }).codec, CODEC.raw);
  });

  it('a DAG-CBOR CID over non-structural or malformed bytes is BLOB_MALFORMED', () => {
    const plain = encodeDagCbor({ hello: 'world' });
    assert.throws(() => verifyBlob({ cid: cidForBytes(plain, CODEC.dagCbor), data: plain }), {
      code: 'BLOB_MALFORMED',
    });
  });

  it('a malformed CID string is BAD_CID naming cid; bad data is BLOB_MALFORMED', () => {
    assert.throws(() => verifyBlob({ cid: 'not-a-cid', data: doc.ref.data }), {
      code: 'BAD_CID',
      field: 'cid',
    });
    const trailing = new Uint8Array([...doc.ref.cid.bytes, 0]);
    for (const bytes of [new Uint8Array([1, 0x71]), trailing, new Uint8Array(0)]) {
      assert.throws(() => verifyBlob({ cid: bytes, data: doc.ref.data }), {
        code: 'BAD_CID',
        field: 'cid',
        message: `cid: not a valid binary CID (${bytes.byteLength} bytes)`,
      });
    }
    // The other blob's CID as bytes: a valid CID, not these bytes.
    assert.throws(() => verifyBlob({ cid: doc.all[0]!.cid.bytes, data: doc.ref.data }), {
      code: 'CID_MISMATCH',
    });
    assert.throws(() => verifyBlob({ data: 'x' as unknown as Uint8Array }), {
      code: 'BLOB_MALFORMED',
      field: 'data',
    });
  });
});

describe('blob.verifyBatch', () => {
  it('returns plain per-item results: ok with cid and type, or code and message', () => {
    const comment = makeComment(bob, { space: alice.principal, version: [doc.ref.cid] });
    const tampered = new Uint8Array(makeProfile(alice).data);
    tampered[locateSignature(tampered)]! ^= 1;
    const handler = readHandlers!['blob.verifyBatch']!;
    const args = {
      blobs: [
        { cid: doc.genesis.cid.toString(), data: doc.genesis.data },
        { data: comment.data },
        { cid: doc.ref.cid.toString(), data: doc.genesis.data },
        { data: tampered },
        { data: new TextEncoder().encode('raw') },
      ],
    };
    const out = handler(null as never, structuredClone(args), { op: 't', generation: 0 });
    // Results must survive a thread hop unchanged.
    assert.deepEqual(structuredClone(out), out);
    const items = out as ReturnType<typeof verifyBatch>;
    assert.deepEqual(items[0], { ok: true, cid: doc.genesis.cid.toString(), type: 'Change' });
    assert.deepEqual(items[1], { ok: true, cid: comment.cid.toString(), type: 'Comment' });
    assert.equal(items[2]!.ok, false);
    assert.equal(items[2]!.ok === false && items[2]!.code, 'CID_MISMATCH');
    assert.equal(items[3]!.ok === false && items[3]!.code, 'BAD_SIGNATURE');
    assert.deepEqual(items[4]!.ok && items[4]!.type, null);
  });

  it('runs on a real worker thread with transferred bytes (as the reader pool runs it)', async () => {
    const pool = new Piscina({
      filename: new URL('../../src/blob/store-extension.ts', import.meta.url).href,
      name: 'verifyBatch',
      minThreads: 1,
      maxThreads: 1,
    });
    try {
      const blobs = doc.all.map(({ cid, data }) => ({ cid: cid.toString(), data: data.slice() }));
      const out = (await pool.run(
        { blobs },
        { transferList: blobs.map((b) => b.data.buffer) },
      )) as ReturnType<typeof verifyBatch>;
      assert.deepEqual(
        out.map((r) => r.ok && r.type),
        ['Change', 'Change', 'Change', 'Change', 'Ref'],
      );
      assert.deepEqual(
        out.map((r) => r.ok && r.cid),
        doc.all.map((b) => b.cid.toString()),
      );
    } finally {
      await pool.destroy();
    }
  });

  it('bad arguments throw INVALID_INPUT; a bad item fails alone', () => {
    assert.throws(() => verifyBatch({} as never), { code: 'INVALID_INPUT', field: 'blobs' });
    const out = verifyBatch({ blobs: [null as never, { data: doc.ref.data }] });
    assert.equal(out[0]!.ok, false);
    assert.equal(out[1]!.ok, true);
  });
});
