import { API_MAX_PAGE_SIZE } from '../../constants.ts';
import { InvalidInputError } from '../../errors.ts';
import {
  type DocumentRow,
  QUERY_SORT_TERMS,
  type QueryArgs,
  type QueryResult,
  type QuerySortTerm,
} from '../../index/read-types.ts';
import type { ApiKey, KeyContext } from '../api-key.ts';
import { asObject, pageSize } from '../query-params.ts';
import { breadcrumbsFor, type DocumentInfo, documentInfo } from '../wire-documents.ts';
import { documentId, type WireHmId } from '../wire-ids.ts';

type Output = { in: WireHmId; results: DocumentInfo[]; mode: 'Children' | 'AllDescendants' } | null;

/**
 * `Query`: documents below a path (direct children or all descendants), sorted, from the index's
 * document rows in the reader pool. Seed's client sends one `includes` entry; we serve the first.
 */
export const QueryKey: ApiKey<QueryArgs, Output> = {
  key: 'Query',
  method: 'GET',
  params: { includes: 'json', sort: 'json', limit: 'number' },
  toInput: queryArgs,
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const { out } = await runQuery(ctx, args, 'api.Query');
    return out;
  },
};

/** The listing both `Query` and `QueryBlock` answer, and the rows it came from. */
export async function runQuery(
  ctx: KeyContext,
  args: QueryArgs,
  op: string,
): Promise<{ out: NonNullable<Output>; documents: DocumentRow[] }> {
  const { documents } = await ctx.store.read<QueryResult>({
    op,
    handler: 'index.query',
    args,
    signal: ctx.signal,
  });
  const crumbs = await breadcrumbsFor(ctx.store, documents, ctx.signal);
  return {
    documents,
    out: {
      in: documentId(args.account, args.path),
      results: documents.map((d) => documentInfo(d, crumbs.get(`${d.account}|${d.path}`) ?? [])),
      mode: args.mode,
    },
  };
}

/** `{includes: [{space, path?, mode}], sort?, limit?}` (Seed's query object) → index query args. */
export function queryArgs(params: Record<string, unknown>): QueryArgs {
  const includes = params.includes;
  if (!Array.isArray(includes) || includes.length === 0) {
    throw new InvalidInputError('needs one {space, path?, mode}', { field: 'includes' });
  }
  const first = asObject(includes[0], 'includes[0]');
  if (typeof first.space !== 'string' || first.space === '') {
    throw new InvalidInputError('must be an account ID', { field: 'includes[0].space' });
  }
  if (first.mode !== 'Children' && first.mode !== 'AllDescendants') {
    throw new InvalidInputError('must be "Children" or "AllDescendants"', {
      field: 'includes[0].mode',
    });
  }
  const path = first.path === undefined || first.path === null ? '' : first.path;
  if (typeof path !== 'string')
    throw new InvalidInputError('must be a string', { field: 'includes[0].path' });
  return {
    account: first.space,
    path: normalizePath(path),
    mode: first.mode,
    sort: sortTerms(params.sort),
    limit: pageSize(params, 'limit', API_MAX_PAGE_SIZE, API_MAX_PAGE_SIZE),
  };
}

/** Seed sends `''`, `/a` or `a` for the same place; the index wants `''` or `/a`. */
function normalizePath(path: string): string {
  const segments = path.split('/').filter((s) => s.length > 0);
  return segments.length > 0 ? `/${segments.join('/')}` : '';
}

function sortTerms(sort: unknown): QueryArgs['sort'] {
  if (sort === undefined || sort === null) return undefined;
  if (!Array.isArray(sort)) throw new InvalidInputError('must be an array', { field: 'sort' });
  return sort.map((item, i) => {
    const s = asObject(item, `sort[${i}]`);
    if (!QUERY_SORT_TERMS.includes(s.term as QuerySortTerm)) {
      throw new InvalidInputError(`must be one of ${QUERY_SORT_TERMS.join(', ')}`, {
        field: `sort[${i}].term`,
      });
    }
    return { term: s.term as QuerySortTerm, reverse: s.reverse === true };
  });
}
