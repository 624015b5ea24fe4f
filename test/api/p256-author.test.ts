import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeDocument, makeProfile } from '../fixtures/blob-factory.ts';
import { p256Key } from '../fixtures/p256-key.ts';
import { publishBody, startTestNode, type TestNode } from './helpers.ts';

/** Content by a web user of Seed (an ECDSA P-256 key) goes in and comes out like anyone's. */
describe('a P-256 (WebCrypto) author over the API', () => {
  const web = p256Key();
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('publishes a document and a profile, then reads them back by its zDn… account ID', async () => {
    const doc = makeDocument(web, {
      genesis: 'cli',
      path: '/from-the-web',
      title: 'Web',
      changes: 1,
    });
    const profile = makeProfile(web, { name: 'Web user' });
    const res = await node.post('PublishBlobs', publishBody([...doc.all, profile], false));
    assert.equal(res.status, 200, res.text);

    const id = `hm://${web.accountId}/from-the-web`;
    const meta = (await node.get('ResourceMetadata', { id })).body as {
      metadata: { name: string } | null;
    };
    assert.equal(meta.metadata?.name, 'Web');
    const resource = (await node.get('Resource', { id })).body as {
      type: string;
      document: { version: string; authors: string[] };
    };
    assert.equal(resource.type, 'document');
    assert.equal(resource.document.version, doc.version);
    assert.deepEqual(resource.document.authors, [web.accountId]);
    const account = (await node.get('Account', { id: web.accountId })).body as {
      metadata?: { name?: string };
    };
    assert.equal(account.metadata?.name, 'Web user');
  });

  it('refuses a P-256 blob whose signature does not verify, storing nothing of the batch', async () => {
    const doc = makeDocument(web, { genesis: 'cli', path: '/tampered', title: 'Tampered' });
    const bad = new Uint8Array(doc.ref.data);
    bad[bad.length - 1]! ^= 0x01;
    const res = await node.post(
      'PublishBlobs',
      publishBody([...doc.all.slice(0, -1), { cid: doc.ref.cid, data: bad }], false),
    );
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /ECDSA P-256 signature does not verify/);
    const meta = (await node.get('ResourceMetadata', { id: `hm://${web.accountId}/tampered` }))
      .body as { metadata: unknown };
    assert.equal(meta.metadata, null);
  });
});
