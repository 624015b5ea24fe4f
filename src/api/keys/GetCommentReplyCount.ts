import type { ApiKey } from '../api-key.ts';

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
    const out = await ctx.store.read<{ count: number }>({
      op: 'api.GetCommentReplyCount',
      handler: 'index.commentReplyCount',
      args,
      signal: ctx.signal,
    });
    return out.count;
  },
};
