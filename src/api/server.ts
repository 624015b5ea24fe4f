import * as dagCbor from '@ipld/dag-cbor';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { API_BODY_LIMIT_BYTES, API_DEFAULT_HOST, API_DEFAULT_PORT } from '../constants.ts';
import { InvalidInputError, NotFoundError, UnknownKeyError } from '../errors.ts';
import { DocumentCache } from '../index/document-cache.ts';
import type { OperationTracker } from '../obs/operation-tracker.ts';
import type {
  ApiKey,
  ApiStore,
  DiscoveryPort,
  DomainPort,
  KeyContext,
  ResourceLoader,
} from './api-key.ts';
import { type ApiMetrics, apiMetrics, statusClass } from './api-metrics.ts';
import { debugPage } from './debug-page.ts';
import { documentLoader } from './document-loader.ts';
import {
  bodyDigestOf,
  etagFor,
  freshTag,
  registerEtagCacheMetrics,
  sameBody,
  urlDigestOf,
} from './etag.ts';
import { EventStreamHub, type EventStreamHubInit } from './event-stream.ts';
import { httpErrorOf } from './http-errors.ts';
import { ALL_KEYS } from './keys/all-keys.ts';
import { feedPage } from './keys/ListEvents.ts';
import { parseQueryParams } from './query-params.ts';
import { registerStreamRoutes } from './stream-routes.ts';
import { toSuperjsonText } from './superjson-text.ts';

/**
 * The API's store extension (`api.render`): the store the server is given must have been opened
 * with it, since read keys run on the reader pool through it.
 */
export const apiStoreExtension = new URL('./store-extension.ts', import.meta.url);

/** Requests that do not count as the app using the node (store.noteAppActivity). */
const MONITORING_PATHS = new Set(['/health', '/metrics']);

export type ApiServerDeps = {
  store: ApiStore;
  registry: Registry;
  log?: (msg: string, extra?: object) => void;
  /** Replayed-document loader; default: `replay.resource` in the reader pool behind REPLAY's DocumentCache. */
  loadResource?: ResourceLoader;
  /** Shown on /debug (slowest recent database operations). */
  tracker?: OperationTracker;
  /** Discovery tasks (sync); without it DiscoveryStatus answers from local data only. */
  discovery?: DiscoveryPort;
  /** Web domain checks (`GetDomain` with `forceCheck`); without it only recorded checks are read. */
  domains?: DomainPort;
  /** Tells the followers of these spaces of the user's newly stored blobs (PublishBlobs); absent without p2p. */
  announce?: KeyContext['announce'];
  /** Called on every request: the app is using the node (the store then keeps sync's CPU work at low priority). */
  onAppActivity?: () => void;
};

export type ApiServerInit = {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  bodyLimitBytes?: number;
  events?: EventStreamHubInit;
  /** Keys served (default: every key in keys/all-keys.ts). */
  keys?: ApiKey[];
};

export type ApiServer = {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  app: FastifyInstance;
  events: EventStreamHub;
  close(): Promise<void>;
};

/**
 * The Seed HTTP API (SEED-API.md) on Fastify 5: `GET|POST /api/<Key>`, `GET /api/events` (SSE),
 * `/metrics`, `/debug`. Conventions live here once; each key in `keys/<Key>.ts` only maps its input
 * to store reads/writes and rows to wire shapes.
 */
