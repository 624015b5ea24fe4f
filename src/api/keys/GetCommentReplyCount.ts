import { commentKey } from './read-index.ts';

/** `GetCommentReplyCount`: live direct replies to a comment (`id` = `<authority uid>/<tsid>`), any version. */
export const GetCommentReplyCountKey = commentKey({
  key: 'GetCommentReplyCount',
  handler: 'index.commentReplyCount',
  render: (out: { count: number }) => out.count,
});
