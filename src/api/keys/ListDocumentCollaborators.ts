import type { AccountRow, CapabilityRow, DocumentCollaborators } from '../../index/read-types.ts';
import { accountEntry } from '../wire-documents.ts';
import { documentId, type WireHmId } from '../wire-ids.ts';
import { documentKey } from './read-index.ts';

type WireGrant = {
  id: string;
  accountUid: string;
  role: 'writer';
  grantId: WireHmId;
  label?: string;
  createTime: string;
};
type WireMember = { account: WireHmId; role: 'writer' | 'member' };

type Collaborators = {
  publisherUid: string;
  parentCapabilities: WireGrant[];
  grantedCapabilities: WireGrant[];
  grantedMembers: WireMember[];
  members: WireMember[];
  accounts: Record<string, ReturnType<typeof accountEntry>>;
};

/**
 * `ListDocumentCollaborators`: who may write a document, as Seed's sharing dialog shows it.
 * - `parentCapabilities`: writer grants made on an ancestor path; `grantedCapabilities`: on the
 *   document's own path. Oldest grant first; an account appears once, in the first list it fits.
 * - `grantedMembers`: each writer once; `members`: at the site's home, the accounts subscribed to
 *   the site (by a contact with `subscribe.site`) that are not writers already.
 * - `publisherUid`: the space. The space owner holds no grant, so it is in no list.
 */
export const ListDocumentCollaboratorsKey = documentKey({
  key: 'ListDocumentCollaborators',
  handler: 'index.documentCollaborators',
  render: (out: DocumentCollaborators, t) => collaborators(t.account, t.path, out),
});

function collaborators(space: string, path: string, out: DocumentCollaborators): Collaborators {
  const listed = new Set<string>();
  const once = (grants: CapabilityRow[]) =>
    grants.filter((g) => !listed.has(g.delegate) && listed.add(g.delegate)).map(wireGrant);
  const parentCapabilities = once(out.grants.filter((g) => g.path !== path));
  const grantedCapabilities = once(out.grants.filter((g) => g.path === path));
  const grantedMembers = [...parentCapabilities, ...grantedCapabilities].map(
    (g): WireMember => ({ account: documentId(g.accountUid, null), role: 'writer' }),
  );
  const members: WireMember[] = [];
  for (const c of out.subscribers) {
    if (listed.has(c.account) || c.account === space) continue;
    listed.add(c.account);
    members.push({ account: documentId(c.account, null), role: 'member' });
  }
  const accounts: Collaborators['accounts'] = {};
  for (const [uid, row] of Object.entries(out.accounts))
    accounts[uid] = accountEntry(row ?? unknownAccount(uid));
  return {
    publisherUid: space,
    parentCapabilities,
    grantedCapabilities,
    grantedMembers,
    members,
    accounts,
  };
}

function wireGrant(row: CapabilityRow): WireGrant {
  const out: WireGrant = {
    id: row.cid,
    accountUid: row.delegate,
    role: 'writer',
    grantId: documentId(row.account, row.path),
    createTime: new Date(row.ts).toISOString(),
  };
  if (row.label) out.label = row.label;
  return out;
}

function unknownAccount(uid: string): AccountRow {
  return { id: uid, home: null, profile: null, metadata: null };
}
