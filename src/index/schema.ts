import type { Migration } from '../store/extension.ts';
import { backfillLinksOnWriter } from './links-writer.ts';

/**
 * Index tables (migrations 10, 11, 41, 42: a new migration takes the next number above all
 * others). Blob bytes live in the store's `blobs` table; these rows are what indexing a verified
 * blob derives from it, so reads never decode or replay.
 *
 * Invariants:
 * 1. A Change is in `changes` only once all its deps are; a Ref is in `refs` only once all its
 *    heads are. Until then the blob waits in `index_pending` with one `index_waits` row per CID it
 *    needs, and is indexed in the transaction that stores the last of them.
 * 2. `indexed_blobs` has a row for every blob `index.putBlobs` handled (indexed, pending or
 *    ignored), so a duplicate put is a no-op.
 * 3. `documents` holds one row per (account, path) with a counted Ref; `document_changes` is the
 *    set of Changes reachable from its heads (closed under deps), which lets a newer Ref extend
 *    metadata incrementally instead of replaying.
 * 4. `events` ids only grow; the feed pages by (observed_time, id), never OFFSET.
 */

const CORE_SQL = `
CREATE TABLE indexed_blobs (
  blob_id INTEGER PRIMARY KEY,
  type    TEXT    NOT NULL,
  state   TEXT    NOT NULL -- indexed | pending | ignored
) STRICT;

CREATE TABLE index_pending (
  cid     TEXT    PRIMARY KEY,
  blob_id INTEGER NOT NULL,
  entry   TEXT    NOT NULL, -- JSON IndexEntry
  since   INTEGER NOT NULL
) STRICT;

CREATE TABLE index_waits (
  waiting_for TEXT NOT NULL,
  cid         TEXT NOT NULL,
  PRIMARY KEY (waiting_for, cid)
) STRICT, WITHOUT ROWID;
CREATE INDEX index_waits_by_cid ON index_waits (cid);

CREATE TABLE changes (
  cid     TEXT    PRIMARY KEY,
  blob_id INTEGER NOT NULL,
  genesis TEXT    NOT NULL,
  author  TEXT    NOT NULL,
  deps    TEXT    NOT NULL, -- JSON array of CID strings
  depth   INTEGER NOT NULL,
  ts      INTEGER NOT NULL,
  attrs   TEXT    NOT NULL  -- JSON [{key, value}]: document-level attributes, in op order
) STRICT;
CREATE INDEX changes_by_genesis ON changes (genesis);

CREATE TABLE refs (
  cid        TEXT    PRIMARY KEY,
  blob_id    INTEGER NOT NULL,
  account    TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  signer     TEXT    NOT NULL,
  genesis    TEXT    NOT NULL,
  heads      TEXT    NOT NULL, -- JSON array, sorted
  generation INTEGER NOT NULL,
  ts         INTEGER NOT NULL,
  capability TEXT,
  redirect   TEXT,             -- JSON {account, path, republish} or NULL
  counted    INTEGER NOT NULL  -- 1: signer authorized and heads belong to genesis
) STRICT;
CREATE INDEX refs_by_document ON refs (account, path, counted, generation, ts);
CREATE INDEX refs_by_signer ON refs (account, signer, counted);
CREATE INDEX refs_by_genesis ON refs (genesis);

CREATE TABLE documents (
  id           INTEGER PRIMARY KEY,
  account      TEXT    NOT NULL,
  path         TEXT    NOT NULL,
  parent       TEXT,             -- parent path ('' for '/a'); NULL for the home document
  genesis      TEXT    NOT NULL,
  generation   INTEGER NOT NULL,
  heads        TEXT    NOT NULL, -- JSON array
  version      TEXT    NOT NULL,
  ref_cid      TEXT    NOT NULL,
  ref_author   TEXT    NOT NULL,
  ref_time     INTEGER NOT NULL,
  metadata     TEXT    NOT NULL, -- JSON object
  winners      TEXT    NOT NULL, -- JSON {keyJson: {v, d, t, c}}: last writer per attribute
  name         TEXT,
  summary      TEXT,
  icon         TEXT,
  cover        TEXT,
  authors      TEXT    NOT NULL, -- JSON array, sorted
  create_time  INTEGER,
  update_time  INTEGER,
  display_time INTEGER,
  tombstone    INTEGER NOT NULL,
  redirect     TEXT,
  index_time   INTEGER NOT NULL,
  UNIQUE (account, path)
) STRICT;
CREATE INDEX documents_by_parent ON documents (account, parent, tombstone);
CREATE INDEX documents_by_genesis ON documents (genesis);

CREATE TABLE document_changes (
  doc_id     INTEGER NOT NULL,
  change_cid TEXT    NOT NULL,
  counted    INTEGER NOT NULL, -- author authorized for the document
  PRIMARY KEY (doc_id, change_cid)
) STRICT, WITHOUT ROWID;
`;

