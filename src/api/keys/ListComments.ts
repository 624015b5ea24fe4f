import type { CommentList } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { documentParam } from '../wire-ids.ts';
import { readIndex } from './read-index.ts';

type Input = { account: string; path: string };

/**
 * `ListComments`: live comments on a document with their authors' metadata, so a discussion renders
 * from one answer. `targetId` is JSON by schema; packed `hm://…` text is accepted too.
 */
export const ListCommentsKey: ApiKey<Input, WireCommentList> = {
  key: 'ListComments',
  method: 'GET',
  params: { targetId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
  toInput: (params) => documentParam(params.targetId, 'targetId'),
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const list = await readIndex<CommentList>(ctx, 'ListComments', 'index.listComments', args);
    return wireCommentList(list);
  },
};
