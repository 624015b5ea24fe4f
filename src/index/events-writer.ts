import type { DatabaseSync } from 'node:sqlite';
import type { EventType } from './read-types.ts';
import { stmt } from './statements.ts';

/** Writer: one feed row per indexed structural blob (DESIGN §4, "feed as an index"). */
export function appendEventOnWriter(
  db: DatabaseSync,
  e: {
    type: EventType;
    cid: string;
    author: string;
    eventTime: number;
    account: string | null;
    path: string | null;
    extra: string | null;
  },
  now: number,
): void {
  stmt(
    db,
    `INSERT INTO events (observed_time, event_time, type, cid, author, account, path, extra)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(now, e.eventTime, e.type, e.cid, e.author, e.account, e.path, e.extra);
}
