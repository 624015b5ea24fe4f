import type { AccountRow, DocumentHead, QueryArgs } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { asObject } from '../query-params.ts';
import { accountEntry, type DocumentInfo } from '../wire-documents.ts';
import type { WireHmId } from '../wire-ids.ts';
import { queryArgs, runQuery } from './Query.ts';

type Output = {
  queryTargetName: string;
  in: WireHmId;
  results: DocumentInfo[];
  mode: 'Children' | 'AllDescendants';
  interactionSummaries: Record<string, { comments: number; children: number }>;
  accountsMetadata: Record<string, ReturnType<typeof accountEntry>>;
};

/**
 * `QueryBlock`: a query block as a document renders it — the `Query` listing, the name of the
 * document it lists under, each result's comment and child counts (by its `hm://` ID), and the
 * metadata of every result's authors, so the block renders from one answer.
 */
export const QueryBlockKey: ApiKey<QueryArgs, Output> = {
  key: 'QueryBlock',
  method: 'GET',
  params: { query: 'json' },
  toInput: (params) => {
    const q = asObject(params.query, 'query');
    return queryArgs({ includes: q.includes, sort: q.sort, limit: q.limit });
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const [{ out, documents }, head] = await Promise.all([
      runQuery(ctx, args, 'api.QueryBlock'),
      ctx.store.read<DocumentHead | null>({
        op: 'api.QueryBlock',
        handler: 'index.documentHead',
        args: { account: args.account, path: args.path },
        signal: ctx.signal,
      }),
    ]);
    const authorIds = [...new Set(documents.flatMap((d) => d.authors))];
    const { accounts } = await ctx.store.read<{ accounts: Record<string, AccountRow | null> }>({
      op: 'api.QueryBlock',
      handler: 'index.accounts',
      args: { ids: authorIds },
      signal: ctx.signal,
    });
    const interactionSummaries: Output['interactionSummaries'] = {};
    for (const r of out.results) {
      interactionSummaries[r.id.id] = {
        comments: r.activitySummary.commentCount,
        children: r.activitySummary.childrenCount,
      };
    }
    const accountsMetadata: Output['accountsMetadata'] = {};
    for (const [uid, row] of Object.entries(accounts)) {
      if (row) accountsMetadata[uid] = accountEntry(row);
    }
    const name = head && !head.tombstone ? head.metadata.name : undefined;
    return {
      queryTargetName: typeof name === 'string' ? name : '',
      ...out,
      interactionSummaries,
      accountsMetadata,
    };
  },
};
