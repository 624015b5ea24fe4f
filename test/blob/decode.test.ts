import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as cborg from 'cborg';
import type { Change, Contact, Profile, Ref, StructuralBlob } from '../../src/blob/blob-types.ts';
import { encodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { decodeBlobValue, decodeStructuralBlob } from '../../src/blob/decode-blob.ts';
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
const doc = makeDocument(alice, { changes: 2, path: '/blog/hello' });

/** A valid signed-looking wire map (decoding does not check the signature). */
function baseMap(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, signer: alice.principal, sig: new Uint8Array(64), ts: BASE_TS, ...fields };
}

function decodeMap(map: Record<string, unknown>): StructuralBlob {
  return decodeStructuralBlob(encodeDagCbor(map));
}

function assertField(fn: () => unknown, field: string, code = 'BLOB_MALFORMED'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BlobError, `expected BlobError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.field, field);
    assert.ok(err.message.startsWith(`${field}: `), err.message);
    return true;
  });
}

describe('decodeStructuralBlob: round trips of every blob type', () => {
  it('Change: empty genesis has no links, no ops, ts 0', () => {
    const g = decodeStructuralBlob(doc.genesis.data) as Change;
    assert.equal(g.type, 'Change');
    assert.equal(g.ts, 0);
    assert.equal(g.genesis, null);
    assert.deepEqual(g.deps, []);
    assert.equal(g.depth, null);
    assert.deepEqual(g.ops, []);
    assert.equal(g.opCount, null);
    assert.deepEqual(g.signer, alice.principal);
    assert.deepEqual(g.extra, {});
  });

  it('Change: content change keeps genesis, deps, depth, ops and opCount', () => {
    const c = decodeStructuralBlob(doc.changes[1]!.data) as Change;
    assert.ok(c.genesis?.equals(doc.genesis.cid));
    assert.equal(c.deps.length, 1);
    assert.ok(c.deps[0]!.equals(doc.changes[0]!.cid));
    assert.equal(c.depth, 2);
    assert.equal(c.opCount, c.ops.length);
    assert.deepEqual(
      c.ops.map((o) => o.type),
      ['ReplaceBlock', 'MoveBlocks'],
    );
    const first = decodeStructuralBlob(doc.changes[0]!.data) as Change;
    assert.deepEqual(first.ops[0], {
      type: 'SetAttributes',
      block: '',
      attrs: [{ key: ['name'], value: 'Test document' }],
    });
  });

  it('Ref: path, genesisBlob, heads and generation', () => {
    const r = decodeStructuralBlob(doc.ref.data) as Ref;
    assert.equal(r.type, 'Ref');
    assert.equal(r.path, '/blog/hello');
    assert.equal(r.space, null);
    assert.ok(r.genesisBlob.equals(doc.genesis.cid));
    assert.ok(r.heads[0]!.equals(doc.changes[1]!.cid));
    assert.equal(r.generation, doc.changes[1]!.blob.ts);
    assert.equal(r.capability, null);
    assert.equal(r.redirect, null);
  });

  it('Comment, Profile, Contact and Capability', () => {
    const comment = makeComment(
      bob,
      { space: alice.principal, path: '/x', version: [doc.ref.cid] },
      {
        replyParent: doc.genesis.cid,
        id: 'z1234',
      },
    );
    const cm = decodeStructuralBlob(comment.data);
    assert.equal(cm.type, 'Comment');
    if (cm.type !== 'Comment') return;
    assert.deepEqual(cm.space, alice.principal);
    assert.equal(cm.path, '/x');
    assert.ok(cm.replyParent?.equals(doc.genesis.cid));
    assert.equal(cm.threadRoot, null);
    assert.equal(cm.id, 'z1234');
    assert.equal((cm.body[0] as { text: string }).text, 'Nice post');

    const p = decodeStructuralBlob(makeProfile(alice, { alias: bob.principal }).data) as Profile;
    assert.deepEqual(
      [p.name, p.description, p.avatar, p.alias, p.account],
      ['Alice', 'Tester', null, bob.principal, null],
    );

    const ct = decodeStructuralBlob(
      makeContact(alice, bob.principal, { subscribe: { site: true, profile: false } }).data,
    ) as Contact;
    assert.deepEqual(ct.subject, bob.principal);
    assert.deepEqual(ct.subscribe, { site: true, profile: false });
    assert.equal(ct.name, 'Bob');

    const cap = decodeStructuralBlob(makeCapability(alice, bob.principal, { path: '/a' }).data);
    assert.equal(cap.type, 'Capability');
    if (cap.type !== 'Capability') return;
    assert.deepEqual([cap.role, cap.path, cap.label, cap.audience], ['WRITER', '/a', null, null]);
    assert.deepEqual(cap.delegate, bob.principal);
  });
});

describe('decodeStructuralBlob: forward compatibility', () => {
  it('keeps unknown top-level fields in extra', () => {
    const b = decodeMap(baseMap('Profile', { name: 'A', zzNew: { a: 1 }, x: [1, 2] }));
    assert.deepEqual(b.extra, { zzNew: { a: 1 }, x: [1, 2] });
  });

  it('keeps unknown ops as Unknown with their raw map', () => {
    const raw = { type: 'SplitBlock', block: 'b1', at: 3 };
    const b = decodeMap(baseMap('Change', { body: { ops: [raw], opCount: 1 } })) as Change;
    assert.deepEqual(b.ops, [{ type: 'Unknown', opType: 'SplitBlock', raw }]);
  });

  it('decodes an unknown blob type as UnknownBlob with its fields in extra', () => {
    const b = decodeMap(baseMap('Reaction', { emoji: '👍' }));
    assert.equal(b.type, 'Unknown');
    if (b.type !== 'Unknown') return;
    assert.equal(b.blobType, 'Reaction');
    assert.deepEqual(b.extra, { emoji: '👍' });
  });

  it('keeps unknown block types and block fields', () => {
    const block = { id: 'b', type: 'Chart', data: { x: 1 }, text: 't' };
    const b = decodeMap(
      baseMap('Change', { body: { ops: [{ type: 'ReplaceBlock', block }] } }),
    ) as Change;
    assert.deepEqual(b.ops[0], { type: 'ReplaceBlock', block });
    assert.equal(b.opCount, null);
  });

  it('reads omitted empty fields (Go omitempty) as their empty values', () => {
    const b = decodeMap(
      baseMap('Change', { body: { ops: [{ type: 'MoveBlocks', blocks: ['a'] }] } }),
    ) as Change;
    assert.deepEqual(b.ops[0], { type: 'MoveBlocks', parent: '', blocks: ['a'], ref: [] });
    const r = decodeMap(baseMap('Ref', { genesisBlob: doc.genesis.cid })) as Ref;
    assert.deepEqual([r.path, r.heads, r.generation], ['', [], 0]);
  });

  it('accepts a P-256 principal as signer (its signature is checked at verification)', () => {
    const p256 = new Uint8Array(35);
    p256.set([0x80, 0x24, 0x02]);
    const b = decodeMap(baseMap('Profile', { signer: p256 }));
    assert.equal(b.signer.length, 35);
  });
});

describe('decodeStructuralBlob: bad fields are BlobErrors naming the field', () => {
  it('base fields', () => {
    assertField(() => decodeMap(baseMap('Profile', { ts: -1 })), 'ts');
    assertField(() => decodeMap(baseMap('Profile', { ts: 1.5 })), 'ts');
    assertField(() => decodeMap(baseMap('Profile', { ts: 2n ** 60n })), 'ts');
    assertField(() => decodeMap(baseMap('Profile', { ts: '1' })), 'ts');
    assertField(() => decodeMap(baseMap('Profile', { sig: new Uint8Array(63) })), 'sig');
    assertField(
      () => decodeMap(baseMap('Profile', { signer: new Uint8Array(34) })),
      'signer',
      'BAD_PRINCIPAL',
    );
    assertField(() => decodeMap(baseMap(7 as unknown as string)), 'type');
    const noTs = baseMap('Profile');
    delete noTs['ts'];
    assertField(() => decodeMap(noTs), 'ts');
  });

  it('nested op fields name their full path', () => {
    const ops = [
      { type: 'DeleteBlocks', blocks: ['a'] },
      { type: 'ReplaceBlock', block: { id: 'b', type: 'Paragraph' } },
      { type: 'MoveBlocks', parent: '', blocks: ['a', 5], ref: [] },
    ];
    assertField(() => decodeMap(baseMap('Change', { body: { ops } })), 'body.ops[2].blocks[1]');
    const badRef = [{ type: 'MoveBlocks', blocks: [], ref: [-1] }];
    assertField(
      () => decodeMap(baseMap('Change', { body: { ops: badRef } })),
      'body.ops[0].ref[0]',
    );
    const badAttr = [{ type: 'SetAttributes', attrs: [{ key: 'name', value: 1 }] }];
    assertField(
      () => decodeMap(baseMap('Change', { body: { ops: badAttr } })),
      'body.ops[0].attrs[0].key',
    );
    const noId = [{ type: 'ReplaceBlock', block: { type: 'Paragraph' } }];
    assertField(
      () => decodeMap(baseMap('Change', { body: { ops: noId } })),
      'body.ops[0].block.id',
    );
    assertField(() => decodeMap(baseMap('Change', { body: { ops: [3] } })), 'body.ops[0]');
    assertField(() => decodeMap(baseMap('Change', { body: { opCount: 'x' } })), 'body.opCount');
    assertField(() => decodeMap(baseMap('Change', { body: [] })), 'body');
  });

  it('links, principals and nested maps of the other types', () => {
    assertField(() => decodeMap(baseMap('Change', { deps: ['bafy'] })), 'deps[0]');
    assertField(() => decodeMap(baseMap('Change', { genesis: new Uint8Array(36) })), 'genesis');
    assertField(() => decodeMap(baseMap('Ref', {})), 'genesisBlob');
    assertField(
      () =>
        decodeMap(
          baseMap('Ref', {
            genesisBlob: doc.genesis.cid,
            redirect: { space: bob.principal, republish: 1 },
          }),
        ),
      'redirect.republish',
    );
    assertField(() => decodeMap(baseMap('Capability', { delegate: bob.principal })), 'role');
    assertField(() => decodeMap(baseMap('Comment', { body: [1] })), 'body[0]');
    assertField(() => decodeMap(baseMap('Comment', { version: [null] })), 'version[0]');
    assertField(
      () => decodeMap(baseMap('Contact', { subject: bob.principal, subscribe: { site: 'yes' } })),
      'subscribe.site',
    );
    assertField(
      () => decodeMap(baseMap('Contact', { subject: new Uint8Array(3) })),
      'subject',
      'BAD_PRINCIPAL',
    );
    assertField(() => decodeMap(baseMap('Profile', { name: 5 })), 'name');
  });

  it('a map shaped like a CID object is not taken for a link', () => {
    const fake = { '/': 'x', bytes: 'x', code: 0x71, version: 1, multihash: { bytes: 'y' } };
    assertField(() => decodeBlobValue(baseMap('Ref', { genesisBlob: fake })), 'genesisBlob');
    assertField(() => decodeBlobValue(baseMap('Change', { deps: [fake] })), 'deps[0]');
    // The same from the wire: plain CBOR (no tag 42) that decodes to such a map.
    const bytes = cborg.encode(baseMap('Ref', { genesisBlob: fake }));
    assertField(() => decodeStructuralBlob(bytes), 'genesisBlob');
  });

  it('rejects non-maps and non-canonical bytes as BLOB_MALFORMED', () => {
    assert.throws(() => decodeBlobValue([1, 2]), { code: 'BLOB_MALFORMED' });
    assert.throws(() => decodeStructuralBlob(new Uint8Array([0xff])), { code: 'BLOB_MALFORMED' });
    const bytes = new Uint8Array(doc.ref.data);
    assert.throws(() => decodeStructuralBlob(bytes.subarray(0, bytes.length - 1)), {
      code: 'BLOB_MALFORMED',
    });
  });
});

describe('decodeStructuralBlob: RGA positions', () => {
  it('keeps 64-bit op-ID actors in MoveBlocks refs as bigints (Seed writes 56-bit actors)', () => {
    const actor = (1n << 55n) + 12345n;
    const change = decodeMap(
      baseMap('Change', {
        body: {
          ops: [{ type: 'MoveBlocks', parent: '', blocks: ['b1'], ref: [BASE_TS, 3, actor] }],
          opCount: 1,
        },
      }),
    ) as Change;
    const op = change.ops[0]!;
    assert.equal(op.type, 'MoveBlocks');
    assert.deepEqual(op.type === 'MoveBlocks' && op.ref, [BASE_TS, 3, actor]);
  });

  it('still rejects a negative position, naming it', () => {
    const map = baseMap('Change', {
      body: { ops: [{ type: 'MoveBlocks', parent: '', blocks: ['b1'], ref: [-1] }], opCount: 1 },
    });
    assertField(() => decodeMap(map), 'body.ops[0].ref[0]');
  });
});
