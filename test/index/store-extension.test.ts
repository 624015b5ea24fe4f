/**
 * The index extension on a real store: prepareBlobs on a reader-pool thread, putBlobs on the
 * writer thread, reads on the pool — everything crosses threads by structured clone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { batchTransferList, packBlobBatch } from '../../src/index/blob-batch.ts';
import type { PreparedBlob, PutResult } from '../../src/index/index-input.ts';
import type { PackedPrepared } from '../../src/index/packed-blobs.ts';
import type {
  AccountRow,
  ChangeList,
  DocumentChanges,
  DocumentRow,
  EventPage,
  GetCidResult,
  QueryResult,
} from '../../src/index/read-types.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { makeDocument, makeProfile, testKey } from '../fixtures/blob-factory.ts';

const alice = testKey('alice');

describe('index store extension (threads)', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seedling-index-store-'));
    store = await openStore(
      { registry: new Registry() },
      {
        path: join(dir, 'db.sqlite'),
        readerThreads: 1,
        extensions: [new URL('../../src/index/store-extension.ts', import.meta.url)],
      },
    );
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = <T>(handler: string, args: unknown) => store.read<T>({ op: 'test', handler, args });

  async function publish(blobs: { cid?: string; data: Uint8Array }[]): Promise<PutResult[]> {
    const prepared = await read<PreparedBlob[]>('index.prepareBlobs', blobs);
    return store.write<PutResult[]>({
      op: 'test.publish',
      class: 'interactive',
      handler: 'index.putBlobs',
      payload: prepared,
    });
  }

  it('publishes blobs without CIDs and serves every read handler', async () => {
    const doc = makeDocument(alice, { genesis: 'empty', changes: 2, path: '/hello', title: 'Hi' });
    const home = makeDocument(alice, { genesis: 'cli', changes: 0, title: 'Home' });
    const results = await publish(
      [...doc.all, ...home.all, makeProfile(alice)].map((b) => ({ data: b.data })),
    );
    assert.ok(results.every((r) => r.ok && r.status === 'indexed'));
    assert.deepEqual(
      results.slice(0, 4).map((r) => r.cid),
      doc.all.map((b) => b.cid.toString()),
      'CIDs computed from the bytes (sha2-256)',
    );
    const row = await read<DocumentRow>('index.resourceMetadata', {
      account: alice.accountId,
      path: '/hello',
    });
    assert.equal(row.name, 'Hi');
    assert.equal(row.version, doc.version);
    const q = await read<QueryResult>('index.query', {
      account: alice.accountId,
      path: '',
      mode: 'Children',
    });
    assert.deepEqual(
      q.documents.map((d) => d.path),
      ['/hello'],
    );
    const changes = await read<ChangeList>('index.listChanges', {
      account: alice.accountId,
      path: '/hello',
    });
    assert.equal(changes.changes.length, 3);
    const dc = await read<DocumentChanges>('index.documentChanges', {
      account: alice.accountId,
      path: '/hello',
    });
    assert.ok(dc.changes[0]!.data instanceof Uint8Array);
    const events = await read<EventPage>('index.listEvents', { pageSize: 3 });
    assert.equal(events.events.length, 3);
    assert.notEqual(events.nextPageToken, '');
    const acc = await read<AccountRow>('index.account', { id: alice.accountId });
    assert.equal(acc.metadata?.name, 'Alice', 'profile name over the home title');
    const accounts = await read<{ accounts: AccountRow[] }>('index.listAccounts', {});
    assert.equal(accounts.accounts.length, 1);
    const raw = await read<GetCidResult>('index.getCid', { cid: doc.ref.cid.toString() });
    assert.deepEqual(Buffer.from(raw!.data), Buffer.from(doc.ref.data));
  });

  it('reports a bad blob alone, a duplicate as such, and bad read args as InvalidInputError', async () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 0, path: '/dup', title: 'Dup' });
    await publish(doc.all.map((b) => ({ cid: b.cid.toString(), data: b.data })));
    const results = await publish([
      { cid: doc.ref.cid.toString(), data: doc.ref.data },
      { cid: doc.genesis.cid.toString(), data: doc.ref.data },
    ]);
    assert.equal(results[0]!.status, 'duplicate');
    assert.equal(results[1]!.ok, false);
    assert.equal(results[1]!.code, 'CID_MISMATCH');
    await assert.rejects(read('index.resourceMetadata', { account: 'nope', path: '' }), /account/);
  });

  it('sync path: packs verified blobs in the pool, rejects bad ones with a reason, the writer indexes the packs', async () => {
    const doc = makeDocument(alice, {
      genesis: 'cli',
      changes: 2,
      path: '/packed',
      title: 'Packed',
    });
    const bad = { cid: doc.genesis.cid.bytes, data: doc.ref.data }; // bytes of another blob
    const notACid = { cid: new Uint8Array([0x01, 0x71, 0xff]), data: doc.ref.data };
    const batch = packBlobBatch([
      ...doc.all.map((b) => ({ cid: b.cid.bytes, data: b.data })),
      bad,
      notACid,
    ]);
    const out = await store.read<PackedPrepared>({
      op: 'test.sync',
      handler: 'index.prepareBlobsPacked',
      args: { batch, packSize: 2 },
      lane: 'bulk',
      transfer: batchTransferList(batch),
    });
    assert.equal(batch.bytes.byteLength, 0, 'the batch moved to the pool thread, not copied');
    assert.equal(out.accepted, doc.all.length);
    assert.deepEqual(
      out.packs.map((p) => p instanceof Uint8Array),
      [true, true],
      '4 blobs in packs of 2',
    );
    assert.deepEqual(
      out.rejected.map((r) => [r.cid, r.code]),
      [
        [doc.genesis.cid.toString(), 'CID_MISMATCH'],
        [null, 'BAD_CID'],
      ],
    );
    const results: PutResult[] = [];
    for (const pack of out.packs) {
      results.push(
        ...(await store.write<PutResult[]>({
          op: 'test.sync',
          class: 'sync',
          handler: 'index.putPackedBlobs',
          payload: pack,
        })),
      );
    }
    assert.ok(results.every((r) => r.ok && r.status === 'indexed'));
    const row = await read<DocumentRow>('index.resourceMetadata', {
      account: alice.accountId,
      path: '/packed',
    });
    assert.equal(row.version, doc.version);
  });

  it('refuses a bad pack size and a payload that is not a pack, and stores nothing from it', async () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 0, path: '/nopack' });
    const batch = packBlobBatch(doc.all.map((b) => ({ cid: b.cid.bytes, data: b.data })));
    for (const packSize of [0, 1.5, 'x', 10_001]) {
      await assert.rejects(read('index.prepareBlobsPacked', { batch, packSize }), /packSize/);
    }
    const blobs = doc.all.map((b) => ({ cid: b.cid.toString(), data: b.data }));
    for (const bad of [{ blobs }, { batch: { bytes: batch.bytes, ends: [3, 5] } }, {}]) {
      await assert.rejects(
        read('index.prepareBlobsPacked', { ...bad, packSize: 2 }),
        /must be a blob batch/,
      );
    }
    const eventsBefore = await read<EventPage>('index.listEvents', { pageSize: 100 });
    for (const payload of [new Uint8Array([1, 2, 3]), [{ kind: 'blob' }], 'text']) {
      await assert.rejects(
        store.write({ op: 'test.sync', class: 'sync', handler: 'index.putPackedBlobs', payload }),
        /pack of prepared blobs/,
      );
    }
    const eventsAfter = await read<EventPage>('index.listEvents', { pageSize: 100 });
    assert.equal(eventsAfter.events.length, eventsBefore.events.length);
    assert.equal(
      await read('index.resourceMetadata', { account: alice.accountId, path: '/nopack' }),
      null,
    );
  });
});
