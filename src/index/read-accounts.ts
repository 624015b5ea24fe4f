import type { DatabaseSync } from 'node:sqlite';
import { parseCid } from '../blob/cid.ts';
import { InvalidInputError } from '../errors.ts';
import { getBlobByMultihash } from '../store/blobs-table.ts';
import { isAuthorized } from './authorization.ts';
import { accountArg, argsObject, pathArg, stringArg } from './read-args.ts';
import { loadDocument } from './read-documents.ts';
import type {
  AccountRow,
  CapabilityRow,
  ContactRow,
  DocumentCollaborators,
  DocumentMetadata,
  GetCidResult,
  ProfileRow,
} from './read-types.ts';
import { parseJson, pathCovers, stmt } from './statements.ts';

/** Reader: accounts, profiles, contacts, capabilities and raw blobs. */

export function loadProfile(db: DatabaseSync, account: string): ProfileRow | null {
  const row = stmt(
    db,
    'SELECT account, cid, signer, name, avatar, description, alias, ts FROM profiles WHERE account = ?',
  ).get(account) as ProfileRow | undefined;
  return row ? { ...row } : null;
}

/** AccountRow of `account`, or null when neither a live home document nor a profile is known. */
export function loadAccount(db: DatabaseSync, account: string): AccountRow | null {
  const doc = loadDocument(db, account, '');
  const home = doc && !doc.tombstone ? doc : null;
  const profile = loadProfile(db, account);
  if (!home && !profile) return null;
  let metadata: DocumentMetadata | null = home ? { ...home.metadata } : null;
  if (profile) {
    // A Profile is the newer way to name an account: its fields win over the home document's.
    metadata ??= {};
    if (profile.name !== null) metadata.name = profile.name;
    if (profile.avatar !== null) metadata.icon = profile.avatar;
    if (profile.description !== null) metadata.summary = profile.description;
  }
  return { id: account, home, profile, metadata };
}

/** `index.account` {id} → AccountRow | null. */
export function account(db: DatabaseSync, args: unknown): AccountRow | null {
  return loadAccount(db, accountArg(argsObject(args).id, 'id'));
}

/** Most accounts one `index.accounts` call looks up. */
export const MAX_ACCOUNTS_PER_READ = 1_000;

/** `index.accounts` {ids} → {accounts}: each account by ID (null when nothing is known of it). */
export function accounts(
  db: DatabaseSync,
  args: unknown,
): { accounts: Record<string, AccountRow | null> } {
  const ids = argsObject(args).ids;
  if (!Array.isArray(ids) || ids.length > MAX_ACCOUNTS_PER_READ) {
    throw new InvalidInputError(
      `must be an array of at most ${MAX_ACCOUNTS_PER_READ} account IDs`,
      {
        field: 'ids',
      },
    );
  }
  const out: Record<string, AccountRow | null> = {};
  ids.forEach((raw, i) => {
    const id = accountArg(raw, `ids[${i}]`);
    if (!(id in out)) out[id] = loadAccount(db, id);
  });
  return { accounts: out };
}

/** `index.listAccounts` {} → {accounts}: accounts with a live home document or a profile, by id. */
export function listAccounts(db: DatabaseSync): { accounts: AccountRow[] } {
  const ids = stmt(
    db,
    `SELECT account FROM documents WHERE path = '' AND tombstone = 0
     UNION SELECT account FROM profiles ORDER BY 1`,
  ).all() as { account: string }[];
  const accounts: AccountRow[] = [];
  for (const { account: id } of ids) {
    const row = loadAccount(db, id);
    if (row) accounts.push(row);
  }
  return { accounts };
}

type CapDbRow = {
  cid: string;
  issuer: string;
  delegate: string;
  account: string;
  path: string;
  role: string;
  label: string | null;
  audience: string | null;
  ts: number;
};

/**
 * `index.listCapabilities` {account, path} → {capabilities}: grants in `account` whose path covers
 * `path` or lies below it, oldest first, each flagged `valid` (issuer is the owner or holds a
 * valid grant itself).
 */
