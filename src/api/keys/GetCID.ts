import { CODEC, parseCid } from '../../blob/cid.ts';
import { decodeDagCbor } from '../../blob/dag-cbor.ts';
import type { GetCidResult } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { requiredString } from '../query-params.ts';

/**
 * `GetCID`: a stored blob by CID. DAG-CBOR blobs answer their decoded value (bytes stay bytes
 * through superjson); other codecs answer the raw bytes. Unknown CIDs answer `{}` (no `value`).
 */
export const GetCIDKey: ApiKey<{ cid: string }, { value?: unknown }> = {
  key: 'GetCID',
  method: 'GET',
  params: { cid: 'string' },
  toInput: (params) => {
    const cid = requiredString(params, 'cid');
    parseCid(cid, 'cid');
    return { cid };
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, { cid }) {
    const row = await ctx.store.read<GetCidResult>({
      op: 'api.GetCID',
      handler: 'index.getCid',
      args: { cid },
      signal: ctx.signal,
    });
    if (!row) return {};
    const data = new Uint8Array(row.data);
    if (row.codec !== CODEC.dagCbor) return { value: data };
    return { value: plainValue(decodeDagCbor(data)) };
  },
};

/** CID objects (links) become their string form: superjson has no CID type. */
function plainValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(plainValue);
  if (value && typeof value === 'object') {
    const asCid = (value as { asCID?: unknown }).asCID;
    if (asCid === value) return { '/': String(value) };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}
