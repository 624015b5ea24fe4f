import { documentIri } from '../../blob/hm-id.ts';
import { InvalidInputError } from '../../errors.ts';
import type { CitationRow, CommentList, InteractionCounts } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { hmIdInput, joinPath } from '../wire-ids.ts';
import { documentKey, readIndex } from './read-index.ts';

/** Keys read from the link index (src/index/links.ts): who cites a document, and how much. */

type Target = { account: string; path: string };

/** A citation as Seed's clients read it (`HMCitation`, the daemon's entity mention). */
type WireCitation = {
  source: string;
  sourceType: string;
  sourceContext: string;
  sourceBlob: { cid: string; author: string; createTime: string };
  sourceDocument?: string;
  target: string;
  targetVersion: string;
  targetFragment: string;
  isExactVersion: boolean;
  mentionType: string;
};

type Summary = {
  citations: number;
  comments: number;
  changes: number;
  children: number;
  blocks: Record<string, { citations: number; comments: number }>;
};

/** `ListCitations`: every source linking to a document (`targetId=<hm://…>`, compact), oldest first. */
export const ListCitationsKey = documentKey({
  key: 'ListCitations',
  handler: 'index.listCitations',
  render: (rows: CitationRow[], t) => ({
    citations: rows.map((r) => wireCitation(r, documentIri(t.account, t.path))),
  }),
});

function wireCitation(r: CitationRow, target: string): WireCitation {
  const out: WireCitation = {
    source: r.source,
    sourceType: r.sourceType,
    sourceContext: r.anchor,
    sourceBlob: { cid: r.sourceCid, author: r.sourceAuthor, createTime: iso(r.sourceTime) },
    target,
    targetVersion: r.targetVersion,
    targetFragment: r.fragment,
    isExactVersion: r.exact,
    mentionType: r.linkType,
  };
  if (r.sourceDocument) out.sourceDocument = r.sourceDocument;
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * `InteractionSummary`: how much a document is talked about, as Seed's document view shows it.
 * Citations are counted once per source and fragment (the latest one kept): `citations` counts the
 * documents that cite it, `comments` the comments (those on it included, by their target link),
 * and `blocks` the same per cited block. `changes` is its change count, `children` its direct
 * children.
 */
export const InteractionSummaryKey = documentKey({
  key: 'InteractionSummary',
  handler: 'index.interactionCounts',
  field: 'id',
  render: (counts: InteractionCounts) => summarize(counts),
});

function summarize(counts: InteractionCounts): Summary {
  const latest = new Map<string, CitationRow>();
  for (const c of counts.citations) {
    const key = `${c.source}#${c.fragment}`;
    const seen = latest.get(key);
    if (!seen || c.sourceTime >= seen.sourceTime) latest.set(key, c);
  }
  const documents = new Set<string>();
  const comments = new Set<string>();
  const blocks: Summary['blocks'] = {};
  for (const c of latest.values()) {
    const isComment = c.sourceType === 'Comment';
    (isComment ? comments : documents).add(c.source);
    if (c.fragment === '') continue;
    const block = c.fragment.replace(/[[+].*$/, '');
    const b = (blocks[block] ??= { citations: 0, comments: 0 });
    if (isComment) b.comments++;
    else b.citations++;
  }
  return {
    citations: documents.size,
    comments: comments.size,
    changes: counts.changes,
    children: counts.children,
    blocks,
  };
}

/**
 * `ListCommentsByReference`: comments, anywhere, that link to one block of a document
 * (`targetId` must name the block, `#blockId`), with their authors, oldest update first.
 */
export const ListCommentsByReferenceKey: ApiKey<Target & { blockRef: string }, WireCommentList> = {
  key: 'ListCommentsByReference',
  method: 'GET',
  params: { targetId: 'string' }, // packed hm:// text or the object's JSON: hmIdInput reads both
  toInput: (params) => {
    const id = hmIdInput(params.targetId, 'targetId');
    if (!id.blockRef) {
      throw new InvalidInputError('must name a block (#blockId): comments reference blocks', {
        field: 'targetId',
      });
    }
    return { account: id.uid, path: joinPath(id.path), blockRef: id.blockRef };
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, args) {
    const list = await readIndex<CommentList>(
      ctx,
      'ListCommentsByReference',
      'index.commentsByReference',
      args,
    );
    return wireCommentList(list);
  },
};
