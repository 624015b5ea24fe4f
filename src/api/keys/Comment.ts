import { InvalidInputError, NotFoundError } from '../../errors.ts';
import type { CommentRow } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireComment, wireComment } from '../wire-comments.ts';
import { readIndex } from './read-index.ts';

/** `Comment`: one comment by `__value=<authority uid>/<tsid>` (a version CID works too). */
export const CommentKey: ApiKey<string, WireComment> = {
  key: 'Comment',
  method: 'GET',
  params: { __value: 'string', id: 'string' },
  toInput: (params) => {
    const id = params.__value ?? params.id;
    if (typeof id !== 'string' || id === '')
      throw new InvalidInputError('is required', { field: '__value' });
    return id;
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, id) {
    const args = id.includes('/') ? { id } : { cid: id };
    const row = await readIndex<CommentRow | null>(ctx, 'Comment', 'index.getComment', args);
    if (!row) throw new NotFoundError(`no comment ${id}`);
    return wireComment(row);
  },
};
