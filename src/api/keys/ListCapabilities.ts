import type { CapabilityRow, ListCapabilitiesArgs } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { documentParam } from '../wire-ids.ts';
import { readIndex } from './read-index.ts';

type WireCapability = {
  id: string;
  issuer: string;
  delegate: string;
  account: string;
  path: string;
  role: string;
  label?: string;
  createTime: string;
};

/** `ListCapabilities`: valid grants covering a document (`targetId=<hm://…>`, compact). */
export const ListCapabilitiesKey: ApiKey<ListCapabilitiesArgs, { capabilities: WireCapability[] }> =
  {
    key: 'ListCapabilities',
    method: 'GET',
    params: { targetId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
    toInput: (params) => documentParam(params.targetId, 'targetId'),
    cacheable: true,
    renderInPool: true,
    async run(ctx, args) {
      const { capabilities } = await readIndex<{ capabilities: CapabilityRow[] }>(
        ctx,
        'ListCapabilities',
        'index.listCapabilities',
        args,
      );
      return { capabilities: capabilities.filter((c) => c.valid).map(wireCapability) };
    },
  };

function wireCapability(row: CapabilityRow): WireCapability {
  const out: WireCapability = {
    id: row.cid,
    issuer: row.issuer,
    delegate: row.delegate,
    account: row.account,
    path: row.path,
    role: row.role,
    createTime: new Date(row.ts).toISOString(),
  };
  if (row.label) out.label = row.label;
  return out;
}
