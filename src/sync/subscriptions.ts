import type { DatabaseSync } from 'node:sqlite';
import { documentIri } from '../blob/hm-id.ts';
import { SUBSCRIPTION_REFRESH_MS } from '../constants.ts';
import { InvalidInputError } from '../errors.ts';
import type { DiscoveryRequest } from './discovery/discovery-request.ts';
import type { DiscoveryProgress } from './discovery/discovery-task.ts';
import { parseScope } from './scope.ts';

/**
 * Subscriptions: spaces or subtrees the user follows, refreshed in the background (issue: "background
 * sync"). Rows live in the `subscriptions` table (migration in store-extension.ts); the refresher
 * turns each into a background discovery task on an interval, so they never compete with what the
 * app shows (hot tasks keep their reserved slot).
 */

export type Subscription = {
  account: string;
  path: string;
  recursive: 'none' | 'children' | 'subtree';
  createdAt: number;
};

export const SUBSCRIPTIONS_SQL = `CREATE TABLE subscriptions (
  account    TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  recursive  TEXT    NOT NULL CHECK (recursive IN ('none', 'children', 'subtree')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account, path)
) STRICT`;

/** Checks a subscription from a caller: account and path as a scope would have them. */
export function checkSubscription(value: unknown): Omit<Subscription, 'createdAt'> {
  const v = (value ?? {}) as Record<string, unknown>;
  const recursive = v.recursive ?? 'subtree';
  if (recursive !== 'none' && recursive !== 'children' && recursive !== 'subtree') {
    throw new InvalidInputError('must be none, children or subtree', { field: 'recursive' });
  }
  if (typeof v.account !== 'string' || typeof (v.path ?? '') !== 'string') {
    throw new InvalidInputError('account and path must be strings', { field: 'subscription' });
  }
  const scope = parseScope(`doc:${v.account}${(v.path as string | undefined) ?? ''}`);
  return { account: scope.account, path: scope.path, recursive };
}

export function subscribeOnWriter(db: DatabaseSync, payload: unknown): Subscription {
  const sub = { ...checkSubscription(payload), createdAt: Date.now() };
  db.prepare(
    `INSERT INTO subscriptions (account, path, recursive, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (account, path) DO UPDATE SET recursive = excluded.recursive`,
  ).run(sub.account, sub.path, sub.recursive, sub.createdAt);
  return sub;
}

export function unsubscribeOnWriter(db: DatabaseSync, payload: unknown): boolean {
  const sub = checkSubscription(payload);
  return (
    db
      .prepare('DELETE FROM subscriptions WHERE account = ? AND path = ?')
      .run(sub.account, sub.path).changes > 0
  );
}

export function listSubscriptions(db: DatabaseSync): Subscription[] {
  return (
    db
      .prepare('SELECT account, path, recursive, created_at FROM subscriptions ORDER BY created_at')
      .all() as { account: string; path: string; recursive: string; created_at: number }[]
  ).map((r) => ({
    account: r.account,
    path: r.path,
    recursive: r.recursive as Subscription['recursive'],
    createdAt: r.created_at,
  }));
}

export type SubscriptionRefresherDeps = {
  list(): Promise<Subscription[]>;
  discover(req: DiscoveryRequest): DiscoveryProgress;
  log?: (msg: string, err?: unknown) => void;
};

/** Starts a background discovery per subscription every `intervalMs`. */
export class SubscriptionRefresher {
  readonly #deps: SubscriptionRefresherDeps;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: SubscriptionRefresherDeps, init: { intervalMs?: number } = {}) {
    this.#deps = deps;
    this.#intervalMs = init.intervalMs ?? SUBSCRIPTION_REFRESH_MS;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.refresh().catch((err) => this.#deps.log?.('subscriptions: refresh failed', err));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One pass: a background task per subscription (joins any task already running). */
  async refresh(): Promise<number> {
    const subs = await this.#deps.list();
    for (const s of subs) this.#deps.discover(subscriptionRequest(s));
    return subs.length;
  }
}

/** The background discovery that refreshes a subscription. */
export function subscriptionRequest(s: Omit<Subscription, 'createdAt'>): DiscoveryRequest {
  return { iri: documentIri(s.account, s.path), recursive: s.recursive, hot: false };
}
