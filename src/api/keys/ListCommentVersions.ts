import { NotFoundError } from '../../errors.ts';
import type { CommentRow } from '../../index/read-types.ts';
import { wireComment } from '../wire-comments.ts';
import { commentKey } from './read-index.ts';

/**
 * `ListCommentVersions`: a comment's edit history (`id` = `<authority uid>/<tsid>`), newest first.
 * Deletions are not versions; a comment with no version left to show is 404, as in Seed.
 */
export const ListCommentVersionsKey = commentKey({
  key: 'ListCommentVersions',
  handler: 'index.commentVersions',
  render: (rows: CommentRow[], id) => {
    if (rows.length === 0) throw new NotFoundError(`no comment ${id}, or it was deleted`);
    return { versions: rows.map(wireComment) };
  },
});
