import type { CommentList } from '../../index/read-types.ts';
import { wireCommentList } from '../wire-comments.ts';
import { documentKey } from './read-index.ts';

/**
 * `ListComments`: live comments on a document with their authors' metadata, so a discussion renders
 * from one answer. `targetId` is JSON by schema; packed `hm://…` text is accepted too.
 */
export const ListCommentsKey = documentKey({
  key: 'ListComments',
  handler: 'index.listComments',
  render: (list: CommentList) => wireCommentList(list),
});
