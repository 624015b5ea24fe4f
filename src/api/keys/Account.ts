import { InvalidInputError } from '../../errors.ts';
import type { AccountRow } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { accountEntry } from '../wire-documents.ts';
import type { WireHmId } from '../wire-ids.ts';
import type { WireMetadata } from '../wire-metadata.ts';

type Output =
  | { type: 'account'; id: WireHmId; metadata: WireMetadata | null; hasSite?: boolean }
  | { type: 'account-not-found'; uid: string };

/**
 * `Account`: `id=<uid>` (compact form) or `__value=<uid>` (the schema's string input). Strict on
 * the client side: exactly `{type, id, metadata, hasSite?}` or `{type, uid}`.
 */
export const AccountKey: ApiKey<string, Output> = {
  key: 'Account',
  method: 'GET',
  params: { id: 'string', __value: 'string' },
  toInput: (params) => {
    const uid = params.id ?? params.__value;
    if (typeof uid !== 'string' || uid === '')
      throw new InvalidInputError('is required', { field: 'id' });
    return uid;
  },
  cacheable: true,
  renderInPool: true,
  pointLookup: true,
  async run(ctx, uid) {
    const row = await ctx.store.read<AccountRow | null>({
      op: 'api.Account',
      handler: 'index.account',
      args: { id: uid },
      signal: ctx.signal,
    });
    if (!row) return { type: 'account-not-found', uid };
    return { type: 'account', ...accountEntry(row) };
  },
};
