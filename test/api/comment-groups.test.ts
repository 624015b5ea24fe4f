import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commentGroups } from '../../src/api/comment-groups.ts';
import type { WireComment } from '../../src/api/wire-comments.ts';

/** A comment with only what grouping reads: its ID, what it answers, and when it last changed. */
function c(id: string, replyParent: string | undefined, seconds: number): WireComment {
  const time = { seconds, nanos: 0 };
  return {
    id,
    version: `v-${id}`,
    author: 'z6MkAuthor',
    targetAccount: 'z6MkSpace',
    targetVersion: 'v',
    ...(replyParent ? { replyParent } : {}),
    content: [],
    createTime: time,
    updateTime: time,
    visibility: 'Public',
  };
}

const ids = (groups: ReturnType<typeof commentGroups>) =>
  groups.map((g) => [g.id, g.comments.map((x) => x.id), g.moreCommentsCount]);

describe('commentGroups (discussions as Seed shows them)', () => {
  it('follows a thread while exactly one comment answers, then counts everything behind the fork', () => {
    const comments = [
      c('a', undefined, 1),
      c('b', 'a', 2),
      c('c', 'b', 3), // a → b → c is linear
      c('d', 'c', 4),
      c('e', 'c', 5), // c forks: d and e, and f answers d
      c('f', 'd', 6),
      c('g', undefined, 10), // a second discussion, alone but newer than all of the first but f
    ];
    assert.deepEqual(ids(commentGroups(comments)), [
      ['g', ['g'], 0],
      ['a', ['a', 'b', 'c'], 3],
    ]);
  });

  it('orders discussions by their newest activity, replies deep behind the fork included', () => {
    const comments = [
      c('a', undefined, 1),
      c('b', 'a', 2),
      c('c', 'a', 3), // a forks at once
      c('x', 'b', 50), // late activity deep in a's thread
      c('g', undefined, 10),
    ];
    assert.deepEqual(ids(commentGroups(comments)), [
      ['a', ['a'], 3],
      ['g', ['g'], 0],
    ]);
  });

  it('under a comment, starts the discussions at its direct replies', () => {
    const comments = [c('a', undefined, 1), c('b', 'a', 2), c('c', 'a', 3), c('d', 'c', 4)];
    assert.deepEqual(ids(commentGroups(comments, 'a')), [
      ['c', ['c', 'd'], 0],
      ['b', ['b'], 0],
    ]);
    assert.deepEqual(commentGroups(comments, 'nothing-answers-this'), []);
  });

  it('a reply cycle (edited comments) ends the chain instead of looping', () => {
    const comments = [c('x', 'y', 1), c('y', 'x', 2)];
    const groups = commentGroups(comments, 'x');
    assert.deepEqual(ids(groups), [['y', ['y', 'x'], 1]]);
  });
});
