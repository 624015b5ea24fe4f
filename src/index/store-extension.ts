import type { ReadHandler, WriteHandler } from '../store/extension.ts';
import { transferring } from '../store/transfer.ts';
import { blobSpaces } from './index-input.ts';
import { prepareBlobsPacked, unpackPreparedBlobs } from './packed-blobs.ts';
import { prepareBlobs } from './prepare-blobs.ts';
import { putBlobsOnWriter } from './put-blobs.ts';
import {
  account,
  accounts,
  documentCollaborators,
  getCid,
  listAccounts,
  listCapabilities,
  listContacts,
  siteAccount,
  siteHosts,
} from './read-accounts.ts';
import { documentChanges, listChanges } from './read-changes.ts';
import {
  commentReplyCount,
  commentVersions,
  getComment,
  listComments,
  listCommentsByAuthor,
} from './read-comments.ts';
import { documentHead, query, resourceMetadata, searchDocuments } from './read-documents.ts';
import { listEvents } from './read-events.ts';
import {
  citingDiscussions,
  commentsByReference,
  interactionCounts,
  listCitations,
} from './read-links.ts';
import { indexStats } from './read-stats.ts';

/**
 * The index as a store extension (src/store/extension.ts): its migrations (10, 11, 41, 42), the writer's
 * `index.putBlobs`, and reader handlers. Argument and result types: `read-types.ts`
 * (reads) and `index-input.ts` (prepare/put).
 *
 *   index.prepareBlobs     [{cid?, data}]                 → PreparedBlob[]   (pool: verify + decode)
 *   index.blobSpaces       [{cid?, data}]                 → BlobSpaces       (pool: the spaces of the valid ones, and what failed)
 *   index.putBlobs         PreparedBlob[]                 → PutResult[]      (writer)
 *   index.prepareBlobsPacked {batch, packSize} / index.putPackedBlobs pack: the same, packed for
 *                          sync, the bytes moved between threads, not copied (packed-blobs.ts)
 *   index.resourceMetadata {account, path}                → DocumentRow | null
 *   index.documentHead     {account, path}                → DocumentHead | null (no counts)
 *   index.query            {account, path, mode, sort?, limit?} → {documents: DocumentRow[]}
 *   index.searchDocuments  {query, account?, limit?}     → {documents: DocumentRow[]} (by title)
 *   index.listEvents       {pageSize?, pageToken?, filter…} → {events, nextPageToken}
 *   index.listChanges      {account, path, version?}      → ChangeList | null
 *   index.documentChanges  {account, path, version?}      → DocumentChanges | null
 *   index.listComments     {account, path, includeDeleted?} → {comments, authors}
 *   index.getComment       {authority, tsid} | {id} | {cid} → CommentRow | null
 *   index.listCommentsByAuthor {author}                   → {comments, authors}
 *   index.commentReplyCount {id}                          → {count}
 *   index.commentVersions  {id}                           → CommentRow[] (newest first)
 *   index.listCapabilities {account, path}                → {capabilities}
 *   index.listContacts     {account} | {subject}          → {contacts}
 *   index.documentCollaborators {account, path}           → DocumentCollaborators
 *   index.listCitations    {account, path}                → CitationRow[] (read-links.ts)
 *   index.interactionCounts {account, path}               → InteractionCounts
 *   index.commentsByReference {account, path, blockRef}   → {comments, authors}
 *   index.citingDiscussions {account, path}               → CitingDiscussions
 *   index.account          {id}                           → AccountRow | null
 *   index.accounts         {ids}                          → {accounts: {[id]: AccountRow | null}}
 *   index.siteAccount      {domain}                       → {account} | null (home `siteUrl` host)
 *   index.siteHosts        {}                             → [{account, host, hostname}]
 *   index.listAccounts     {}                             → {accounts}
 *   index.getCid           {cid}                          → {cid, codec, data} | null
 *   index.stats            {}                             → IndexStats (read-stats.ts)
 */

export { migrations } from './schema.ts';

export const writeHandlers: Record<string, WriteHandler> = {
  'index.putBlobs': (db, payload) => putBlobsOnWriter(db, payload),
  'index.putPackedBlobs': (db, payload) => putBlobsOnWriter(db, unpackPreparedBlobs(payload)),
};

export const readHandlers: Record<string, ReadHandler> = {
  'index.prepareBlobs': (_db, args) => prepareBlobs(args),
  'index.blobSpaces': (_db, args) => blobSpaces(prepareBlobs(args)),
  'index.prepareBlobsPacked': (_db, args) => {
    const out = prepareBlobsPacked(args);
    return transferring(
      out,
      out.packs.map((p) => p.buffer as ArrayBuffer),
    );
  },
  'index.resourceMetadata': resourceMetadata,
  'index.documentHead': documentHead,
  'index.query': query,
  'index.searchDocuments': searchDocuments,
  'index.listEvents': listEvents,
  'index.listChanges': listChanges,
  'index.documentChanges': documentChanges,
  'index.listComments': listComments,
  'index.getComment': getComment,
  'index.listCommentsByAuthor': listCommentsByAuthor,
  'index.commentReplyCount': commentReplyCount,
  'index.commentVersions': commentVersions,
  'index.listCapabilities': listCapabilities,
  'index.listContacts': listContacts,
  'index.documentCollaborators': documentCollaborators,
  'index.listCitations': listCitations,
  'index.interactionCounts': interactionCounts,
  'index.commentsByReference': commentsByReference,
  'index.citingDiscussions': citingDiscussions,
  'index.account': account,
  'index.accounts': accounts,
  'index.siteAccount': siteAccount,
  'index.siteHosts': (db) => siteHosts(db),
  'index.listAccounts': (db) => listAccounts(db),
  'index.getCid': getCid,
  'index.stats': (db) => indexStats(db),
};
