import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { EventPage, EventRow } from '../../src/index/read-types.ts';
import { makeComment, makeDocument, makeProfile, testKey } from '../fixtures/blob-factory.ts';
import { IndexDb } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');

describe('events (feed)', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  function pageAll(args: object, pageSize: number): { pages: EventRow[][]; tokens: string[] } {
    const pages: EventRow[][] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    do {
      const page = idx.read<EventPage>('index.listEvents', {
        ...args,
        pageSize,
        ...(token ? { pageToken: token } : {}),
      });
      pages.push(page.events);
      tokens.push(page.nextPageToken);
      token = page.nextPageToken || undefined;
    } while (token);
    return { pages, tokens };
  }

  it('pages newest first by keyset, every event exactly once, ending with an empty token', () => {
    for (let i = 0; i < 5; i++) {
      // One put per document: each batch gets its own observed time.
      idx.putOk(
        makeDocument(alice, { genesis: 'cli', changes: 1, path: `/d${i}`, title: `Doc ${i}` }).all,
      );
    }
    const all = idx.read<EventPage>('index.listEvents', { pageSize: 500 });
    assert.equal(all.events.length, 15);
    assert.equal(all.nextPageToken, '');
    const { pages, tokens } = pageAll({}, 4);
    assert.deepEqual(
      pages.map((p) => p.length),
      [4, 4, 4, 3],
    );
    assert.equal(tokens.at(-1), '');
    const flat = pages.flat();
    assert.deepEqual(
      flat.map((e) => e.id),
      all.events.map((e) => e.id),
    );
    for (let i = 1; i < flat.length; i++) {
      const [a, b] = [flat[i - 1]!, flat[i]!];
      assert.ok(
        a.observedTime > b.observedTime || (a.observedTime === b.observedTime && a.id > b.id),
      );
    }
    // Events appended after the first page was read do not shift the later pages.
    const first = idx.read<EventPage>('index.listEvents', { pageSize: 4 });
    idx.putOk(makeDocument(alice, { genesis: 'cli', changes: 0, path: '/late' }).all);
    const second = idx.read<EventPage>('index.listEvents', {
      pageSize: 4,
      pageToken: first.nextPageToken,
    });
    assert.deepEqual(second.events, pages[1]);
  });

  it('filters by event type, author and resource', () => {
    const post = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/blog/post' });
    idx.putOk(post.all);
    idx.putOk(makeDocument(alice, { genesis: 'cli', changes: 0, path: '/other' }).all);
    idx.putOk([
      makeComment(bob, {
        space: alice.principal,
        path: '/blog/post',
        version: [post.changes[0]!.cid],
      }),
      makeProfile(bob),
    ]);
    const types = (args: object) =>
      idx
        .read<EventPage>('index.listEvents', args)
        .events.map((e) => e.type)
        .sort();
    assert.deepEqual(types({ filterEventType: ['Comment', 'Profile'] }), ['Comment', 'Profile']);
    assert.deepEqual(types({ filterAuthors: [bob.accountId] }), ['Comment', 'Profile']);
    assert.deepEqual(types({ filterResource: { account: alice.accountId, path: '/blog' } }), [
      'Change',
      'Change',
      'Comment',
      'Ref',
    ]);
    assert.deepEqual(types({ filterEventType: ['Mention'] }), []);
    const comment = idx.read<EventPage>('index.listEvents', { filterEventType: ['Comment'] })
      .events[0]!;
    assert.equal(comment.account, alice.accountId);
    assert.equal(comment.path, '/blog/post');
    assert.ok(comment.extra?.startsWith(`${bob.accountId}/`));
  });

  it('rejects a forged page token naming the field', () => {
    assert.throws(
      () => idx.read('index.listEvents', { pageToken: "1' OR 1=1" }),
      (err: Error & { field?: string }) => err.field === 'pageToken',
    );
  });
});
