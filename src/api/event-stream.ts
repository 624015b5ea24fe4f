import type { ServerResponse } from 'node:http';
import {
  API_EVENTS_HEARTBEAT_MS,
  API_EVENTS_MAX_CLIENTS,
  API_EVENTS_MAX_PAGES,
  API_EVENTS_POLL_MS,
} from '../constants.ts';
import { OverloadError } from '../errors.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { toSuperjsonText } from './superjson-text.ts';

/** One feed event as pushed: `id` identifies it across polls; `data` is its ListEvents wire shape. */
export type StreamEvent = { id: string; data: unknown };
export type EventPage = { events: StreamEvent[]; nextPageToken: string };

export type EventStreamHubDeps = {
  generation: { get(): number };
  /** Newest-first page of the feed (the ListEvents query, run in the reader pool). */
  fetchPage(pageToken: string | undefined): Promise<EventPage>;
  metrics: ApiMetrics;
  log: (msg: string, extra?: object) => void;
};

export type EventStreamHubInit = {
  pollMs?: number;
  heartbeatMs?: number;
  maxClients?: number;
  maxPages?: number;
};

/** Event IDs remembered to tell new events from ones already pushed. */
const SEEN_CAPACITY = 10_000;

/**
 * `GET /api/events`: Server-Sent Events of new feed events, shared by all clients.
 *
 * Invariants:
 * 1. One poller for all clients, running only while at least one client is connected. Each tick
 *    reads the generation (an atomic load on the main thread, no database); only when it moved does
 *    the poller read the feed, in the reader pool, once for everybody.
 * 2. A client gets events indexed after it connected, oldest first, each once; history is for
 *    `ListEvents`.
 * 3. A slow client whose socket buffer is full is dropped rather than buffered without bound.
 */
export class EventStreamHub {
  readonly #deps: EventStreamHubDeps;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #maxClients: number;
  readonly #maxPages: number;
  readonly #clients = new Set<ServerResponse>();
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #lastGeneration = -1;
  #polling = false;
  /** Resolves when the first look at the feed (the baseline of invariant 2) is done. */
  #ready: Promise<void> = Promise.resolve();

  constructor(deps: EventStreamHubDeps, init: EventStreamHubInit = {}) {
    this.#deps = deps;
    this.#pollMs = init.pollMs ?? API_EVENTS_POLL_MS;
    this.#heartbeatMs = init.heartbeatMs ?? API_EVENTS_HEARTBEAT_MS;
    this.#maxClients = init.maxClients ?? API_EVENTS_MAX_CLIENTS;
    this.#maxPages = init.maxPages ?? API_EVENTS_MAX_PAGES;
  }

  /** Takes over `res` (already hijacked from Fastify) until the client disconnects. */
  async attach(res: ServerResponse): Promise<void> {
    if (this.#clients.size >= this.#maxClients) throw new OverloadError('event stream', 5_000);
    if (this.#clients.size === 0) this.#start();
    this.#clients.add(res);
    this.#deps.metrics.sseClients.set(this.#clients.size);
    res.on('close', () => this.#detach(res));
    await this.#ready;
    if (res.destroyed) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stop();
  }

  #detach(res: ServerResponse): void {
    if (!this.#clients.delete(res)) return;
    this.#deps.metrics.sseClients.set(this.#clients.size);
    if (this.#clients.size === 0) this.#stop();
  }

  #start(): void {
    this.#lastGeneration = this.#deps.generation.get();
    this.#seen.clear();
    // Baseline: everything in the feed now counts as seen (invariant 2).
    this.#ready = this.#deps
      .fetchPage(undefined)
      .then((page) => {
        for (const e of page.events) this.#remember(e.id);
      })
      .catch((err) => this.#deps.log('sse baseline failed', { err: String(err) }));
    this.#timer = setInterval(() => this.#tick(), this.#pollMs);
    this.#timer.unref();
    this.#heartbeat = setInterval(() => this.#broadcast(': keep-alive\n\n'), this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
  }

  #tick(): void {
    const generation = this.#deps.generation.get();
    if (generation === this.#lastGeneration || this.#polling) return;
    this.#polling = true;
    this.#lastGeneration = generation;
    this.#pollNew()
      .catch((err) => {
        // Try again on the next tick: forget the generation we failed on.
        this.#lastGeneration = -1;
        this.#deps.log('sse poll failed', { err: String(err) });
      })
      .finally(() => {
        this.#polling = false;
      });
  }

  /** Reads newest-first pages until one holds an event already seen, then pushes the new ones oldest first. */
  async #pollNew(): Promise<void> {
    const fresh: StreamEvent[] = [];
    let token: string | undefined;
    for (let page = 0; page < this.#maxPages; page++) {
      this.#deps.metrics.ssePolls.inc();
      const result = await this.#deps.fetchPage(token);
      let metSeen = false;
      for (const e of result.events) {
        if (this.#seen.has(e.id)) metSeen = true;
        else fresh.push(e);
      }
      if (metSeen || !result.nextPageToken) break;
      token = result.nextPageToken;
    }
    for (const e of fresh.reverse()) {
      this.#remember(e.id);
      this.#broadcast(`id: ${e.id}\nevent: event\ndata: ${toSuperjsonText(e.data)}\n\n`);
      this.#deps.metrics.sseEvents.inc();
    }
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > SEEN_CAPACITY) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) {
      if (!res.headersSent) continue;
      // invariant 3: a client that cannot keep up is cut off, not buffered forever.
      if (res.writableLength > 1024 * 1024) {
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }
}
