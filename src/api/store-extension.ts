import type { DatabaseSync } from 'node:sqlite';
import { InvalidInputError } from '../errors.ts';
import { readHandlers as indexReadHandlers } from '../index/store-extension.ts';
import type { HandlerContext, ReadHandler, StoreExtension } from '../store/extension.ts';
import type { ApiKey, ApiStore, KeyContext } from './api-key.ts';
import { ALL_KEYS } from './keys/all-keys.ts';
import { toSuperjsonText } from './superjson-text.ts';

/**
 * Store extension of the API: `api.render` runs a whole read key on a reader-pool thread — its
 * index reads (called in-thread, no second hop), the mapping to wire shapes and the superjson
 * serialization — and returns the response body as a string. The main thread then only parses
 * parameters, checks the ETag and sends text: a 1,000-document listing costs it no CPU
 * (DESIGN §4 "reads never block the event loop").
 *
 * Each index read inside is its own statement run to completion, as for any reader task.
 */

const POOL_KEYS = new Map<string, ApiKey>(
  ALL_KEYS.filter((k) => k.renderInPool).map((k) => [k.key, k]),
);

/** Keys whose answer can be a point lookup: rendered on the main thread's connection instead. */
const POINT_KEYS = new Map<string, ApiKey>(
  ALL_KEYS.filter((k) => k.pointLookup !== undefined && k.pointLookup !== false).map((k) => [
    k.key,
    k,
  ]),
);

function renderWith(keys: Map<string, ApiKey>) {
  return async (db: DatabaseSync, args: unknown, ctx: HandlerContext): Promise<string> => {
    const { key, input } = (args ?? {}) as { key?: unknown; input?: unknown };
    const apiKey = typeof key === 'string' ? keys.get(key) : undefined;
    if (!apiKey) throw new InvalidInputError('no key rendered here by this name', { field: 'key' });
    const output = await apiKey.run(poolContext(db, ctx), input);
    return toSuperjsonText(output);
  };
}

/** What a key sees in the pool: reads go straight to the index handlers on this connection. */
function poolContext(db: DatabaseSync, ctx: HandlerContext): KeyContext {
  const store: ApiStore = {
    read: async <T>(req: { handler: string; args: unknown }) => {
      const handler = (indexReadHandlers as Record<string, ReadHandler>)[req.handler];
      if (!handler)
        throw new InvalidInputError(`not an index read: ${req.handler}`, { field: 'handler' });
      return (await handler(db, req.args, ctx)) as T;
    },
    write: () => Promise.reject(new Error('keys rendered in the pool do not write')),
    generation: { get: () => ctx.generation },
  };
  return {
    store,
    loadResource: () => Promise.reject(new Error('keys rendered in the pool do not replay')),
    log: () => {},
    signal: new AbortController().signal,
  };
}

export const readHandlers: StoreExtension['readHandlers'] = {
  'api.render': renderWith(POOL_KEYS),
  'api.renderPoint': renderWith(POINT_KEYS),
};

/** `api.renderPoint` renders only `pointLookup` keys (one row, one bounded page): main-thread safe. */
export const pointLookups = ['api.renderPoint'];
