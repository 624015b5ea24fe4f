import type { CommentList } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type CommentGroup, commentGroups } from '../comment-groups.ts';
import { type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { hmIdInput, joinPath } from '../wire-ids.ts';

type Input = { account: string; path: string; commentId?: string };

/**
 * `ListDiscussions`: a document's comments as discussions (comment-groups.ts), from the top level
 * or under `commentId`. `citingDiscussions` (discussions in documents that cite this one) stays
 * empty: this node keeps no citation index yet.
 */
export const ListDiscussionsKey: ApiKey<
  Input,
  {
    discussions: CommentGroup[];
    authors: WireCommentList['authors'];
    citingDiscussions: CommentGroup[];
  }
> = {
  key: 'ListDiscussions',
  method: 'GET',
  params: { targetId: 'string', commentId: 'string' }, // targetId: packed hm:// text or JSON
  toInput: (params) => {
    const id = hmIdInput(params.targetId, 'targetId');
    const input: Input = { account: id.uid, path: joinPath(id.path) };
    if (typeof params.commentId === 'string' && params.commentId !== '') {
      input.commentId = params.commentId;
    }
    return input;
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, input) {
    const list = await ctx.store.read<CommentList>({
      op: 'api.ListDiscussions',
      handler: 'index.listComments',
      args: { account: input.account, path: input.path },
      signal: ctx.signal,
    });
    const { comments, authors } = wireCommentList(list);
    return {
      discussions: commentGroups(comments, input.commentId),
      authors,
      citingDiscussions: [],
    };
  },
};
