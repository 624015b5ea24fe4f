/**
 * Plain-data rows returned by the index's read handlers (`src/index/store-extension.ts`). They
 * cross threads by structured clone, so every field is a string, number, boolean, null, array,
 * plain object or Uint8Array — never a CID object. The API maps them to Seed's wire shapes.
 *
 * Conventions:
 * 1. Accounts are `z6Mk…` account IDs; CIDs are canonical CID strings (`bafy…`).
 * 2. Paths are Seed paths: '' for an account's home document, otherwise `/a/b`.
 * 3. Times are milliseconds since the Unix epoch (null when unknown).
 * 4. `metadata` is the document's resolved attribute map (JSON values; nested keys such as
 *    `["theme","headerLayout"]` become nested objects), exactly what the Seed API calls metadata.
 */

/** JSON value as stored in the index (blob values made JSON-safe: CID links become `{"/": cid}`, bytes base64 `{"/": {"bytes": …}}`). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Resolved document metadata (`name`, `summary`, `icon`, `cover`, `displayPublishTime`, …). */
export type DocumentMetadata = Record<string, Json>;

/** One document: the row `ResourceMetadata`, `Query`, `ListAccounts` and listings read. */
export type DocumentRow = {
  account: string;
  path: string;
  /** CID of the genesis Change of the current lineage. */
  genesis: string;
  /** Generation of the winning Ref. */
  generation: number;
  /** Head CIDs of the winning Ref (sorted); empty for a tombstone or redirect. */
  heads: string[];
  /** Heads joined by '.' ('' when none). */
  version: string;
  /** CID of the winning Ref blob. */
  refCid: string;
  /** Signer of the winning Ref. */
  refAuthor: string;
  /** `ts` of the winning Ref. */
  refTime: number;
  metadata: DocumentMetadata;
  /** Convenience copies of common metadata fields (null when unset or not a string). */
  name: string | null;
  summary: string | null;
  icon: string | null;
  cover: string | null;
  /** Accounts that authored the Changes reachable from the heads, sorted. */
  authors: string[];
  /** ts of the genesis (or of the earliest change with ts > 0 for an empty `ts = 0` genesis). */
  createTime: number | null;
  /** Greatest change ts reachable from the heads. */
  updateTime: number | null;
  /** `displayPublishTime` parsed when valid, else createTime. */
  displayTime: number | null;
  /** Latest activity: max(updateTime, latest comment time). */
  activityTime: number | null;
  /** Ref with no heads and no redirect. */
  tombstone: boolean;
  redirect: { account: string; path: string; republish: boolean } | null;
  /** Live (not tombstoned) documents directly below this path in the same account. */
  childCount: number;
  /** Live (not deleted) comments whose target is this document. */
  commentCount: number;
  latestComment: { id: string; cid: string; time: number } | null;
  /** Milliseconds since epoch when this row last changed (local clock). */
  indexTime: number;
};

/** One Change of a document's DAG (`ListChanges`). */
export type ChangeRow = {
  cid: string;
  author: string;
  /** Dependency CIDs (sorted as on the wire). */
  deps: string[];
  depth: number;
  /** ms since epoch; 0 for an empty genesis. */
  ts: number;
  /** Genesis CID of its lineage (its own CID for the genesis). */
  genesis: string;
};

/** `index.listChanges` result. */
export type ChangeList = {
  genesis: string;
  version: string;
  heads: string[];
  changes: ChangeRow[];
};

/** One comment at its latest version (`ListComments`, `Comment`). */
export type CommentRow = {
  /** `<author account>/<tsid>`: Seed's comment ID. */
  id: string;
  tsid: string;
  author: string;
  /** CID of the latest version (Seed's `version`). */
  version: string;
  /** CID of the first version seen. */
  firstVersion: string;
  targetAccount: string;
  targetPath: string;
  /** Target version CIDs joined by '.'. */
  targetVersion: string;
  /** Parent comment, as ID (`author/tsid`, null when its blob is unknown) and as the CID on the wire. */
  replyParentId: string | null;
  replyParentCid: string | null;
  threadRootId: string | null;
  threadRootCid: string | null;
  capability: string | null;
  /** Comment body blocks (with `children`), JSON-safe. Empty when deleted. */
  content: Json[];
  deleted: boolean;
  /** ts of the first version. */
  createTime: number;
  /** ts of the latest version. */
  updateTime: number;
};

