import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CID } from 'multiformats/cid';
import type { Change } from '../../src/blob/blob-types.ts';
import { CODEC, cidForBytes, HASH_CODE } from '../../src/blob/cid.ts';
import { compareBytes } from '../../src/blob/compare-bytes.ts';
import {
  createChange,
  createComment,
  createContact,
  createProfile,
  createRef,
} from '../../src/blob/create-blob.ts';
import { decodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { verifyBlob } from '../../src/blob/verify-blob.ts';
import { BlobError } from '../../src/errors.ts';
import { BASE_TS, makeDocument, testKey } from '../fixtures/blob-factory.ts';

const alice = testKey('alice');
const bob = testKey('bob');

function wireKeys(data: Uint8Array): string[] {
  return Object.keys(decodeDagCbor(data) as object).sort();
}

describe('creators', () => {
  it('empty genesis has exactly type, signer, sig and ts = 0 (Seed node/web shape)', () => {
    const g = createChange({ ts: 0 }, alice);
    assert.deepEqual(wireKeys(g.data), ['sig', 'signer', 'ts', 'type']);
    assert.equal(g.blob.ts, 0);
    assert.ok(g.cid.equals(cidForBytes(g.data, CODEC.dagCbor)));
    // Deterministic: Ed25519 signatures are, so the same key gives the same genesis CID.
    assert.ok(createChange({ ts: 0 }, alice).cid.equals(g.cid));
    assert.ok(!createChange({ ts: 0 }, bob).cid.equals(g.cid));
  });

  it('CLI genesis carries ops, opCount and a real ts but no genesis/deps/depth', () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 0, title: 'T' });
    assert.deepEqual(wireKeys(doc.genesis.data), ['body', 'sig', 'signer', 'ts', 'type']);
    const g = doc.genesis.blob;
    assert.equal(g.ts, BASE_TS);
    assert.equal(g.opCount, 3);
    assert.equal(g.ops[0]!.type, 'SetAttributes');
    assert.ok(doc.ref.blob.heads[0]!.equals(doc.genesis.cid));
  });

  it('sorts deps by binary CID and keeps depth', () => {
    const parents = [1, 2, 3, 4, 5].map((i) => createChange({ ts: i }, alice).cid);
    const c = createChange(
      { ts: BASE_TS, genesis: parents[0]!, deps: [...parents].reverse(), depth: 7 },
      alice,
    );
    const deps = (c.blob as Change).deps;
    for (let i = 1; i < deps.length; i++) {
      assert.ok(compareBytes(deps[i - 1]!.bytes, deps[i]!.bytes) < 0);
    }
    assert.equal(c.blob.depth, 7);
  });

  it('omits unset fields and keeps set ones', () => {
    const p = createProfile({ ts: 1, name: 'A', avatar: null }, alice);
    assert.deepEqual(wireKeys(p.data), ['name', 'sig', 'signer', 'ts', 'type']);
    const genesisBlob = createChange({ ts: 0 }, alice).cid;
    const r = createRef({ ts: 2, genesisBlob, heads: [genesisBlob], generation: 2 }, alice);
    assert.deepEqual(wireKeys(r.data), [
      'generation',
      'genesisBlob',
      'heads',
      'sig',
      'signer',
      'ts',
      'type',
    ]);
  });

  it('round-trips every Change op type and an unknown op', () => {
    const ops: Change['ops'] = [
      { type: 'SetAttributes', block: 'b', attrs: [{ key: ['a', 'b'], value: { x: [1, true] } }] },
      {
        type: 'ReplaceBlock',
        block: { id: 'b', type: 'Code', text: 'x', attributes: { lang: 'ts' } },
      },
      { type: 'MoveBlocks', parent: 'p', blocks: ['b', 'c'], ref: [3, 0] },
      { type: 'DeleteBlocks', blocks: ['z'] },
      { type: 'SetKey', key: 'title', value: 'Old' },
      { type: 'Unknown', opType: 'Future', raw: { type: 'Future', n: 1 } },
    ];
    const c = createChange({ ts: 9, ops, opCount: 4 }, alice);
    assert.deepEqual(c.blob.ops, ops);
    assert.equal(c.blob.opCount, 4);
  });

  it('makes blake2b-256 CIDs when asked, and they verify', () => {
    const c = createContact({ ts: 3, subject: bob.principal }, alice, { hash: 'blake2b-256' });
    assert.equal(c.cid.multihash.code, HASH_CODE['blake2b-256']);
    assert.ok(verifyBlob({ cid: c.cid.toString(), data: c.data }).blob);
    const doc = makeDocument(alice, { hash: 'blake2b-256' });
    for (const b of doc.all) assert.equal(b.cid.multihash.code, HASH_CODE['blake2b-256']);
  });

  it('rejects a bad ts and bad field types before anything is published', () => {
    assert.throws(() => createProfile({ ts: -1 }, alice), { code: 'INVALID_INPUT', field: 'ts' });
    assert.throws(() => createProfile({ ts: 1.5 }, alice), { field: 'ts' });
    assert.throws(
      () =>
        createComment(
          { ts: 1, space: alice.principal, path: '', version: ['x' as unknown as CID], body: [] },
          alice,
        ),
      (err: unknown) => err instanceof BlobError && err.field === 'version[0]',
    );
  });

  it('extra fields go on the wire and come back in extra; known fields win', () => {
    const p = createProfile({ ts: 1, name: 'A', extra: { zz: 'new', name: 'ignored' } }, alice);
    assert.deepEqual(p.blob.extra, { zz: 'new' });
    assert.equal(p.blob.name, 'A');
  });

  it('CIDs are CIDv1 dag-cbor', () => {
    const p = createProfile({ ts: 1 }, alice);
    assert.equal(p.cid.version, 1);
    assert.equal(p.cid.code, CODEC.dagCbor);
    assert.ok(CID.parse(p.cid.toString()).equals(p.cid));
  });
});
