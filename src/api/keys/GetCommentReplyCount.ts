import { InvalidInputError } from '../../errors.ts';
import type { ApiKey } from '../api-key.ts';

/** `GetCommentReplyCount`: live direct replies to a comment (`id` = `<authority uid>/<tsid>`), any version. */
export const GetCommentReplyCountKey: ApiKey<{ id: string }, number> = {
  key: 'GetCommentReplyCount',
  method: 'GET',
  params: { id: 'string' },
  toInput: (params) => {
    const id = params.id;
    if (typeof id !== 'string' || !/^z[1-9A-HJ-NP-Za-km-z]+\/[^/]+$/.test(id)) {
      throw new InvalidInputError('must be a comment ID "<authority uid>/<tsid>"', { field: 'id' });
    }
    return { id };
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const out = await ctx.store.read<{ count: number }>({
      op: 'api.GetCommentReplyCount',
      handler: 'index.commentReplyCount',
      args,
      signal: ctx.signal,
    });
    return out.count;
  },
};
