/**
 * `replay.resource` on a real store (SQLite file, writer and reader threads) with INDEX's
 * extension: index a document, replay it, prepare an edit, sign and index it, replay again — the
 * PrepareDocumentChange flow end to end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import type { Change } from '../../../src/blob/blob-types.ts';
import { CODEC, cidForBytes } from '../../../src/blob/cid.ts';
import { createRef } from '../../../src/blob/create-blob.ts';
import { decodeDagCbor } from '../../../src/blob/dag-cbor.ts';
import { decodeStructuralBlob } from '../../../src/blob/decode-blob.ts';
import { signBlobMap } from '../../../src/blob/signature.ts';
import { InvalidInputError } from '../../../src/errors.ts';
import type { DocumentState } from '../../../src/index/replay/document-state.ts';
import { prepareUnsignedChange } from '../../../src/index/replay/prepare-change.ts';
import { openStore, type Store } from '../../../src/store/store.ts';
import { makeDocument, testKey } from '../../fixtures/blob-factory.ts';
import { shape } from './helpers.ts';

// An account whose Seed actor ID fits in 53 bits, so refs to its elements pass today's blob
// decoder, which still refuses wider integers (see replay-stored.ts).
const key = testKey('narrow-6');
let dir: string;
let store: Store;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedling-replay-'));
  store = await openStore(
    { registry: new Registry() },
    {
      path: path.join(dir, 'db.sqlite'),
      readerThreads: 1,
      extensions: [
        new URL('../../../src/index/store-extension.ts', import.meta.url),
        new URL('../../../src/index/replay/store-extension.ts', import.meta.url),
      ],
    },
  );
});

after(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function publish(blobs: { data: Uint8Array }[]): Promise<void> {
  const prepared = await store.read<unknown[]>({
    op: 'test.prepare',
    handler: 'index.prepareBlobs',
    args: blobs.map((b) => ({ data: b.data })),
  });
  const results = await store.write<{ ok: boolean; error?: string }[]>({
    op: 'test.put',
    class: 'interactive',
    handler: 'index.putBlobs',
    payload: prepared,
  });
  for (const r of results) assert.ok(r.ok, r.error);
}

function resource(version?: string): Promise<DocumentState | null> {
  return store.read({
    op: 'test.resource',
    handler: 'replay.resource',
    args: { account: key.accountId, path: '/doc', ...(version ? { version } : {}) },
  });
}

test('replay.resource replays an indexed document, a prepared edit, and an older version', async () => {
  const doc = makeDocument(key, { path: '/doc', changes: 1, title: 'Stored doc' });
  await publish(doc.all);
  const first = await resource();
  assert.ok(first);
  assert.equal(first.metadata.name, 'Stored doc');
  assert.deepEqual(shape(first.content), ['b0']);
  assert.equal(first.version, doc.version);

  const unsigned = prepareUnsignedChange(
    first,
    [
      { op: { case: 'setMetadata', value: { key: 'name', value: 'Edited' } } },
      { op: { case: 'replaceBlock', value: { id: 'n1', type: 'Paragraph', text: 'after b0' } } },
      { op: { case: 'moveBlock', value: { blockId: 'n1', parent: '', leftSibling: 'b0' } } },
      { op: { case: 'replaceBlock', value: { id: 'n0', type: 'Paragraph', text: 'first' } } },
      { op: { case: 'moveBlock', value: { blockId: 'n0', parent: '', leftSibling: '' } } },
    ],
    { signer: key.principal },
  );
  const { sig: _zeros, ...map } = decodeDagCbor(unsigned.data) as Record<string, unknown>;
  const data = signBlobMap(map, key);
  const cid = cidForBytes(data, CODEC.dagCbor);
  const change = decodeStructuralBlob(data) as Change;
  const ref = createRef(
    {
      ts: change.ts + 1,
      path: '/doc',
      genesisBlob: doc.genesis.cid,
      heads: [cid],
      generation: change.ts,
    },
    key,
  );
  await publish([{ data }, ref]);

  const second = await resource();
  assert.ok(second);
  assert.equal(second.metadata.name, 'Edited');
  assert.deepEqual(shape(second.content), ['n0', 'b0', 'n1']);
  assert.deepEqual(second.heads, [cid.toString()]);
  assert.equal(second.depth, first.depth + 1);

  const old = await resource(doc.version);
  assert.ok(old);
  assert.equal(old.metadata.name, 'Stored doc');
  assert.deepEqual(shape(old.content), ['b0']);
});

test('replay.resource answers null for an unknown document', async () => {
  const missing = await store.read({
    op: 'test.resource',
    handler: 'replay.resource',
    args: { account: key.accountId, path: '/nope' },
  });
  assert.equal(missing, null);
});

test('replay.prepareChange prepares on the pool; a new document gets a genesis; bad edits name the field', async () => {
  const prepared = await store.read<{
    unsignedChange: Uint8Array;
    depth: number | null;
    deps: string[];
    baseVersion: string;
  }>({
    op: 'test.prepare',
    handler: 'replay.prepareChange',
    args: {
      account: key.accountId,
      path: '/doc',
      changes: [{ op: { case: 'deleteBlock', value: 'b0' } }],
      signer: key.principal,
    },
  });
  const current = await resource();
  assert.equal(prepared.baseVersion, current!.version);
  assert.deepEqual(prepared.deps, current!.heads);
  assert.equal(prepared.depth, current!.depth + 1);
  const decoded = decodeDagCbor(prepared.unsignedChange) as { body: { ops: unknown[] } };
  assert.deepEqual(decoded.body.ops, [{ type: 'DeleteBlocks', blocks: ['b0'] }]);

  const fresh = await store.read<{
    unsignedChange: Uint8Array;
    depth: number | null;
    deps: string[];
  }>({
    op: 'test.prepare',
    handler: 'replay.prepareChange',
    args: {
      account: key.accountId,
      path: '/new',
      changes: [{ op: { case: 'setMetadata', value: { key: 'name', value: 'New' } } }],
      signer: key.principal,
      now: 1_234,
    },
  });
  assert.equal(fresh.depth, null);
  assert.deepEqual(fresh.deps, []);
  assert.equal((decodeDagCbor(fresh.unsignedChange) as { ts: number }).ts, 1_234);

  await assert.rejects(
    store.read({
      op: 'test.prepare',
      handler: 'replay.prepareChange',
      args: {
        account: key.accountId,
        path: '/doc',
        changes: [
          { op: { case: 'moveBlock', value: { blockId: 'x', parent: 'nope', leftSibling: '' } } },
        ],
        signer: key.principal,
      },
    }),
    (err: unknown) =>
      err instanceof InvalidInputError && err.field === 'changes[0].op.value.parent',
  );
});
