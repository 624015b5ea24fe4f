import type { UnpackedHmId } from '../../blob/hm-id.ts';
import type { DocumentHead } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { HM_ID_PARAMS, hmIdFromParams, joinPath, toWire, type WireHmId } from '../wire-ids.ts';
import { type WireMetadata, wireMetadata } from '../wire-metadata.ts';

type Output = { id: WireHmId; metadata: WireMetadata | null; hasSite?: boolean };

/**
 * `ResourceMetadata`: a document's metadata from its index row alone (no replay, no counts: the
 * app asks this once per card). Unknown and tombstoned documents answer `metadata: null`.
 */
export const ResourceMetadataKey: ApiKey<UnpackedHmId, Output> = {
  key: 'ResourceMetadata',
  method: 'GET',
  params: HM_ID_PARAMS,
  toInput: (params) => hmIdFromParams(params),
  cacheable: true,
  renderInPool: true,
  pointLookup: true,
  async run(ctx, id) {
    const row = await ctx.store.read<DocumentHead | null>({
      op: 'api.ResourceMetadata',
      handler: 'index.documentHead',
      args: { account: id.uid, path: joinPath(id.path) },
      signal: ctx.signal,
    });
    const live = row && !row.tombstone && !row.redirect;
    const out: Output = { id: toWire(id), metadata: live ? wireMetadata(row.metadata) : null };
    if (live && typeof out.metadata?.siteUrl === 'string' && out.metadata.siteUrl)
      out.hasSite = true;
    return out;
  },
};
