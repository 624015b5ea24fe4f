import { API_MAX_PAGE_SIZE } from '../../constants.ts';
import type { QueryResult } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { optionalString, pageSize } from '../query-params.ts';
import { breadcrumbsFor } from '../wire-documents.ts';
import { documentId, type WireHmId } from '../wire-ids.ts';
import { type WireMetadata, wireMetadata } from '../wire-metadata.ts';
import { readIndex } from './read-index.ts';

type Input = { query: string; account?: string; limit: number };

type Entity = {
  id: WireHmId;
  metadata: WireMetadata;
  title: string;
  icon: string;
  parentNames: string[];
  versionTime?: string;
  searchQuery: string;
  type: 'document';
};

type Output = { entities: Entity[]; searchQuery: string; nextPageToken: string };

/**
 * `Search`: documents by title (`query`, in `accountUid` or everywhere), best match first, with the
 * names of their parents for context. One page; `nextPageToken` is always empty. Bodies, comments
 * and contacts are not searched (no full-text index yet); the options for them are accepted and
 * ignored, so Seed's search box works with the titles it finds.
 */
export const SearchKey: ApiKey<Input, Output> = {
  key: 'Search',
  method: 'GET',
  params: {
    query: 'string',
    accountUid: 'string',
    includeBody: 'boolean',
    contextSize: 'number',
    perspectiveAccountUid: 'string',
    searchType: 'number',
    pageSize: 'number',
    pageToken: 'string',
    iriFilter: 'string',
    contentTypeFilter: 'json',
    entityKindFilter: 'json',
  },
  toInput: (params) => {
    const account = optionalString(params, 'accountUid');
    return {
      query: optionalString(params, 'query')?.trim() ?? '',
      ...(account ? { account } : {}),
      limit: pageSize(params, 'pageSize', 20, API_MAX_PAGE_SIZE),
    };
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, input) {
    if (input.query === '') return { entities: [], searchQuery: '', nextPageToken: '' };
    const { documents } = await readIndex<QueryResult>(
      ctx,
      'Search',
      'index.searchDocuments',
      input,
    );
    const crumbs = await breadcrumbsFor(ctx.store, documents, ctx.signal);
    const entities = documents.map((d): Entity => {
      const entity: Entity = {
        id: documentId(d.account, d.path),
        metadata: wireMetadata(d.metadata),
        title: d.name ?? '',
        icon: d.icon ?? '',
        parentNames: (crumbs.get(`${d.account}|${d.path}`) ?? []).map((c) => c.name),
        searchQuery: input.query,
        type: 'document',
      };
      if (d.updateTime !== null) entity.versionTime = new Date(d.updateTime).toISOString();
      return entity;
    });
    return { entities, searchQuery: input.query, nextPageToken: '' };
  },
};