/** `index.listComments` result: comments plus the metadata of their authors. */
export type CommentList = { comments: CommentRow[]; authors: Record<string, AccountRow> };

export type CapabilityRow = {
  cid: string;
  issuer: string;
  delegate: string;
  /** Space the grant is about (the issuer's account unless the blob names another). */
  account: string;
  path: string;
  role: string;
  label: string | null;
  audience: string | null;
  /** Issued by the space owner, or by a delegate holding a valid grant over the path. */
  valid: boolean;
  ts: number;
};

export type ProfileRow = {
  /** Account the profile describes (the blob's `account`, else the signer). */
  account: string;
  cid: string;
  signer: string;
  name: string | null;
  avatar: string | null;
  description: string | null;
  /** Principal this account speaks for, as an account ID. */
  alias: string | null;
  ts: number;
};

/** `index.listCitations`: one source that links to a document. */
export type CitationRow = {
  /** The citing document (`hm://<account><path>`), or the citing comment (`hm://<author>/<tsid>`). */
  source: string;
  sourceType: 'Ref' | 'Comment';
  /** For a comment: the document it is on, as `hm://…` text and as its parts. */
  sourceDocument: string | null;
  sourceOn: { account: string; path: string } | null;
  /** The blob that made the link (a Change, or a version of the comment). */
  sourceCid: string;
  sourceAuthor: string;
  sourceTime: number;
  /** The source block that holds the link ('' for a comment's own target). */
  anchor: string;
  /** `doc/<type>`, `comment/<type>` or `comment/target`. */
  linkType: string;
  /** '' when the link follows the latest version. */
  targetVersion: string;
  /** The block (and range) linked to; '' for the whole document. */
  fragment: string;
  exact: boolean;
};

/** `index.citingDiscussions`: comments elsewhere that cite a document, with what renders them. */
export type CitingDiscussions = {
  /** Oldest first: the citing comment's ID (`<author>/<tsid>`) and the document it is on. */
  citing: { commentId: string; document: string }[];
  /** By document (`hm://…`): its live comments and its head (null when unknown here). */
  documents: Record<
    string,
    { account: string; path: string; comments: CommentList; head: DocumentHead | null }
  >;
};

/** `index.interactionCounts`: what Seed's `InteractionSummary` is computed from. */
export type InteractionCounts = {
  citations: CitationRow[];
  /** Changes in the document's current version. */
  changes: number;
  /** Live documents directly below it. */
  children: number;
};

/** `index.documentCollaborators`: who may write a document, and who follows its site. */
export type DocumentCollaborators = {
  /** Valid writer grants on the document's path or an ancestor of it, oldest first. */
  grants: CapabilityRow[];
  /** At the site's root only: contacts about the space that subscribe to its site. */
  subscribers: ContactRow[];
  /** Every account named above and the space itself (null: nothing known of it). */
  accounts: Record<string, AccountRow | null>;
};

export type ContactRow = {
  /** `<account>/<tsid>`. */
  id: string;
  tsid: string;
  /** Account that made the contact (the blob's `account`, else the signer). */
  account: string;
  /** Account that signed the contact blob (the account itself, or a delegate of it). */
  signer: string;
  cid: string;
  subject: string;
  name: string | null;
  subscribe: { site: boolean; profile: boolean } | null;
  ts: number;
};

/** An account as `Account` / `ListAccounts` show it. */
export type AccountRow = {
  id: string;
  /** Home document (path '') when known and not tombstoned. */
  home: DocumentRow | null;
  profile: ProfileRow | null;
  /**
   * Resolved metadata: the home document's metadata, with the latest Profile's name/avatar/
   * description laid over as name/icon/summary. Null when neither exists.
   */
  metadata: DocumentMetadata | null;
};

