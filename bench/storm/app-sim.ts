import { type AppClient, CallRecorder } from './app-client.ts';
import type { Publish } from './app-user.ts';

/**
 * The simulated app (Seed's desktop app, as it loads a node), all over real HTTP:
 *
 *   sidebar   — every space the user follows is "visible": POST /api/Discover {subtree, hot} per
 *               space every DISCOVERY_POLL_MS (this starts each space's discovery and keeps it hot);
 *   windows   — W windows, each showing one space (moving to the next one every NAVIGATE_MS):
 *               ListEvents every EVENTS_POLL_MS with If-None-Match; on a changed feed (200, not 304)
 *               or a navigation, the space's listing (Query, AllDescendants of the home: makeSite
 *               puts its documents under /posts, so the home has no direct children) and a
 *               ResourceMetadata per card shown;
 *               DiscoveryStatus for every card shown every DISCOVERY_POLL_MS;
 *   publisher — one PublishBlobs (a signed Change + Ref of the user's own document) every
 *               PUBLISH_MS.
 *
 * Each loop waits for its own call before the next tick (like a query library that never
 * overlaps a refetch); browser-like concurrency of CONCURRENCY calls per window.
 */

const EVENTS_POLL_MS = 1_000;
const DISCOVERY_POLL_MS = 2_000;
const PUBLISH_MS = 500;
const NAVIGATE_MS = 10_000;
const CONCURRENCY = 6;
const MAX_CARDS = 20;

export type AppSimInit = { spaces: string[]; windows: number; publishes: Publish[] };
export type PublishOutcome = { ok: number; failed: number };

type Card = { uid: string; path: string[] };
type QueryOut = { results: { path: string[]; id: { uid: string } }[] } | null;

export class AppSim {
  readonly recorder = new CallRecorder();
  readonly published: PublishOutcome = { ok: 0, failed: 0 };
  readonly #client: AppClient;
  readonly #init: AppSimInit;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(makeClient: (recorder: CallRecorder) => AppClient, init: AppSimInit) {
    this.#client = makeClient(this.recorder);
    this.#init = init;
  }

  start(): void {
    this.#loops.push(this.#every(DISCOVERY_POLL_MS, () => this.#pollSidebar()));
    this.#loops.push(this.#publisher());
    for (let w = 0; w < this.#init.windows; w++) this.#loops.push(this.#window(w));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    this.#client.close();
  }

  async #every(ms: number, tick: () => Promise<void>): Promise<void> {
    while (!this.#stopped) {
      const start = performance.now();
      await tick();
      await sleep(Math.max(0, ms - (performance.now() - start)));
    }
  }

  async #pollSidebar(): Promise<void> {
    await mapLimit(this.#init.spaces, CONCURRENCY, (uid) =>
      this.#client.post('Discover', { id: `hm://${uid}`, recursive: 'subtree', hot: true }),
    );
  }

  async #publisher(): Promise<void> {
    for (const blobs of this.#init.publishes) {
      if (this.#stopped) return;
      const start = performance.now();
      const out = await this.#client.post<{ cids: string[] }>('PublishBlobs', {
        blobs: blobs.map((b) => ({ data: b.data })),
      });
      if (out && out.cids.length === blobs.length) this.published.ok++;
      else this.published.failed++;
      await sleep(Math.max(0, PUBLISH_MS - (performance.now() - start)));
    }
  }

  /** One window: feed polling, listing + cards on change, discovery polling of its cards. */
  async #window(w: number): Promise<void> {
    const spaces = this.#init.spaces;
    let at = w % spaces.length;
    let cards: Card[] = [];
    let navigatedAt = performance.now();
    let lastDiscovery = 0;
    let dirty = true;
    let seenFeed: unknown;
    while (!this.#stopped) {
      const start = performance.now();
      if (start - navigatedAt >= NAVIGATE_MS) {
        at = (at + this.#init.windows) % spaces.length;
        navigatedAt = start;
        dirty = true;
      }
      // The HTTP cache (ETags) is shared by the windows, as a browser's is; each window still
      // reloads when the feed changed since IT last looked. A 304 hands back the cached value
      // itself, so an unchanged feed is the same object (as a query library's structural sharing).
      const feed = await this.#client.get('ListEvents', FEED);
      if (feed !== null && feed !== seenFeed) {
        dirty = true;
        seenFeed = feed;
      }
      if (dirty) {
        cards = await this.#loadSpace(spaces[at]!);
        dirty = false;
      }
      if (performance.now() - lastDiscovery >= DISCOVERY_POLL_MS) {
        lastDiscovery = performance.now();
        await this.#pollCards(spaces[at]!, cards);
      }
      await sleep(Math.max(0, EVENTS_POLL_MS - (performance.now() - start)));
    }
  }

  async #loadSpace(uid: string): Promise<Card[]> {
    const listing = await this.#client.get<QueryOut>('Query', {
      includes: JSON.stringify([{ space: uid, path: '', mode: 'AllDescendants' }]),
      limit: String(MAX_CARDS),
    });
    const cards = (listing?.results ?? []).slice(0, MAX_CARDS).map((r) => ({ uid, path: r.path }));
    await mapLimit(cards, CONCURRENCY, (c) =>
      this.#client.get('ResourceMetadata', { id: `hm://${c.uid}/${c.path.join('/')}` }),
    );
    return cards;
  }

  async #pollCards(uid: string, cards: Card[]): Promise<void> {
    const items = [{ uid, path: [] as string[] }, ...cards];
    await mapLimit(items, CONCURRENCY, (c) =>
      this.#client.get('DiscoveryStatus', { uid: c.uid, path: c.path.join('/') }),
    );
  }
}

const FEED = { pageSize: '30' };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
