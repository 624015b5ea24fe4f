import type { CommentList } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { hmIdInput } from '../wire-ids.ts';
import { readIndex } from './read-index.ts';

/**
 * `ListCommentsByAuthor`: an account's live comments, newest first, with the author's metadata.
 * `authorId` is an UnpackedHypermediaId (JSON by schema); packed `hm://…` text is accepted too.
 */
export const ListCommentsByAuthorKey: ApiKey<{ author: string }, WireCommentList> = {
  key: 'ListCommentsByAuthor',
  method: 'GET',
  params: { authorId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
  toInput: (params) => ({ author: hmIdInput(params.authorId, 'authorId').uid }),
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const list = await readIndex<CommentList>(
      ctx,
      'ListCommentsByAuthor',
      'index.listCommentsByAuthor',
      args,
    );
    return wireCommentList(list);
  },
};
