import type { AccountRow, DocumentRow } from '../index/read-types.ts';
import type { ApiStore } from './api-key.ts';
import { documentId, splitPath, timestamp, type WireHmId, type WireTimestamp } from './wire-ids.ts';
import { type WireMetadata, wireMetadata } from './wire-metadata.ts';

/**
 * INDEX rows → Seed's listing shapes (`DocumentInfo`, account entries). Everything a listing card
 * needs comes from the document rows: no replay and no request per card.
 */

/** Seed's visibility for everything this node serves (private documents do not exist yet). */
export const PUBLIC = 'Public';

export type Breadcrumb = { name: string; path: string; isMissing?: boolean };

export type DocumentInfo = {
  type: 'document';
  id: WireHmId;
  path: string[];
  authors: string[];
  createTime: WireTimestamp;
  updateTime: WireTimestamp;
  sortTime: Date;
  genesis: string;
  version: string;
  breadcrumbs: Breadcrumb[];
  activitySummary: {
    latestCommentTime?: WireTimestamp;
    latestCommentId: string;
    commentCount: number;
    latestChangeTime: WireTimestamp;
    isUnread: boolean;
    childrenCount: number;
  };
  generationInfo: { genesis: string; generation: bigint };
  redirectInfo?: { type: 'redirect'; target: string; republish: boolean };
  metadata: WireMetadata;
  visibility: string;
};

export function documentInfo(row: DocumentRow, breadcrumbs: Breadcrumb[]): DocumentInfo {
  const updated = row.updateTime ?? row.createTime ?? 0;
  const info: DocumentInfo = {
    type: 'document',
    id: documentId(row.account, row.path),
    path: splitPath(row.path) ?? [],
    authors: row.authors,
    createTime: timestamp(row.createTime ?? 0),
    updateTime: timestamp(updated),
    // A listing sorts by the time a reader sees: the display (publish) time, else the last update.
    sortTime: new Date(row.displayTime ?? updated),
    genesis: row.genesis,
    version: row.version,
    breadcrumbs,
    activitySummary: {
      latestCommentId: row.latestComment?.id ?? '',
      commentCount: row.commentCount,
      latestChangeTime: timestamp(updated),
      isUnread: false,
      childrenCount: row.childCount,
    },
    generationInfo: { genesis: row.genesis, generation: BigInt(row.generation) },
    metadata: wireMetadata(row.metadata),
    visibility: PUBLIC,
  };
  if (row.latestComment) info.activitySummary.latestCommentTime = timestamp(row.latestComment.time);
  if (row.redirect) {
    info.redirectInfo = {
      type: 'redirect',
      target: documentId(row.redirect.account, row.redirect.path).id,
      republish: row.redirect.republish,
    };
  }
  return info;
}

/**
 * Breadcrumbs of many documents with one lookup per distinct ancestor (rows already at hand are
 * reused): the chain from the home document down to the parent, as Seed shows above a title.
 */
export async function breadcrumbsFor(
  store: ApiStore,
  rows: DocumentRow[],
  signal?: AbortSignal,
): Promise<Map<string, Breadcrumb[]>> {
  const known = new Map<string, DocumentRow | null>();
  for (const r of rows) known.set(`${r.account}|${r.path}`, r);
  const wanted = new Set<string>();
  for (const r of rows) for (const a of ancestors(r.path)) wanted.add(`${r.account}|${a}`);
  const missing = [...wanted].filter((k) => !known.has(k));
  const found = await Promise.all(
    missing.map((k) => {
      const [account = '', path = ''] = k.split('|');
      return store.read<DocumentRow | null>({
        op: 'api.breadcrumbs',
        handler: 'index.resourceMetadata',
        args: { account, path },
        signal,
      });
    }),
  );
  for (const [i, k] of missing.entries()) known.set(k, found[i] ?? null);
  const out = new Map<string, Breadcrumb[]>();
  for (const r of rows) {
    out.set(
      `${r.account}|${r.path}`,
      ancestors(r.path).map((path) => crumb(path, known.get(`${r.account}|${path}`) ?? null)),
    );
  }
  return out;
}

function crumb(path: string, row: DocumentRow | null): Breadcrumb {
  if (!row || row.tombstone) return { name: '', path, isMissing: true };
  return { name: row.name ?? '', path };
}

/** `/a/b/c` → `['', '/a', '/a/b']`; the home document has none. */
function ancestors(path: string): string[] {
  const segments = splitPath(path) ?? [];
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++)
    out.push(i === 0 ? '' : `/${segments.slice(0, i).join('/')}`);
  return out;
}

/** An account as Account/ListAccounts show it: exactly `{id, metadata, hasSite?}` (strict clients). */
export function accountEntry(row: AccountRow): {
  id: WireHmId;
  metadata: WireMetadata | null;
  hasSite?: boolean;
} {
  const metadata = row.metadata ? wireMetadata(row.metadata) : null;
  const entry: { id: WireHmId; metadata: WireMetadata | null; hasSite?: boolean } = {
    id: documentId(row.id, null),
    metadata,
  };
  if (typeof metadata?.siteUrl === 'string' && metadata.siteUrl !== '') entry.hasSite = true;
  return entry;
}
