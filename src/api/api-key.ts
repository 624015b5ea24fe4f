import type { DocumentState } from '../index/replay/document-state.ts';
import type { DomainRow } from '../net/domains-table.ts';
import type { DiscoveryRequest } from '../sync/discovery/discovery-request.ts';
import type { DiscoveryProgress } from '../sync/discovery/discovery-task.ts';
import type { WriteClass } from '../types.ts';

/**
 * What one Seed API key (`/api/<Key>`) is made of, and what it may use. Each key lives in its own
 * file under `keys/` and is listed in `keys/all-keys.ts`; the server knows nothing key-specific.
 */

/** How a GET query parameter is read, taken from the type of the field in the key's input schema. */
export type ParamKind = 'string' | 'number' | 'boolean' | 'json';

/** The parts of the store the API uses (structural, so the API does not import the writer). */
export type ApiStore = {
  write<T = unknown>(job: {
    op: string;
    class: WriteClass;
    handler: string;
    payload: unknown;
    key?: string;
  }): Promise<T>;
  read<T = unknown>(req: {
    op: string;
    handler: string;
    args: unknown;
    signal?: AbortSignal;
  }): Promise<T>;
  generation: { get(): number };
  lookup?<T = unknown>(req: { op: string; handler: string; args: unknown }): Promise<T>;
  /** What keeps the store from working, in words (`GET /health`); see Store.problems. */
  problems?(): string[];
};

/** A cache of replayed documents by (document, version); REPLAY's DocumentCache fits it. */
export type ResourceLoader = (args: {
  account: string;
  path: string;
  version?: string | null;
}) => Promise<DocumentState | null>;

/** The discovery scheduler as the API uses it (src/sync/discovery); absent when p2p is off. */
export type DiscoveryPort = {
  /** Starts a task or joins the running one (renewing its interest); returns its state at once. */
  discover(req: DiscoveryRequest): DiscoveryProgress;
  onProgress(listener: (p: DiscoveryProgress) => void): () => void;
};

/** Web domain checks as the API uses them (src/net/domain-checker.ts). */
export type DomainPort = {
  /** Checks the domain now (joining a check already running) and records the outcome. */
  check(domain: string): Promise<DomainRow>;
};

export type KeyContext = {
  store: ApiStore;
  /** Loads a replayed document (cached, single-flight); falls back to `replay.resource` in the pool. */
  loadResource: ResourceLoader;
  log: (msg: string, extra?: object) => void;
  discovery?: DiscoveryPort;
  domains?: DomainPort;
  /** Tells the followers of these spaces of blobs the user just stored (sync's announcer); absent without p2p. */
  announce?: (accounts: Iterable<string>, cids: string[]) => void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
};

export type ApiKey<I = unknown, O = unknown> = {
  key: string;
  method: 'GET' | 'POST';
  /**
   * GET: kind of each query parameter, from the key's input schema (`__value` for a non-object
   * input). The contract test checks these against `seed-api/schemas/<Key>.json`.
   */
  params?: Record<string, ParamKind>;
  /**
   * GET: builds the input from the parsed parameters (compact forms such as `id=<hm://…>`);
   * absent, the parsed parameters are the input.
   */
  toInput?: (params: Record<string, unknown>) => I;
  /** POST: checks the decoded CBOR body and returns the input (throws InvalidInputError). */
  checkBody?: (body: unknown) => I;
  /** The answer depends only on the database: ETag from the generation, 304 when unchanged. */
  cacheable: boolean;
  /**
   * Run the whole key — index reads, mapping to wire shapes and superjson serialization — on a
   * reader-pool thread (`api.render`), so a big listing costs the main thread nothing but sending
   * a string. Only for keys whose `run` uses nothing but `ctx.store.read` of index handlers.
   */
  renderInPool?: boolean;
  /**
   * The key's reads are point lookups (one indexed row, or one bounded keyset page): it is rendered
   * on the main thread's own connection (`store.lookup`), skipping the pool's thread hop — the app's
   * most frequent calls never queue behind other reads.
   */
  pointLookup?: boolean | ((input: I) => boolean);
  /** Seedling's own key, beyond Seed's API: it has no file in seed-api/schemas. */
  ownKey?: boolean;
  run(ctx: KeyContext, input: I): Promise<O>;
};
