import type { ChangeOp } from '../blob/blob-types.ts';
import { parseHmId } from '../blob/hm-id.ts';
import { SeedlingError } from '../errors.ts';
import type { Json } from './read-types.ts';

/**
 * Links between resources, extracted when a blob is indexed (pool side), as Seed's node does:
 * - a Change's `ReplaceBlock` ops: the block's `link` (any block type: `doc/<type>`) and each
 *   annotation's `link` (`doc/<annotation type>`, e.g. `doc/Link`, `doc/Embed`);
 * - a Comment's body blocks and their children (`comment/<type>`), plus the comment's own target
 *   (`comment/target`, pinned to the version it was written on): a comment cites its document.
 * Only `hm://<account>/…` IDs count; `hm://c/<cid>`, `ipfs://` and web URLs are not resources.
 * A link stays with the blob that made it: editing the block later does not remove it.
 */
export type LinkEntry = {
  /** The source block's ID ('' for a comment's target). */
  anchor: string;
  type: string;
  account: string;
  /** `/a/b`, '' for a home document. */
  path: string;
  /** Head CIDs joined by '.', '' when the link follows the latest version. */
  version: string;
  /** After `#`: a block ID, with `[start:end]` or `+` when the link gives one; '' for none. */
  fragment: string;
  /** The link pins `version` (it has one, and no `l`). */
  exact: boolean;
};

/** Most links kept per blob: a pathological document cannot make indexing quadratic. */
export const MAX_LINKS_PER_BLOB = 1_000;

export function changeLinks(ops: readonly ChangeOp[]): LinkEntry[] {
  const out: LinkEntry[] = [];
  for (const op of ops) if (op.type === 'ReplaceBlock') addBlockLinks(op.block, 'doc', out);
  return out.slice(0, MAX_LINKS_PER_BLOB);
}

export function commentLinks(
  body: readonly Json[],
  target: { account: string; path: string; version: readonly string[] },
): LinkEntry[] {
  const out: LinkEntry[] = [
    {
      anchor: '',
      type: 'comment/target',
      account: target.account,
      path: target.path,
      version: target.version.join('.'),
      fragment: '',
      exact: target.version.length > 0,
    },
  ];
  const walk = (blocks: readonly unknown[]) => {
    for (const node of blocks) {
      if (!isObject(node)) continue;
      addBlockLinks(node, 'comment', out);
      if (Array.isArray(node.children)) walk(node.children);
    }
  };
  walk(body);
  return out.slice(0, MAX_LINKS_PER_BLOB);
}

function addBlockLinks(block: Record<string, unknown>, kind: string, out: LinkEntry[]): void {
  const anchor = typeof block.id === 'string' ? block.id : '';
  const add = (url: unknown, type: unknown) => {
    const link = typeof url === 'string' ? parseLink(url) : null;
    if (link) out.push({ anchor, type: `${kind}/${String(type)}`, ...link });
  };
  add(block.link, block.type);
  if (Array.isArray(block.annotations)) {
    for (const a of block.annotations) if (isObject(a)) add(a.link, a.type);
  }
}

/** The resource an `hm://` URL points to, or null when it is no resource ID. */
export function parseLink(url: string): Omit<LinkEntry, 'anchor' | 'type'> | null {
  if (!url.startsWith('hm://') || url.startsWith('hm://c/')) return null;
  try {
    const id = parseHmId(url);
    const hash = url.indexOf('#');
    const version = id.version ?? '';
    return {
      account: id.uid,
      path: id.path ? `/${id.path.join('/')}` : '',
      version,
      fragment: hash >= 0 ? url.slice(hash + 1) : '',
      exact: version !== '' && !id.latest,
    };
  } catch (err) {
    if (err instanceof SeedlingError) return null;
    throw err;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
