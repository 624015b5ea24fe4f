import type { DatabaseSync } from 'node:sqlite';
import { documentIri } from '../blob/hm-id.ts';
import { InvalidInputError } from '../errors.ts';
import { accountArg, argsObject, pathArg, stringArg } from './read-args.ts';
import { listChanges } from './read-changes.ts';
import { type CommentDbRow, listComments, withAuthors } from './read-comments.ts';
import { documentHead, resourceMetadata } from './read-documents.ts';
import type {
  CitationRow,
  CitingDiscussions,
  CommentList,
  InteractionCounts,
} from './read-types.ts';
import { stmt } from './statements.ts';

/** Reader: who links to a document (`index.listCitations`, `index.interactionCounts`, `index.commentsByReference`, `index.citingDiscussions`). */

const BLOCK_ID = /^[A-Za-z0-9_-]{1,64}$/;

type LinkDbRow = {
  source_cid: string;
  anchor: string;
  link_type: string;
  target_version: string;
  fragment: string;
  exact: number;
  ts: number;
  author: string;
};

/**
 * `index.listCitations` {account, path} → CitationRow[]: every live source that links to the
 * document, oldest first. A Change cites from the (live) document it belongs to; a Comment cites
 * from itself (`hm://<author>/<tsid>`), deleted comments not counted. One row per source, target
 * version, fragment and exactness, as Seed dedupes them.
 */
export function listCitations(db: DatabaseSync, args: unknown): CitationRow[] {
  const a = argsObject(args);
  return citationsOf(db, accountArg(a.account), pathArg(a.path));
}

function citationsOf(db: DatabaseSync, account: string, path: string): CitationRow[] {
  const fromDocs = stmt(
    db,
    `SELECT l.*, c.author AS author, d.account AS src_account, d.path AS src_path
     FROM links l JOIN changes c ON c.cid = l.source_cid
     JOIN documents d ON d.genesis = c.genesis AND d.tombstone = 0
     WHERE l.target_account = ? AND l.target_path = ? AND l.source_kind = 'Change'`,
  ).all(account, path) as (LinkDbRow & { src_account: string; src_path: string })[];
  const fromComments = stmt(
    db,
    `SELECT l.*, cm.id AS comment_id, cm.author AS author, cm.target_account AS on_account,
       cm.target_path AS on_path
     FROM links l JOIN comment_versions v ON v.cid = l.source_cid
     JOIN comments cm ON cm.id = v.comment_id AND cm.deleted = 0
     WHERE l.target_account = ? AND l.target_path = ? AND l.source_kind = 'Comment'`,
  ).all(account, path) as (LinkDbRow & {
    comment_id: string;
    on_account: string;
    on_path: string;
  })[];
  const rows: CitationRow[] = [
    ...fromDocs.map((r) => citation(r, 'Ref', documentIri(r.src_account, r.src_path), null)),
    ...fromComments.map((r) =>
      citation(r, 'Comment', `hm://${r.comment_id}`, { account: r.on_account, path: r.on_path }),
    ),
  ];
  rows.sort((x, y) => x.sourceTime - y.sourceTime || (x.sourceCid < y.sourceCid ? -1 : 1));
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.source}|${r.sourceType}|${r.targetVersion}|${r.fragment}|${r.exact}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function citation(
  r: LinkDbRow,
  sourceType: CitationRow['sourceType'],
  source: string,
  on: { account: string; path: string } | null,
): CitationRow {
  return {
    source,
    sourceType,
    sourceDocument: on ? documentIri(on.account, on.path) : null,
    sourceOn: on,
    sourceCid: r.source_cid,
    sourceAuthor: r.author,
    sourceTime: r.ts,
    anchor: r.anchor,
    linkType: r.link_type,
    targetVersion: r.target_version,
    fragment: r.fragment,
    exact: r.exact === 1,
  };
}

/**
 * `index.interactionCounts` {account, path} → InteractionCounts: the document's citations (for
 * Seed's `InteractionSummary`), its change count and its live direct children.
 */
export function interactionCounts(db: DatabaseSync, args: unknown): InteractionCounts {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const doc = resourceMetadata(db, { account, path });
  return {
    citations: citationsOf(db, account, path),
    changes: listChanges(db, { account, path })?.changes.length ?? 0,
    children: doc?.childCount ?? 0,
  };
}

/**
 * `index.commentsByReference` {account, path, blockRef} → {comments, authors}: live comments
 * whose body links to that block of the document (any range of it), oldest update first.
 */
export function commentsByReference(db: DatabaseSync, args: unknown): CommentList {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const block = stringArg(a.blockRef, 'blockRef', 64);
  if (!BLOCK_ID.test(block)) {
    throw new InvalidInputError(`"${block}" is not a block ID`, { field: 'blockRef' });
  }
  const rows = stmt(
    db,
    `SELECT DISTINCT cm.* FROM links l
     JOIN comment_versions v ON v.cid = l.source_cid
     JOIN comments cm ON cm.id = v.comment_id AND cm.deleted = 0
     WHERE l.target_account = ? AND l.target_path = ? AND l.source_kind = 'Comment'
       AND (l.fragment = ? OR l.fragment = ? || '+' OR substr(l.fragment, 1, ?) = ? || '[')
     ORDER BY cm.version_ts, cm.id`,
  ).all(account, path, block, block, block.length + 1, block) as CommentDbRow[];
  return withAuthors(db, rows);
}

/**
 * `index.citingDiscussions` {account, path} → CitingDiscussions: the comments on OTHER documents
 * that link to this one, each with the live comments of the document it is on (for its replies)
 * and that document's head (for its title).
 */
export function citingDiscussions(db: DatabaseSync, args: unknown): CitingDiscussions {
  const a = argsObject(args);
  const account = accountArg(a.account);
  const path = pathArg(a.path);
  const self = documentIri(account, path);
  const out: CitingDiscussions = { citing: [], documents: {} };
  const seen = new Set<string>();
  for (const c of citationsOf(db, account, path)) {
    if (c.sourceType !== 'Comment' || !c.sourceOn || c.sourceDocument === self) continue;
    if (seen.has(c.source)) continue;
    seen.add(c.source);
    const doc = c.sourceDocument!;
    out.citing.push({ commentId: c.source.slice('hm://'.length), document: doc });
    if (out.documents[doc]) continue;
    const { account: on, path: onPath } = c.sourceOn;
    out.documents[doc] = {
      account: on,
      path: onPath,
      comments: listComments(db, { account: on, path: onPath }),
      head: documentHead(db, { account: on, path: onPath }),
    };
  }
  return out;
}
