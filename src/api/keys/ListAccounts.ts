import type { AccountRow } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { accountEntry } from '../wire-documents.ts';

/** `ListAccounts`: every account with a live home document or a profile, from index rows only. */
export const ListAccountsKey: ApiKey<
  Record<string, never>,
  { accounts: ReturnType<typeof accountEntry>[] }
> = {
  key: 'ListAccounts',
  method: 'GET',
  params: {},
  cacheable: true,
  renderInPool: true,
  async run(ctx) {
    const { accounts } = await ctx.store.read<{ accounts: AccountRow[] }>({
      op: 'api.ListAccounts',
      handler: 'index.listAccounts',
      args: {},
      signal: ctx.signal,
    });
    return { accounts: accounts.map(accountEntry) };
  },
};
