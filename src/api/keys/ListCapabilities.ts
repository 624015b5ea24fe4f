import type { CapabilityRow } from '../../index/read-types.ts';
import { documentKey } from './read-index.ts';

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
export const ListCapabilitiesKey = documentKey({
  key: 'ListCapabilities',
  handler: 'index.listCapabilities',
  render: ({ capabilities }: { capabilities: CapabilityRow[] }) => ({
    capabilities: capabilities.filter((c) => c.valid).map(wireCapability),
  }),
});

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
