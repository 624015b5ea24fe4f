import { documentIri, parseHmId, pathToString } from '../../blob/hm-id.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Subscription } from '../../sync/subscriptions.ts';
import type { ApiKey } from '../api-key.ts';
import { asObject, optionalString } from '../query-params.ts';

/**
 * Seedling's own keys for background sync: the spaces or subtrees the user follows. A subscription
 * is refreshed on an interval as a background discovery (never ahead of what the app shows), and
 * `Subscribe` starts the first refresh at once.
 *
 *   POST /api/Subscribe         {id: hm://…, recursive?: none|children|subtree (default subtree)}
 *   POST /api/Unsubscribe       {id: hm://…}                 → {removed}
 *   GET  /api/ListSubscriptions                              → {subscriptions}
 */

type Target = { account: string; path: string; recursive: Subscription['recursive'] };

function checkTarget(body: unknown): Target {
  const o = asObject(body, 'body');
  const id = optionalString(o, 'id');
  if (!id) throw new InvalidInputError('is required (an hm:// ID)', { field: 'id' });
  const parsed = parseHmId(id, 'id');
  const recursive = o.recursive ?? 'subtree';
  if (recursive !== 'none' && recursive !== 'children' && recursive !== 'subtree') {
    throw new InvalidInputError('must be none, children or subtree', { field: 'recursive' });
  }
  return { account: parsed.uid, path: pathToString(parsed.path), recursive };
}

export const SubscribeKey: ApiKey<Target, Subscription> = {
  key: 'Subscribe',
  method: 'POST',
  ownKey: true,
  cacheable: false,
  checkBody: checkTarget,
  async run(ctx, target) {
    const sub = await ctx.store.write<Subscription>({
      op: 'api.Subscribe',
      class: 'interactive',
      handler: 'sync.subscribe',
      payload: target,
    });
    ctx.discovery?.discover({
      iri: documentIri(sub.account, sub.path),
      recursive: sub.recursive,
      hot: false,
    });
    return sub;
  },
};

export const UnsubscribeKey: ApiKey<Target, { removed: boolean }> = {
  key: 'Unsubscribe',
  method: 'POST',
  ownKey: true,
  cacheable: false,
  checkBody: checkTarget,
  async run(ctx, target) {
    const removed = await ctx.store.write<boolean>({
      op: 'api.Unsubscribe',
      class: 'interactive',
      handler: 'sync.unsubscribe',
      payload: target,
    });
    return { removed };
  },
};

export const ListSubscriptionsKey: ApiKey<
  Record<string, never>,
  { subscriptions: Subscription[] }
> = {
  key: 'ListSubscriptions',
  method: 'GET',
  ownKey: true,
  params: {},
  cacheable: true,
  async run(ctx) {
    const subscriptions = await ctx.store.read<Subscription[]>({
      op: 'api.ListSubscriptions',
      handler: 'sync.listSubscriptions',
      args: {},
      signal: ctx.signal,
    });
    return { subscriptions };
  },
};
