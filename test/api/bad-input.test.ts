import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { locateSignature } from '../../src/blob/signature.ts';
import { MAX_BLOB_BYTES } from '../../src/constants.ts';
import { BASE_TS, makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { type Answer, publishBody, request, startTestNode, type TestNode } from './helpers.ts';

/**
 * Hostile or broken input gets the right status and an `{error}` that names the problem, and
 * leaves the store as it was: a rejected PublishBlobs stores none of its blobs.
 */

const alice = testKey('alice');
const good = makeDocument(alice, { path: '/good', changes: 1 });
// Distinct content and times: two empty-genesis documents of one author share their genesis blob.
const other = makeDocument(alice, {
  path: '/other',
  changes: 1,
  title: 'Other',
  ts: BASE_TS + 99_000,
});

let node: TestNode;

function errorOf(res: Answer): string {
  const body = res.body as { error?: unknown };
  assert.equal(typeof body.error, 'string', `expected {error}, got ${res.text}`);
  return body.error as string;
}

/** Number of events in the feed: every stored structural blob adds one. */
async function eventCount(): Promise<number> {
  const res = await node.get('ListEvents', { pageSize: '500' });
  return (res.body as { events: unknown[] }).events.length;
}

async function isStored(cid: string): Promise<boolean> {
  const res = await node.get('GetCID', { cid });
  return (res.body as { value?: unknown }).value !== undefined;
}

describe('bad input', () => {
  before(async () => {
    node = await startTestNode();
    const res = await node.post('PublishBlobs', publishBody(good.all));
    assert.equal(res.status, 200, res.text);
  });
  after(() => node.stop());

  it('malformed CBOR → 400 naming the body', async () => {
    const res = await node.post('PublishBlobs', new Uint8Array([0xa1, 0x65, 0x62]));
    assert.equal(res.status, 400);
    assert.match(errorOf(res), /^body: malformed CBOR/);
  });

  it('a wrong content type is refused', async () => {
    const res = await request(`${node.url}/api/PublishBlobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"blobs":[]}',
    });
    assert.equal(res.status, 415);
    errorOf(res);
  });

  it('a bad signature → 400 naming the blob; nothing of the request is stored', async () => {
    const before = await eventCount();
    const tampered = other.ref.data.slice();
    const at = locateSignature(tampered);
    tampered[at + 3]! ^= 0xff;
    const blobs = [...other.all.slice(0, -1), { cid: other.ref.cid, data: tampered }];
    const res = await node.post('PublishBlobs', { blobs: blobs.map((b) => ({ data: b.data })) });
    assert.equal(res.status, 400);
    assert.match(errorOf(res), new RegExp(`^blobs\\[${blobs.length - 1}\\]: .*signature`, 'i'));
    assert.equal(await eventCount(), before);
    assert.equal(await isStored(other.changes[0]!.cid.toString()), false);
  });

  it('a CID that does not match the bytes → 400 naming the blob', async () => {
    const res = await node.post('PublishBlobs', {
      blobs: [{ cid: good.changes[0]!.cid.toString(), data: other.changes[0]!.data }],
    });
    assert.equal(res.status, 400);
    assert.match(errorOf(res), /^blobs\[0\]: /);
    assert.equal(await isStored(other.changes[0]!.cid.toString()), false);
  });

  it('an oversized blob → 400 naming the blob', async () => {
    const res = await node.post('PublishBlobs', {
      blobs: [{ data: new Uint8Array(MAX_BLOB_BYTES + 1) }],
    });
    assert.equal(res.status, 400);
    assert.match(errorOf(res), /^blobs\[0\]: /);
  });

  it('a body above the limit → 413', async () => {
    const res = await node.post('PublishBlobs', new Uint8Array(17 * 1024 * 1024));
    assert.equal(res.status, 413);
    errorOf(res);
  });

  it('a body of the wrong shape → 400 naming the field', async () => {
    const res = await node.post('PublishBlobs', { blobs: [{ data: 'not bytes' }] });
    assert.equal(res.status, 400);
    assert.match(errorOf(res), /^blobs\[0\]\.data: /);
  });

  it('malformed query parameters → 400 naming the parameter', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['ListEvents', { pageSize: 'ten' }, /^pageSize: /],
      ['ListEvents', { filterAuthors: '[oops' }, /^filterAuthors: /],
      ['Query', { includes: '[]' }, /^includes: /],
      ['Resource', { id: 'https://example.com' }, /^id: /],
      ['ResourceMetadata', { id: `hm://${alice.accountId}/x`, bogus: '1' }, /^bogus: /],
      ['GetCID', { cid: 'not-a-cid' }, /^cid: /],
      ['Account', {}, /^id: /],
      ['ListCommentsByAuthor', {}, /^authorId: /],
      ['ListCommentsByAuthor', { authorId: 'hm://not-an-account' }, /^authorId: /],
      ['GetCommentReplyCount', { id: `${alice.accountId}` }, /^id: /],
    ];
    for (const [key, params, pattern] of cases) {
      const res = await node.get(key, params);
      assert.equal(res.status, 400, `${key} ${JSON.stringify(params)}: ${res.text}`);
      assert.match(errorOf(res), pattern, key);
    }
  });

  it('an unknown key → 404 Unknown query key, for GET and POST', async () => {
    const get = await node.get('NoSuchKey');
    assert.equal(get.status, 404);
    assert.equal(errorOf(get), 'Unknown query key: NoSuchKey');
    const post = await node.post('NoSuchKey', {});
    assert.equal(post.status, 404);
    const other = await request(`${node.url}/nope`);
    assert.equal(other.status, 404);
    assert.equal(errorOf(other), 'no route /nope');
  });

  it('the wrong method → 405', async () => {
    const res = await node.get('PublishBlobs');
    assert.equal(res.status, 405);
    errorOf(res);
  });

  it('the good document is untouched by all of the above', async () => {
    const res = await node.get('Resource', { id: `hm://${alice.accountId}/good` });
    assert.equal((res.body as { document: { version: string } }).document.version, good.version);
  });
});
