import type { ApiKey } from '../api-key.ts';
import { readIndex } from './read-index.ts';

/** `GetCommentReplyCount`: live direct replies to a comment (`id` = `<authority uid>/<tsid>`), any version. */
export const GetCommentReplyCountKey: ApiKey<{ id: string }, number> = {
  key: 'GetCommentReplyCount',
  method: 'GET',
  params: { id: 'string' },
  // The index checks the ID's form (commentIdArg) and names the field.
  toInput: (params) => ({ id: params.id as string }),
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const out = await readIndex<{ count: number }>(
      ctx,
      'GetCommentReplyCount',
      'index.commentReplyCount',
      args,
    );
    return out.count;
  },
};