export function listCapabilities(
  db: DatabaseSync,
  args: unknown,
): { capabilities: CapabilityRow[] } {
  const a = argsObject(args);
  const space = accountArg(a.account);
  const path = pathArg(a.path);
  const rows = stmt(
    db,
    `SELECT cid, issuer, delegate, account, path, role, label, audience, ts FROM capabilities
     WHERE account = ? ORDER BY ts, cid`,
  ).all(space) as CapDbRow[];
  const capabilities = rows
    .filter((r) => pathCovers(r.path, path) || pathCovers(path, r.path))
    .map((r) => ({ ...r, valid: isAuthorized(db, space, r.path, r.issuer) }));
  return { capabilities };
}

/**
 * `index.documentCollaborators` {account, path} → DocumentCollaborators: the valid WRITER grants
 * covering the document (its own path or an ancestor; agents are not collaborators), the site's
 * subscribers when the document is the home, and the accounts both name.
 */
export function documentCollaborators(db: DatabaseSync, args: unknown): DocumentCollaborators {
  const a = argsObject(args);
  const space = accountArg(a.account);
  const path = pathArg(a.path);
  const grants = listCapabilities(db, { account: space, path }).capabilities.filter(
    (c) => c.valid && pathCovers(c.path, path) && c.role.toUpperCase() === 'WRITER',
  );
  const subscribers =
    path === ''
      ? listContacts(db, { subject: space }).contacts.filter((c) => c.subscribe?.site === true)
      : [];
  const accounts: Record<string, AccountRow | null> = {};
  for (const uid of [space, ...grants.map((g) => g.delegate), ...subscribers.map((c) => c.account)])
    if (!(uid in accounts)) accounts[uid] = loadAccount(db, uid);
  return { grants, subscribers, accounts };
}

/**
 * `index.siteAccount` {domain} → {account} | null: the account whose home document names a
 * `siteUrl` on that host (`example.com`, or `example.com:8443` with its port), the first by ID.
 * A node that never checked the domain still knows whose site it is from the content it holds.
 */
export function siteAccount(db: DatabaseSync, args: unknown): { account: string } | null {
  const domain = stringArg(argsObject(args).domain, 'domain', 260).toLowerCase();
  return siteHosts(db).find((s) => s.host === domain || s.hostname === domain) ?? null;
}

/**
 * `index.siteHosts` {} → [{account, host, hostname}]: every live home document's `siteUrl` host
 * (with its port, and without), by account. The domain checker checks those it has not yet.
 */
export function siteHosts(db: DatabaseSync): { account: string; host: string; hostname: string }[] {
  const rows = stmt(
    db,
    `SELECT account, json_extract(metadata, '$.siteUrl') AS url FROM documents
     WHERE path = '' AND tombstone = 0 AND json_extract(metadata, '$.siteUrl') IS NOT NULL
     ORDER BY account`,
  ).all() as { account: string; url: unknown }[];
  const out: { account: string; host: string; hostname: string }[] = [];
  for (const r of rows) {
    if (typeof r.url !== 'string') continue;
    try {
      const url = new URL(r.url);
      if (url.host) out.push({ account: r.account, host: url.host, hostname: url.hostname });
    } catch {
      // Not a URL: names no site.
    }
  }
  return out;
}

/** v41 backfilled every signer; coalesce keeps the row type total all the same. */
const CONTACT_COLUMNS =
  'id, tsid, account, coalesce(signer, account) AS signer, cid, subject, name, subscribe, ts';

/** `index.listContacts` {account} | {subject} → {contacts}: contacts an account made, or those about a subject. */
export function listContacts(db: DatabaseSync, args: unknown): { contacts: ContactRow[] } {
  const a = argsObject(args);
  const bySubject = a.account === undefined;
  const who = bySubject ? accountArg(a.subject, 'subject') : accountArg(a.account);
  const rows = stmt(
    db,
    bySubject
      ? `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE subject = ? ORDER BY account, id`
      : `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE account = ? ORDER BY subject, id`,
  ).all(who) as (Omit<ContactRow, 'subscribe'> & { subscribe: string | null })[];
  return {
    contacts: rows.map((r) => ({
      ...r,
      subscribe: r.subscribe ? parseJson(r.subscribe, null) : null,
    })),
  };
}

/** `index.getCid` {cid} → {cid, codec, data} | null: stored bytes, matched by multihash. */
export function getCid(db: DatabaseSync, args: unknown): GetCidResult {
  const text = stringArg(argsObject(args).cid, 'cid', 200);
  const cid = parseCid(text, 'cid');
  const row = getBlobByMultihash(db, cid.multihash.bytes);
  return row ? { cid: text, codec: row.codec, data: row.data } : null;
}
