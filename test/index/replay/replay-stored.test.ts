import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeOp } from '../../../src/blob/blob-types.ts';
import { CODEC, cidForBytes } from '../../../src/blob/cid.ts';
import { decodeStructuralBlob } from '../../../src/blob/decode-blob.ts';
import { changeWireMap } from '../../../src/blob/encode-change.ts';
import type { KeyPair } from '../../../src/blob/keys.ts';
import { signBlobMap } from '../../../src/blob/signature.ts';
import { actorOf } from '../../../src/index/replay/op-id.ts';
import { decodeChange, replayStoredChanges } from '../../../src/index/replay/replay-stored.ts';
import { alice, bob, op, shape } from './helpers.ts';

/** A real signed Change blob (bytes + CID), built without the decode-back check of createChange. */
function signedChange(key: KeyPair, f: Parameters<typeof changeWireMap>[0]) {
  const data = signBlobMap({ ...changeWireMap(f), signer: key.principal }, key);
  return { cid: cidForBytes(data, CODEC.dagCbor), data };
}

test('stored Change bytes replay, including Seed-style refs with a 56-bit actor', () => {
  const genesisOps: ChangeOp[] = [
    op.name('Stored'),
    op.block('a', 'A'),
    op.block('b', 'B'),
    op.move('', ['a', 'b']),
  ];
  const genesis = signedChange(alice, { ts: 1_000, ops: genesisOps });
  // Element 0 of op 3 of the genesis is block a: idx 3.
  const actor = actorOf(alice.principal);
  assert.ok(actor > BigInt(Number.MAX_SAFE_INTEGER), 'fixture needs a wide actor');
  const edit = signedChange(bob, {
    ts: 2_000,
    genesis: genesis.cid,
    deps: [genesis.cid],
    depth: 1,
    ops: [op.block('n', 'N'), op.move('', ['n'], [1_000, 3, actor])],
  });
  assert.ok(decodeChange(edit.data), 'wide refs decode');
  const state = replayStoredChanges({
    genesis: genesis.cid.toString(),
    heads: [edit.cid.toString()],
    version: edit.cid.toString(),
    changes: [
      { cid: edit.cid.toString(), data: edit.data },
      { cid: genesis.cid.toString(), data: genesis.data },
      { cid: 'bafy-junk', data: new Uint8Array([1, 2, 3]) },
    ],
  });
  assert.deepEqual(shape(state.content), ['a', 'n', 'b']);
  assert.equal(state.metadata.name, 'Stored');
  assert.deepEqual(state.heads, [edit.cid.toString()]);
  assert.equal(state.stats.excludedChanges, 1);
  assert.deepEqual(state.authors, [alice.accountId, bob.accountId].sort());
});

test('decodeChange keeps ordinary Changes as the blob decoder returns them and rejects non-Changes', () => {
  const plain = signedChange(alice, { ts: 5, ops: [op.name('x')] });
  assert.deepEqual(decodeChange(plain.data), decodeStructuralBlob(plain.data));
  assert.equal(decodeChange(new Uint8Array([0xa0])), null);
});
