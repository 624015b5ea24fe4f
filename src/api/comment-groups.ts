import type { WireComment } from './wire-comments.ts';

/**
 * Discussions as Seed's clients show them (`HMCommentGroup`): each starts at a comment that
 * replies to `parentId` (with no `parentId`, at a top-level comment), then follows the thread
 * while exactly one comment answers the last one; `moreCommentsCount` is everything that
 * answers the last comment of the chain, at any depth. Groups come newest activity first,
 * counting the whole thread behind `moreCommentsCount` too.
 */
export type CommentGroup = {
  id: string;
  type: 'commentGroup';
  comments: WireComment[];
  moreCommentsCount: number;
};

export function commentGroups(comments: WireComment[], parentId?: string): CommentGroup[] {
  const replies = new Map<string, WireComment[]>();
  for (const c of comments) {
    if (!c.replyParent) continue;
    const list = replies.get(c.replyParent);
    if (list) list.push(c);
    else replies.set(c.replyParent, [c]);
  }
  const starts = comments.filter((c) => (parentId ? c.replyParent === parentId : !c.replyParent));
  const groups = starts.map((start) => {
    const chain = [start];
    const inChain = new Set([start.id]);
    // Edited comments could make a reply cycle; a comment already in the chain ends it.
    for (let next = replies.get(start.id); next?.length === 1; next = replies.get(next[0]!.id)) {
      if (inChain.has(next[0]!.id)) break;
      inChain.add(next[0]!.id);
      chain.push(next[0]!);
    }
    const behind = descendants(chain.at(-1)!.id, replies);
    const latest = Math.max(...chain.map(activity), ...behind.map(activity));
    const group: CommentGroup = {
      id: start.id,
      type: 'commentGroup',
      comments: chain,
      moreCommentsCount: behind.length,
    };
    return { group, latest };
  });
  // Array.prototype.sort is stable: equal activity keeps the comments' order.
  groups.sort((a, b) => b.latest - a.latest);
  return groups.map((g) => g.group);
}

/** Every comment answering `id`, at any depth (a reply cycle cannot loop: each is visited once). */
function descendants(id: string, replies: Map<string, WireComment[]>): WireComment[] {
  const out: WireComment[] = [];
  const seen = new Set<string>([id]);
  const queue = [id];
  for (let i = 0; i < queue.length; i++) {
    for (const c of replies.get(queue[i]!) ?? []) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      out.push(c);
      queue.push(c.id);
    }
  }
  return out;
}

function activity(c: WireComment): number {
  return c.updateTime.seconds * 1000 + Math.floor(c.updateTime.nanos / 1e6);
}
