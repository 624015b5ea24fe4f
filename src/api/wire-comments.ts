import type { AccountRow, CommentList, CommentRow, Json } from '../index/read-types.ts';
import { apiBlockFromStored } from '../index/replay/block-shape.ts';
import type { BlockNode } from '../index/replay/document-state.ts';
import { accountEntry, PUBLIC } from './wire-documents.ts';
import { timestamp, type WireTimestamp } from './wire-ids.ts';

/** A comment as Seed's clients read it (`HMComment`); optional fields are left out when empty. */
export type WireComment = {
  id: string;
  version: string;
  author: string;
  targetAccount: string;
  targetPath?: string;
  targetVersion: string;
  replyParent?: string;
  replyParentVersion?: string;
  threadRoot?: string;
  threadRootVersion?: string;
  capability?: string;
  content: BlockNode[];
  createTime: WireTimestamp;
  updateTime: WireTimestamp;
  visibility: string;
};

export function wireComment(row: CommentRow): WireComment {
  const out: WireComment = {
    id: row.id,
    version: row.version,
    author: row.author,
    targetAccount: row.targetAccount,
    targetVersion: row.targetVersion,
    content: blockNodes(row.content),
    createTime: timestamp(row.createTime),
    updateTime: timestamp(row.updateTime),
    visibility: PUBLIC,
  };
  if (row.targetPath) out.targetPath = row.targetPath;
  if (row.replyParentId) out.replyParent = row.replyParentId;
  if (row.replyParentCid) out.replyParentVersion = row.replyParentCid;
  if (row.threadRootId) out.threadRoot = row.threadRootId;
  if (row.threadRootCid) out.threadRootVersion = row.threadRootCid;
  if (row.capability) out.capability = row.capability;
  return out;
}

/** Stored comment body (`{id, type, text, …, children}`) → `{block, children}` nodes. */
function blockNodes(raw: Json[]): BlockNode[] {
  const out: BlockNode[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const { children, ...fields } = item;
    const block = apiBlockFromStored(fields);
    if (!block) continue;
    const node: BlockNode = { block };
    if (Array.isArray(children) && children.length > 0) node.children = blockNodes(children);
    out.push(node);
  }
  return out;
}

export function wireAuthors(authors: Record<string, AccountRow>) {
  const out: Record<string, ReturnType<typeof accountEntry>> = {};
  for (const [uid, row] of Object.entries(authors)) out[uid] = accountEntry(row);
  return out;
}

/** A comment listing as `ListComments` and `ListCommentsByAuthor` answer it: comments and their authors. */
export function wireCommentList(list: CommentList) {
  return { comments: list.comments.map(wireComment), authors: wireAuthors(list.authors) };
}

export type WireCommentList = ReturnType<typeof wireCommentList>;