const SOCIAL_SQL = `
CREATE TABLE comments (
  id             TEXT    PRIMARY KEY, -- author/tsid
  tsid           TEXT    NOT NULL,
  author         TEXT    NOT NULL,
  version_cid    TEXT    NOT NULL,
  version_ts     INTEGER NOT NULL,
  first_cid      TEXT    NOT NULL,
  target_account TEXT    NOT NULL,
  target_path    TEXT    NOT NULL,
  target_version TEXT    NOT NULL,
  reply_parent   TEXT,
  thread_root    TEXT,
  capability     TEXT,
  body           TEXT    NOT NULL, -- JSON array
  deleted        INTEGER NOT NULL,
  create_time    INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_by_target ON comments (target_account, target_path, deleted, create_time);
CREATE INDEX comments_by_author ON comments (author, create_time);
CREATE INDEX comments_by_reply_parent ON comments (reply_parent);

CREATE TABLE comment_versions (
  cid        TEXT    PRIMARY KEY,
  comment_id TEXT    NOT NULL,
  ts         INTEGER NOT NULL
) STRICT;
CREATE INDEX comment_versions_by_comment ON comment_versions (comment_id);

CREATE TABLE capabilities (
  cid      TEXT    PRIMARY KEY,
  blob_id  INTEGER NOT NULL,
  issuer   TEXT    NOT NULL,
  delegate TEXT    NOT NULL,
  account  TEXT    NOT NULL,
  path     TEXT    NOT NULL,
  role     TEXT    NOT NULL,
  label    TEXT,
  audience TEXT,
  ts       INTEGER NOT NULL
) STRICT;
CREATE INDEX capabilities_by_delegate ON capabilities (account, delegate);
CREATE INDEX capabilities_by_path ON capabilities (account, path);

CREATE TABLE profiles (
  account     TEXT    PRIMARY KEY,
  cid         TEXT    NOT NULL,
  signer      TEXT    NOT NULL,
  name        TEXT,
  avatar      TEXT,
  description TEXT,
  alias       TEXT,
  ts          INTEGER NOT NULL
) STRICT;

CREATE TABLE contacts (
  id        TEXT    PRIMARY KEY, -- account/tsid
  tsid      TEXT    NOT NULL,
  account   TEXT    NOT NULL,
  cid       TEXT    NOT NULL,
  subject   TEXT    NOT NULL,
  name      TEXT,
  subscribe TEXT,               -- JSON {site, profile} or NULL
  ts        INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_by_account ON contacts (account);
CREATE INDEX contacts_by_subject ON contacts (subject);

CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  observed_time INTEGER NOT NULL,
  event_time    INTEGER NOT NULL,
  type          TEXT    NOT NULL,
  cid           TEXT    NOT NULL,
  author        TEXT    NOT NULL,
  account       TEXT,
  path          TEXT,
  extra         TEXT
) STRICT;
CREATE INDEX events_keyset ON events (observed_time, id);
CREATE INDEX events_by_account ON events (account, observed_time, id);
CREATE INDEX events_by_cid ON events (cid);
`;

/**
 * v41: the signer of each contact (Seed's `AccountContacts` / `SubjectContacts` show it; it differs
 * from `account` when a delegate signed). Rows indexed before take it from their feed event, whose
 * `author` is the signer, or else the account itself.
 */
const CONTACT_SIGNER_SQL = `
ALTER TABLE contacts ADD COLUMN signer TEXT;
UPDATE contacts SET signer = coalesce(
  (SELECT e.author FROM events e WHERE e.cid = contacts.cid AND e.type = 'Contact' LIMIT 1),
  account
);
`;

/**
 * v42: links between resources (links.ts): which Change or Comment links to which document, block
 * and version. `ListCitations`, `InteractionSummary` and `ListCommentsByReference` read it by target.
 * The backfill reads back every Change and Comment indexed before (links-writer.ts).
 */
const LINKS_SQL = `
CREATE TABLE links (
  source_cid     TEXT    NOT NULL,
  source_kind    TEXT    NOT NULL, -- Change | Comment
  anchor         TEXT    NOT NULL, -- the source block ('' for a comment's target)
  link_type      TEXT    NOT NULL, -- doc/<type>, comment/<type>, comment/target
  target_account TEXT    NOT NULL,
  target_path    TEXT    NOT NULL,
  target_version TEXT    NOT NULL, -- '' for latest
  fragment       TEXT    NOT NULL, -- '' for none
  exact          INTEGER NOT NULL,
  ts             INTEGER NOT NULL,
  PRIMARY KEY (source_cid, anchor, link_type, target_account, target_path, target_version, fragment)
) STRICT, WITHOUT ROWID;
CREATE INDEX links_by_target ON links (target_account, target_path);
`;

export const migrations: Migration[] = [
  { version: 10, name: 'index: changes, refs, documents, pending', sql: CORE_SQL },
  {
    version: 11,
    name: 'index: comments, capabilities, profiles, contacts, events',
    sql: SOCIAL_SQL,
  },
  { version: 41, name: 'index: contact signers', sql: CONTACT_SIGNER_SQL },
  { version: 42, name: 'index: links', sql: LINKS_SQL, run: backfillLinksOnWriter },
];
