import type { DatabaseSync } from 'node:sqlite';
import { API_DEFAULT_PAGE_SIZE, API_MAX_PAGE_SIZE } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import {
  accountArg,
  argsObject,
  intArg,
  optionalString,
  pathArg,
  stringListArg,
} from './read-args.ts';
import { EVENT_TYPES, type EventPage, type EventRow, type EventType } from './read-types.ts';

/**
 * Reader: the feed (`index.listEvents`), newest first, paged by keyset on (observed_time, id):
 * a page costs the same wherever it starts, and rows appended meanwhile never shift a page.
 * The page token is `<observed_time>.<id>` of the last row returned (opaque to clients).
 */

type Row = {
  id: number;
  observed_time: number;
  event_time: number;
  type: EventType;
  cid: string;
  author: string;
  account: string | null;
  path: string | null;
  extra: string | null;
};

function parseToken(token: string | undefined): { time: number; id: number } | null {
  if (token === undefined) return null;
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(token);
  if (!m)
    throw new InvalidInputError('is not a token from a previous page', { field: 'pageToken' });
  return { time: Number(m[1]), id: Number(m[2]) };
}

/**
 * `index.listEvents` {pageSize?, pageToken?, filterAuthors?, filterEventType?, filterResource?}
 * → {events, nextPageToken} ('' at the end).
 */
export function listEvents(db: DatabaseSync, args: unknown): EventPage {
  const a = argsObject(args);
  const pageSize = intArg(a.pageSize, 'pageSize', API_DEFAULT_PAGE_SIZE, 1, API_MAX_PAGE_SIZE);
  const after = parseToken(optionalString(a.pageToken, 'pageToken', 40));
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (after) {
    where.push('(observed_time < ? OR (observed_time = ? AND id < ?))');
    params.push(after.time, after.time, after.id);
  }
  const authors = stringListArg(a.filterAuthors, 'filterAuthors');
  if (authors && authors.length > 0) {
    where.push(`author IN (${authors.map(() => '?').join(', ')})`);
    params.push(...authors.map((x, i) => accountArg(x, `filterAuthors[${i}]`)));
  }
  const types = stringListArg(a.filterEventType, 'filterEventType');
  if (types && types.length > 0) {
    const known = types.filter((t): t is EventType => EVENT_TYPES.includes(t as EventType));
    // Only unknown types asked for: nothing can match.
    if (known.length === 0) return { events: [], nextPageToken: '' };
    where.push(`type IN (${known.map(() => '?').join(', ')})`);
    params.push(...known);
  }
  addResourceFilter(a.filterResource, where, params);
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY observed_time DESC, id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, pageSize + 1) as Row[];
  const more = rows.length > pageSize;
  const page = more ? rows.slice(0, pageSize) : rows;
  const last = page.at(-1);
  return {
    events: page.map(toEventRow),
    nextPageToken: more && last ? `${last.observed_time}.${last.id}` : '',
  };
}

/** filterResource {account, path?}: the account's events, or those at `path` and below. */
function addResourceFilter(value: unknown, where: string[], params: (string | number)[]): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError('must be {account, path?}', { field: 'filterResource' });
  }
  const r = value as { account?: unknown; path?: unknown };
  where.push('account = ?');
  params.push(accountArg(r.account, 'filterResource.account'));
  const path = pathArg(r.path, 'filterResource.path');
  if (path !== '') {
    where.push('(path = ? OR (path > ? AND path < ?))');
    params.push(path, `${path}/`, `${path}0`);
  }
}

function toEventRow(r: Row): EventRow {
  return {
    id: r.id,
    observedTime: r.observed_time,
    eventTime: r.event_time,
    type: r.type,
    cid: r.cid,
    author: r.author,
    account: r.account,
    path: r.path,
    extra: r.extra,
  };
}
