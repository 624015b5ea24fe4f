import type { CitingDiscussions, CommentList } from '../../index/read-types.ts';
import type { ApiKey } from '../api-key.ts';
import { type CommentGroup, commentGroups } from '../comment-groups.ts';
import { type WireComment, type WireCommentList, wireCommentList } from '../wire-comments.ts';
import { documentId, documentParam, type WireHmId } from '../wire-ids.ts';
import { type WireMetadata, wireMetadata } from '../wire-metadata.ts';

type Input = { account: string; path: string; commentId?: string };

/** A comment elsewhere that cites the document, with its replies and the document it is on. */
type CitingGroup = {
  id: string;
  type: 'externalCommentGroup';
  comments: WireComment[];
  moreCommentsCount: number;
  target: { id: WireHmId; metadata: WireMetadata | null };
};

/**
 * `ListDiscussions`: a document's comments as discussions (comment-groups.ts), from the top level
 * or under `commentId`; and `citingDiscussions`: each comment on another document that links to
 * this one (link index, src/index/links.ts), followed by its replies, oldest citation first.
 */
export const ListDiscussionsKey: ApiKey<
  Input,
  {
    discussions: CommentGroup[];
    authors: WireCommentList['authors'];
    citingDiscussions: CitingGroup[];
  }
> = {
  key: 'ListDiscussions',
  method: 'GET',
  params: { targetId: 'string', commentId: 'string' }, // targetId: packed hm:// text or JSON
  toInput: (params) => {
    const input: Input = documentParam(params.targetId, 'targetId');
    if (typeof params.commentId === 'string' && params.commentId !== '') {
      input.commentId = params.commentId;
    }
    return input;
  },
  cacheable: true,
  renderInPool: true,
  async run(ctx, input) {
    const args = { account: input.account, path: input.path };
    const [list, citing] = await Promise.all([
      ctx.store.read<CommentList>({
        op: 'api.ListDiscussions',
        handler: 'index.listComments',
        args,
        signal: ctx.signal,
      }),
      // Under a comment only that comment's thread is asked for: no citations then.
      input.commentId
        ? null
        : ctx.store.read<CitingDiscussions>({
            op: 'api.ListDiscussions',
            handler: 'index.citingDiscussions',
            args,
            signal: ctx.signal,
          }),
    ]);
    const { comments, authors } = wireCommentList(list);
    return {
      discussions: commentGroups(comments, input.commentId),
      authors,
      citingDiscussions: citing ? citingGroups(citing, authors) : [],
    };
  },
};

function citingGroups(
  citing: CitingDiscussions,
  authors: WireCommentList['authors'],
): CitingGroup[] {
  const groups: CitingGroup[] = [];
  for (const { commentId, document } of citing.citing) {
    const doc = citing.documents[document];
    if (!doc) continue;
    const list = wireCommentList(doc.comments);
    const first = list.comments.find((c) => c.id === commentId);
    if (!first) continue;
    Object.assign(authors, list.authors);
    const live = doc.head && !doc.head.tombstone;
    groups.push({
      id: `hm://${commentId}`,
      type: 'externalCommentGroup',
      comments: [first, ...(commentGroups(list.comments, commentId)[0]?.comments ?? [])],
      moreCommentsCount: 0,
      target: {
        id: documentId(doc.account, doc.path),
        metadata: live ? wireMetadata(doc.head!.metadata) : null,
      },
    });
  }
  return groups;
}
