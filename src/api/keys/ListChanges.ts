import type { ChangeList, ListChangesArgs } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { hmIdInput, joinPath } from '../wire-ids.ts';

type Output = {
  changes: { id: string; author: string; deps: string[]; createTime: string }[];
  latestVersion?: string;
};

/**
 * `ListChanges`: the WHOLE change DAG of a document (clients find the genesis and heads in it and
 * compute the next depth), from index rows: no blob is decoded. `targetId=<hm://…>` (compact).
 */
export const ListChangesKey: ApiKey<ListChangesArgs, Output> = {
  key: 'ListChanges',
  method: 'GET',
  params: { targetId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
  toInput: (params) => {
    const id = hmIdInput(params.targetId, 'targetId');
    const args: ListChangesArgs = { account: id.uid, path: joinPath(id.path) };
    if (id.version) args.version = id.version;
    return args;
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const list = await ctx.store.read<ChangeList | null>({
      op: 'api.ListChanges',
      handler: 'index.listChanges',
      args,
      signal: ctx.signal,
    });
    if (!list) return { changes: [] };
    return {
      changes: list.changes.map((c) => ({
        id: c.cid,
        author: c.author,
        deps: c.deps,
        createTime: new Date(c.ts).toISOString(),
      })),
      latestVersion: list.version,
    };
  },
};
