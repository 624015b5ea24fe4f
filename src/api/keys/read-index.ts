import type { ApiKey, KeyContext } from '../api-key.ts';
import { type DocumentTarget, documentParam } from '../wire-ids.ts';

/** Runs one index read handler for key `key` (tracked as `api.<key>`), on the request's signal. */
export function readIndex<T>(
  ctx: KeyContext,
  key: string,
  handler: string,
  args: unknown,
): Promise<T> {
  return ctx.store.read<T>({ op: `api.${key}`, handler, args, signal: ctx.signal });
}

/**
 * A GET key about one document (`field`: packed `hm://…` text or the object's JSON) answered from
 * one index read handler, run whole in the pool: `render` maps the handler's rows to the answer.
 */
export function documentKey<Rows, Out>(spec: {
  key: string;
  handler: string;
  field?: 'targetId' | 'id';
  render: (rows: Rows, target: DocumentTarget) => Out;
}): ApiKey<DocumentTarget, Out> {
  const field = spec.field ?? 'targetId';
  return {
    key: spec.key,
    method: 'GET',
    params: { [field]: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
    toInput: (params) => documentParam(params[field], field),
    cacheable: true,
    renderInPool: true,
    async run(ctx, target) {
      return spec.render(await readIndex<Rows>(ctx, spec.key, spec.handler, target), target);
    },
  };
}

/**
 * A GET key about one comment (`id` = `<authority uid>/<tsid>`; the index checks its form and
 * names the field), answered from one index read handler, run whole in the pool.
 */
export function commentKey<Rows, Out>(spec: {
  key: string;
  handler: string;
  render: (rows: Rows, id: string) => Out;
}): ApiKey<{ id: string }, Out> {
  return {
    key: spec.key,
    method: 'GET',
    params: { id: 'string' },
    toInput: (params) => ({ id: params.id as string }),
    cacheable: true,
    renderInPool: true,
    async run(ctx, args) {
      return spec.render(await readIndex<Rows>(ctx, spec.key, spec.handler, args), args.id);
    },
  };
}