export const EVENT_TYPES = [
  'Ref',
  'Change',
  'Comment',
  'Capability',
  'Contact',
  'Profile',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One feed event: a structural blob that was indexed (`ListEvents`, SSE). */
export type EventRow = {
  /** Monotonic row id (tie-breaker of the keyset). */
  id: number;
  /** ms when this node indexed the blob (local clock). */
  observedTime: number;
  /** The blob's own `ts`. */
  eventTime: number;
  type: EventType;
  cid: string;
  author: string;
  /** Account the blob is about (Ref space, comment target account, capability space, profile account, contact account); null for a Change whose document is unknown. */
  account: string | null;
  /** Path the blob is about (Ref/comment/capability path), null when none. */
  path: string | null;
  /** Change: genesis CID; Comment: comment ID (`author/tsid`); Contact: subject account; else null. */
  extra: string | null;
};

/** `index.listEvents` result. `nextPageToken` is '' at the end. */
export type EventPage = { events: EventRow[]; nextPageToken: string };

/** `index.query` result. */
export type QueryResult = { documents: DocumentRow[] };

/**
 * `index.documentHead` → the part of a document row a card or a discovery check needs: one
 * indexed row, no counts (cheaper than `index.resourceMetadata`, which adds three subqueries).
 */
export type DocumentHead = Pick<
  DocumentRow,
  'account' | 'path' | 'heads' | 'version' | 'metadata' | 'tombstone' | 'redirect'
>;

/** `index.documentChanges` result (REPLAY input). */
export type DocumentChanges = {
  genesis: string;
  heads: string[];
  version: string;
  changes: { cid: string; data: Uint8Array }[];
};

// ---- arguments of the read handlers (all validated by the handler; bad input → InvalidInputError naming the field)

/** `index.resourceMetadata` → `DocumentRow | null` (tombstones and redirects are returned, flagged). */
export type ResourceMetadataArgs = { account: string; path: string };

export const QUERY_SORT_TERMS = [
  'Path',
  'Title',
  'CreateTime',
  'UpdateTime',
  'DisplayTime',
  'ActivityTime',
] as const;
export type QuerySortTerm = (typeof QUERY_SORT_TERMS)[number];
/**
 * `index.query` → `QueryResult`: live (not tombstoned) documents of `account` strictly below `path`
 * ('' = the home document's children), direct children or all descendants; default sort Path
 * ascending; `limit` defaults to API_MAX_PAGE_SIZE and is capped by INDEX_QUERY_MAX_LIMIT.
 */
export type QueryArgs = {
  account: string;
  path: string;
  mode: 'Children' | 'AllDescendants';
  sort?: { term: QuerySortTerm; reverse?: boolean }[];
  limit?: number;
};

/**
 * `index.listEvents` → `EventPage`, newest first by (observedTime, id). `pageToken` is the
 * previous page's `nextPageToken` (opaque). Filters: authors (account IDs), event types, and a
 * resource (`account` + optional `path` prefix; path '' = whole account).
 */
export type ListEventsArgs = {
  pageSize?: number;
  pageToken?: string;
  filterAuthors?: string[];
  filterEventType?: string[];
  filterResource?: { account: string; path?: string };
};

/** `index.listChanges` → `ChangeList | null` (null: no such document). Changes reachable from the heads (or from `version` when given), sorted by (depth, ts, cid). */
export type ListChangesArgs = { account: string; path: string; version?: string };

/** `index.listComments` → `CommentList`, sorted by createTime then id. Deleted comments only with `includeDeleted`. */
export type ListCommentsArgs = { account: string; path: string; includeDeleted?: boolean };

/** `index.getComment` → `CommentRow | null` (deleted ones are returned with `deleted: true`). Also accepts `{id: 'authority/tsid'}` or a version CID `{cid}`. */
export type GetCommentArgs = { authority: string; tsid: string } | { id: string } | { cid: string };

/** `index.listCapabilities` → `{capabilities: CapabilityRow[]}`: grants in `account` whose path covers `path` (or lies below it). */
export type ListCapabilitiesArgs = { account: string; path: string };

/** `index.account` → `AccountRow | null` (null: nothing known about the account). */
export type AccountArgs = { id: string };

/** `index.listAccounts` → `{accounts: AccountRow[]}`: accounts with a live home document or a profile, sorted by id. */
export type ListAccountsArgs = Record<string, never> | undefined;

/** `index.getCid` → `{cid, codec, data} | null`: raw stored bytes by CID string (any codec; matched by multihash). */
export type GetCidArgs = { cid: string };
export type GetCidResult = { cid: string; codec: number; data: Uint8Array } | null;

/** `index.documentChanges` → `DocumentChanges | null`: changes reachable from the heads (or `version`), with their bytes, sorted by (depth, ts, cid). */
export type DocumentChangesArgs = { account: string; path: string; version?: string };
