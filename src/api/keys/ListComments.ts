import type { CommentList } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { hmIdInput, joinPath } from '../wire-ids.ts';

type Input = { account: string; path: string };

/**
 * `ListComments`: live comments on a document with their authors' metadata, so a discussion renders
 * from one answer. `targetId` is JSON by schema; packed `hm://…` text is accepted too.
 */
export const ListCommentsKey: ApiKey<Input, WireCommentList> = {
  key: 'ListComments',
  method: 'GET',
  params: { targetId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
  toInput: (params) => {
    const id = hmIdInput(params.targetId, 'targetId');
    return { account: id.uid, path: joinPath(id.path) };
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const list = await ctx.store.read<CommentList>({
      op: 'api.ListComments',
      handler: 'index.listComments',
      args,
      signal: ctx.signal,
    });
    return wireCommentList(list);
  },
};