export async function createApiServer(
  deps: ApiServerDeps,
  init: ApiServerInit = {},
): Promise<ApiServer> {
  const log = deps.log ?? (() => {});
  const metrics = apiMetrics(deps.registry);
  registerEtagCacheMetrics(deps.registry);
  const keys = new Map((init.keys ?? ALL_KEYS).map((k) => [k.key, k]));
  const loadResource =
    deps.loadResource ?? documentLoader(deps.store, new DocumentCache({ registry: deps.registry }));
  const bodyLimit = init.bodyLimitBytes ?? API_BODY_LIMIT_BYTES;
  const app = Fastify({ logger: false, bodyLimit });
  const events = new EventStreamHub(
    { generation: deps.store.generation, fetchPage: feedPage(deps.store), metrics, log },
    init.events,
  );

  registerCborParser(app, bodyLimit);
  app.setErrorHandler((err, req, reply) => sendError(reply, err, req, log));
  app.setNotFoundHandler((req, reply) => sendError(reply, notFound(req.url), req, log));
  app.addHook('onResponse', async (req, reply) => observe(metrics, req, reply, keys));
  const onAppActivity = deps.onAppActivity;
  if (onAppActivity) {
    app.addHook('onRequest', (req, _reply, done) => {
      // A supervisor's health checks and a metrics scraper are not the app using the node.
      if (!MONITORING_PATHS.has(req.url)) onAppActivity();
      done();
    });
  }
  registerStreamRoutes(app, events, deps.discovery);
  const handle = keyHandler({
    keys,
    metrics,
    store: deps.store,
    loadResource,
    log,
    discovery: deps.discovery,
    domains: deps.domains,
    ...(deps.announce ? { announce: deps.announce } : {}),
  });
  app.get('/api/:key', handle);
  app.post('/api/:key', handle);
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });
  const startedAt = performance.now();
  app.get('/health', async (_req, reply) => {
    const problems = deps.store.problems?.() ?? [];
    reply.code(problems.length > 0 ? 503 : 200).header('cache-control', 'no-store');
    return {
      status: problems.length > 0 ? 'failing' : 'ok',
      problems,
      generation: deps.store.generation.get(),
      uptimeSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    };
  });
  app.get('/debug', async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8');
    const metrics = await deps.registry.getMetricsAsJSON();
    return debugPage(metrics, deps.store.generation.get(), deps.tracker?.slowest() ?? []);
  });

  const host = init.host ?? API_DEFAULT_HOST;
  await app.listen({ host, port: init.port ?? API_DEFAULT_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (init.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, port, app, events, close: () => app.close() };
}

type HandlerDeps = Omit<KeyContext, 'signal'> & {
  keys: Map<string, ApiKey>;
  metrics: ApiMetrics;
};

function keyHandler(h: HandlerDeps) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const name = (req.params as { key: string }).key;
    const key = h.keys.get(name);
    if (!key) throw new UnknownKeyError(name);
    if (key.method !== req.method) {
      reply.header('allow', key.method);
      return reply.code(405).send({ error: `${name} takes ${key.method}, not ${req.method}` });
    }
    const ifNoneMatch = req.headers['if-none-match'];
    let tagged: { generation: number; url: string } | undefined;
    if (key.cacheable && req.method === 'GET') {
      // Generation first (see etag.ts): a write during the query leaves this answer's tag stale.
      tagged = { generation: h.store.generation.get(), url: urlDigestOf(req.url) };
      const fresh = freshTag(ifNoneMatch, tagged.generation, tagged.url);
      if (fresh !== undefined) {
        h.metrics.notModified.inc({ key: name, by: 'generation' });
        return reply.code(304).headers(cacheHeaders(fresh)).send();
      }
    }
    const input = req.method === 'GET' ? inputFromQuery(key, req) : inputFromBody(key, req.body);
    const body =
      isPointLookup(key, input) && h.store.lookup
        ? // Synchronous on this thread's connection: nothing to abort.
          await h.store.lookup<string>({
            op: `api.${name}`,
            handler: 'api.renderPoint',
            args: { key: name, input },
          })
        : key.renderInPool
          ? await h.store.read<string>({
              op: `api.${name}`,
              handler: 'api.render',
              args: { key: name, input },
              signal: clientGone(reply),
            })
          : toSuperjsonText(await key.run({ ...h, signal: clientGone(reply) }, input));
    // Only a successful answer carries the tag: an error must not be revalidated as current.
    if (tagged) {
      const digest = bodyDigestOf(body);
      reply.headers(cacheHeaders(etagFor(tagged.generation, tagged.url, digest)));
      if (sameBody(ifNoneMatch, tagged.url, digest)) {
        h.metrics.notModified.inc({ key: name, by: 'body' });
        return reply.code(304).send();
      }
    }
    reply.header('content-type', 'application/json; charset=utf-8');
    return reply.send(body);
  };
}

/** Aborted when the response closes before it finished: the client went away, stop its reads. */
function clientGone(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort.signal;
}

function isPointLookup(key: ApiKey, input: unknown): boolean {
  return typeof key.pointLookup === 'function' ? key.pointLookup(input) : key.pointLookup === true;
}

/** `/api/<Key>` names a key (SEED-API.md: 404 `Unknown query key: <Key>`); anything else is a plain 404. */
function notFound(url: string): Error {
  const path = url.split('?')[0] ?? url;
  return path.startsWith('/api/')
    ? new UnknownKeyError(path.slice('/api/'.length))
    : new NotFoundError(`no route ${path}`);
}

/** `no-cache`: clients may keep the answer but must revalidate it (a cheap 304) before use. */
function cacheHeaders(etag: string): Record<string, string> {
  return { etag, 'cache-control': 'no-cache' };
}

function inputFromQuery(key: ApiKey, req: FastifyRequest): unknown {
  const params = parseQueryParams(
    req.query as Record<string, string | string[] | undefined>,
    key.params ?? {},
  );
  return key.toInput ? key.toInput(params) : params;
}

function inputFromBody(key: ApiKey, body: unknown): unknown {
  if (body === undefined || body === null) {
    throw new InvalidInputError('POST needs a DAG-CBOR body (Content-Type: application/cbor)', {
      field: 'body',
    });
  }
  return key.checkBody ? key.checkBody(body) : body;
}

/** POST bodies are DAG-CBOR (SEED-API.md); nothing else is parsed. */
function registerCborParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/cbor',
    { parseAs: 'buffer', bodyLimit },
    (_req, body, done) => {
      try {
        const bytes = body as Buffer;
        done(
          null,
          dagCbor.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
        );
      } catch (cause) {
        done(
          new InvalidInputError(`malformed CBOR: ${(cause as Error).message}`, {
            field: 'body',
            cause,
          }),
          undefined,
        );
      }
    },
  );
}

function sendError(
  reply: FastifyReply,
  err: unknown,
  req: FastifyRequest,
  log: (msg: string, extra?: object) => void,
) {
  const e = httpErrorOf(err);
  if (e.bug)
    log('api: internal error', { url: req.url, err: (err as Error)?.stack ?? String(err) });
  if (e.retryAfterS !== undefined) reply.header('retry-after', String(e.retryAfterS));
  reply.header('content-type', 'application/json; charset=utf-8');
  return reply.code(e.status).send(JSON.stringify({ error: e.message }));
}

function observe(
  metrics: ApiMetrics,
  req: FastifyRequest,
  reply: FastifyReply,
  keys: Map<string, ApiKey>,
): void {
  const param = (req.params as { key?: string } | undefined)?.key;
  // Label only known keys so a scanner cannot grow the label set.
  const key = param ? (keys.has(param) ? param : 'unknown') : (req.routeOptions.url ?? 'unknown');
  metrics.requestSeconds.observe(
    { key, status: statusClass(reply.statusCode) },
    reply.elapsedTime / 1000,
  );
}
