import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChange, createRef } from '../../src/blob/create-blob.ts';
import { decodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { signBlobMap } from '../../src/blob/signature.ts';
import {
  BASE_TS,
  makeComment,
  makeDocument,
  paragraphOps,
  testKey,
} from '../fixtures/blob-factory.ts';
import { publishBody, startTestNode, type TestNode } from './helpers.ts';

/** Create → read back → update → comment, the way Seed's CLI and apps use the API. */

const alice = testKey('alice');
const bob = testKey('bob');
const doc = makeDocument(alice, { genesis: 'cli', path: '/hello', title: 'Hello', changes: 1 });
const id = `hm://${alice.accountId}/hello`;

type Doc = {
  type: string;
  document: {
    version: string;
    account: string;
    path: string;
    metadata: { name?: string };
    content: { block: { id: string; text?: string } }[];
  };
};

let node: TestNode;

/** Replays run by the reader pool (READERS' per-handler task counter). */
async function replays(): Promise<number> {
  const metric = node.registry.getSingleMetric('seedling_reader_tasks_total');
  const { values } = await metric!.get();
  return values
    .filter((v) => v.labels.handler === 'replay.resource')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('documents over the API', () => {
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('PublishBlobs without CIDs answers the computed CIDs in order', async () => {
    const res = await node.post('PublishBlobs', publishBody(doc.all, false));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      (res.body as { cids: string[] }).cids,
      doc.all.map((b) => b.cid.toString()),
    );
  });

  it('reads back title, content, account, path and version', async () => {
    const res = await node.get('Resource', { id });
    const body = res.body as Doc;
    assert.equal(body.type, 'document', res.text);
    assert.equal(body.document.metadata.name, 'Hello');
    assert.equal(body.document.account, alice.accountId);
    assert.equal(body.document.path, '/hello');
    assert.equal(body.document.version, doc.version);
    const texts = body.document.content.map((n) => n.block.text);
    // The CLI genesis wrote 'Hello, world' into b0; the first change replaced it.
    assert.deepEqual(texts, ['Paragraph 0']);

    const meta = (await node.get('ResourceMetadata', { id })).body as {
      metadata: { name: string };
    };
    assert.equal(meta.metadata.name, 'Hello');

    const query = (
      await node.get('Query', {
        includes: JSON.stringify([{ space: alice.accountId, path: '', mode: 'Children' }]),
      })
    ).body as { results: { version: string; metadata: { name: string } }[] };
    assert.deepEqual(
      query.results.map((r) => [r.metadata.name, r.version]),
      [['Hello', doc.version]],
    );

    const events = (await node.get('ListEvents', {})).body as {
      events: { newBlob: { cid: string } }[];
    };
    const seen = events.events.map((e) => e.newBlob.cid);
    assert.ok(seen.includes(doc.ref.cid.toString()));
  });

  it('a deleted document answers ResourceMetadata with null metadata, and is not found', async () => {
    const gone = makeDocument(alice, { genesis: 'cli', path: '/gone', title: 'Gone', changes: 1 });
    assert.equal((await node.post('PublishBlobs', publishBody(gone.all, false))).status, 200);
    const goneId = `hm://${alice.accountId}/gone`;
    const before = (await node.get('ResourceMetadata', { id: goneId })).body as {
      metadata: { name: string } | null;
      hasSite?: boolean;
    };
    assert.equal(before.metadata?.name, 'Gone');
    assert.equal(before.hasSite, undefined, 'no siteUrl, no hasSite');
    const status = async () =>
      (
        (await node.get('DiscoveryStatus', { uid: alice.accountId, path: 'gone' })).body as {
          state: string;
        }
      ).state;
    assert.equal(await status(), 'found');
    const later = BASE_TS + 10_000_000;
    const tombstone = createRef(
      { ts: later, genesisBlob: gone.genesis.cid, heads: [], path: '/gone', generation: later },
      alice,
    );
    assert.equal((await node.post('PublishBlobs', publishBody([tombstone], false))).status, 200);
    const after = (await node.get('ResourceMetadata', { id: goneId })).body as {
      metadata: unknown;
    };
    assert.equal(after.metadata, null);
    assert.equal(await status(), 'failed');
  });

  it('an update moves the version', async () => {
    const head = doc.changes.at(-1)!;
    const change = createChange(
      {
        ts: head.blob.ts + 5_000,
        genesis: doc.genesis.cid,
        deps: [head.cid],
        depth: (head.blob.depth ?? 0) + 1,
        ops: paragraphOps('b9', 'Second thoughts', null), // placed first in the root list
      },
      alice,
    );
    const ref = createRef(
      {
        ts: change.blob.ts + 1,
        path: '/hello',
        genesisBlob: doc.genesis.cid,
        heads: [change.cid],
        generation: change.blob.ts,
      },
      alice,
    );
    const res = await node.post('PublishBlobs', publishBody([change, ref]));
    assert.equal(res.status, 200, res.text);
    const body = (await node.get('Resource', { id })).body as Doc;
    assert.equal(body.document.version, change.cid.toString());
    assert.ok(body.document.content.some((n) => n.block.text === 'Second thoughts'));
    const changes = (await node.get('ListChanges', { targetId: id })).body as {
      changes: unknown[];
      latestVersion: string;
    };
    assert.equal(changes.changes.length, 3);
    assert.equal(changes.latestVersion, change.cid.toString());
  });

  it('PrepareDocumentChange → sign → publish edits the document', async () => {
    const base = (await node.get('Resource', { id })).body as Doc;
    const prep = await node.post('PrepareDocumentChange', {
      account: alice.accountId,
      path: '/hello',
      baseVersion: base.document.version,
      changes: [{ op: { case: 'setMetadata', value: { key: 'name', value: 'Hello again' } } }],
    });
    assert.equal(prep.status, 200, prep.text);
    const unsigned = decodeDagCbor((prep.body as { unsignedChange: Uint8Array }).unsignedChange);
    const { sig: _zero, ...fields } = unsigned as Record<string, unknown>;
    const signed = signBlobMap(fields, alice);
    const published = await node.post('PublishBlobs', { blobs: [{ data: signed }] });
    assert.equal(published.status, 200, published.text);
    const changeCid = (published.body as { cids: string[] }).cids[0]!;
    const ref = createRef(
      {
        ts: (fields.ts as number) + 1,
        path: '/hello',
        genesisBlob: doc.genesis.cid,
        heads: [(await import('multiformats/cid')).CID.parse(changeCid)],
        generation: fields.ts as number,
      },
      alice,
    );
    assert.equal((await node.post('PublishBlobs', publishBody([ref]))).status, 200);
    const after = (await node.get('Resource', { id })).body as Doc;
    assert.equal(after.document.metadata.name, 'Hello again');
    assert.equal(after.document.version, changeCid);
  });

  it('replays a version once: concurrent and later Resource calls share it', async () => {
    const fresh = makeDocument(alice, {
      path: '/fresh',
      changes: 1,
      title: 'Fresh',
      ts: BASE_TS + 77_000,
    });
    assert.equal((await node.post('PublishBlobs', publishBody(fresh.all))).status, 200);
    const pinned = `hm://${alice.accountId}/fresh?v=${fresh.version}`;
    const before = await replays();
    const answers = await Promise.all([1, 2, 3].map(() => node.get('Resource', { id: pinned })));
    const again = await node.get('Resource', { id: pinned });
    for (const res of [...answers, again]) {
      assert.equal((res.body as Doc).document.version, fresh.version, res.text);
    }
    assert.equal((await replays()) - before, 1);
  });

  it('comments list with their authors and read by ID', async () => {
    const comment = makeComment(
      bob,
      {
        space: alice.principal,
        path: '/hello',
        version: [doc.changes.at(-1)!.cid],
      },
      { text: 'Nice one' },
    );
    assert.equal((await node.post('PublishBlobs', publishBody([comment]))).status, 200);
    const list = (await node.get('ListComments', { targetId: id })).body as {
      comments: { id: string; author: string; content: { block: { text: string } }[] }[];
    };
    assert.equal(list.comments.length, 1);
    assert.equal(list.comments[0]!.author, bob.accountId);
    assert.equal(list.comments[0]!.content[0]!.block.text, 'Nice one');
    const one = (await node.get('Comment', { __value: list.comments[0]!.id })).body as {
      id: string;
    };
    assert.equal(one.id, list.comments[0]!.id);
    const missing = await node.get('Comment', { __value: `${bob.accountId}/zzzzzzzzzzzz` });
    assert.equal(missing.status, 404);
  });
});
