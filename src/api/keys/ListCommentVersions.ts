import { NotFoundError } from '../../errors.ts';
import type { CommentRow } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireComment, wireComment } from '../wire-comments.ts';
import { readIndex } from './read-index.ts';

/**
 * `ListCommentVersions`: a comment's edit history (`id` = `<authority uid>/<tsid>`), newest first.
 * Deletions are not versions; a comment with no version left to show is 404, as in Seed.
 */
export const ListCommentVersionsKey: ApiKey<{ id: string }, { versions: WireComment[] }> = {
  key: 'ListCommentVersions',
  method: 'GET',
  params: { id: 'string' },
  // The index checks the ID's form (commentIdArg) and names the field.
  toInput: (params) => ({ id: params.id as string }),
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const rows = await readIndex<CommentRow[]>(
      ctx,
      'ListCommentVersions',
      'index.commentVersions',
      args,
    );
    if (rows.length === 0) throw new NotFoundError(`no comment ${args.id}, or it was deleted`);
    return { versions: rows.map(wireComment) };
  },
};
