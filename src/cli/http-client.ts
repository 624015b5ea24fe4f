/**
 * A small client for the Seed HTTP API (SEED-API.md "Conventions"), used by the CLI commands.
 *
 * 1. GET input travels as query parameters: strings, numbers and booleans as plain text, arrays
 *    and objects as JSON text, absent/null fields omitted, a non-object input as `__value`. Keys
 *    with a compact form (`Resource`, `ResourceMetadata`, `Account`: `id=`; `ListChanges`,
 *    `ListCitations`, `ListCapabilities`: `targetId=`) get it, from a packed `hm://` string or an
 *    unpacked ID object.
 * 2. POST input is DAG-CBOR (`application/cbor`), so blob bytes travel as CBOR byte strings.
 * 3. Answers are superjson; they are decoded here so callers see `Date`, `bigint`, `Uint8Array`.
 * 4. Every failure is an `HttpApiError` with a code a script can match on; a non-2xx answer keeps
 *    the status and the node's `{error}` message (and `Retry-After` for 503).
 * 5. Every request has a deadline (`CLI_HTTP_TIMEOUT_MS`); an SSE stream only until its headers.
 */
import superjson from 'superjson';
import { encodeDagCbor } from '../blob/dag-cbor.ts';
import { formatHmId, type HmIdParts } from '../blob/hm-id.ts';
import { CLI_HTTP_TIMEOUT_MS, DEFAULT_HTTP_URL } from '../constants.ts';
import { HttpApiError, InvalidInputError } from '../errors.ts';

export type ApiClientInit = {
  /** The node's HTTP address, e.g. `http://127.0.0.1:3939` (a trailing `/` is fine). */
  baseUrl: string;
  timeoutMs?: number;
};

/** One Server-Sent Event: `data` decoded from superjson. */
export type ServerEvent = { id: string; event: string; data: unknown };

/** Keys whose whole input is one hm:// ID sent as `id=<packed>`. */
const ID_PARAM_KEYS = new Set(['Resource', 'ResourceMetadata']);
/** Keys whose `targetId` field is sent packed as `targetId=<packed>`. */
const TARGET_ID_KEYS = new Set(['ListChanges', 'ListCitations', 'ListCapabilities']);
/** Longest error text kept from a non-JSON error body. */
const MAX_ERROR_TEXT = 300;

export class SeedApiClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  constructor(init: ApiClientInit) {
    this.baseUrl = checkBaseUrl(init.baseUrl);
    this.#timeoutMs = init.timeoutMs ?? CLI_HTTP_TIMEOUT_MS;
  }

  /** `GET /api/<key>` with `input` encoded by the conventions (header comment, point 1). */
  async get<T = unknown>(key: string, input?: unknown, signal?: AbortSignal): Promise<T> {
    return this.getParams<T>(key, encodeGetInput(key, input), signal);
  }

  /** `GET /api/<key>` with query parameters exactly as given (`seedling query --param`). */
  async getParams<T = unknown>(
    key: string,
    params: URLSearchParams,
    signal?: AbortSignal,
  ): Promise<T> {
    const query = params.toString();
    const url = `${this.#keyUrl(key)}${query ? `?${query}` : ''}`;
    return this.#request<T>(
      url,
      { method: 'GET', headers: { accept: 'application/json' } },
      signal,
    );
  }

  /** `POST /api/<key>` with `input` as DAG-CBOR. */
  async post<T = unknown>(key: string, input: unknown, signal?: AbortSignal): Promise<T> {
    const body = encodeDagCbor(input);
    return this.#request<T>(
      this.#keyUrl(key),
      {
        method: 'POST',
        headers: { 'content-type': 'application/cbor', accept: 'application/json' },
        body,
      },
      signal,
    );
  }

  /** `GET /api/events` (Seedling's SSE feed): yields events until `signal` aborts or the node closes. */
  async *events(signal?: AbortSignal): AsyncGenerator<ServerEvent> {
    const url = `${this.baseUrl}/api/events`;
    const headersDeadline = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#fetch(
      url,
      { headers: { accept: 'text/event-stream' } },
      combine(signal, headersDeadline),
      signal,
    );
    if (!res.ok) throw await errorOf(res, url);
    if (!res.body) throw new HttpApiError('HTTP_BAD_RESPONSE', `${url}: empty event stream`);
    try {
      yield* parseEventStream(res.body, url);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  #keyUrl(key: string): string {
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(key)) {
      throw new InvalidInputError(`"${key.slice(0, 40)}" is not an API key name`, { field: 'key' });
    }
    return `${this.baseUrl}/api/${key}`;
  }

  async #request<T>(url: string, init: RequestInit, signal?: AbortSignal): Promise<T> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const both = combine(signal, deadline);
    const res = await this.#fetch(url, init, both, signal);
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      throw transportError(url, cause, deadline, this.#timeoutMs);
    }
    if (!res.ok) throw errorFromBody(res, text, url);
    return decodeAnswer<T>(text, url);
  }

  async #fetch(
    url: string,
    init: RequestInit,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal });
    } catch (cause) {
      if (callerSignal?.aborted) throw cause;
      throw transportError(url, cause, signal, this.#timeoutMs);
    }
  }
}

/** The query parameters of a GET (exported for tests and `seedling query --input`). */
export function encodeGetInput(key: string, input: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (input === undefined || input === null) return params;
  if (ID_PARAM_KEYS.has(key) || key === 'Account') {
    params.set('id', key === 'Account' ? accountUid(input) : packedId(input, 'id'));
    return params;
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    params.set('__value', plainOrJson(input));
    return params;
  }
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const text =
      name === 'targetId' && TARGET_ID_KEYS.has(key) ? packedId(value, name) : plainOrJson(value);
    params.set(name, text);
  }
  return params;
}

function plainOrJson(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** An hm:// ID as text: given packed, or as an unpacked ID object (`{uid, path, version, ...}`). */
function packedId(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as HmIdParts).uid === 'string') {
    return formatHmId(value as HmIdParts);
  }
  throw new InvalidInputError('must be an hm:// ID or an unpacked ID object', { field });
}

function accountUid(value: unknown): string {
  if (typeof value === 'string') return value;
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id === 'string') return id;
  throw new InvalidInputError('must be an account ID', { field: 'id' });
}

function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(`"${text}" is not a URL (expected http://host:port)`, {
      field: 'server',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`expected an http:// or https:// URL, got "${text}"`, {
      field: 'server',
    });
  }
  return url.href.replace(/\/+$/, '');
}

function combine(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

function transportError(
  url: string,
  cause: unknown,
  deadline: AbortSignal,
  timeoutMs: number,
): HttpApiError {
  if (deadline.aborted || (cause as Error)?.name === 'TimeoutError') {
    return new HttpApiError('HTTP_TIMEOUT', `${url}: no answer within ${timeoutMs} ms`, { cause });
  }
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  const reason = inner?.code ?? inner?.message ?? (cause as Error)?.message ?? String(cause);
  return new HttpApiError(
    'HTTP_UNREACHABLE',
    `cannot reach ${url} (${reason}); is the node running?`,
    {
      cause,
    },
  );
}

async function errorOf(res: Response, url: string): Promise<HttpApiError> {
  return errorFromBody(res, await res.text().catch(() => ''), url);
}

function errorFromBody(res: Response, text: string, url: string): HttpApiError {
  let message = text.slice(0, MAX_ERROR_TEXT) || res.statusText;
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body?.error === 'string') message = body.error;
  } catch {
    // not JSON (a proxy's HTML page, say): keep the text
  }
  const retry = Number(res.headers.get('retry-after'));
  const retryAfterS = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  const hint = retryAfterS !== undefined ? ` (node busy; retry after ${retryAfterS} s)` : '';
  return new HttpApiError('HTTP_STATUS', `${res.status} from ${url}: ${message}${hint}`, {
    status: res.status,
    ...(retryAfterS !== undefined ? { retryAfterS } : {}),
  });
}

function decodeAnswer<T>(text: string, url: string): T {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new HttpApiError('HTTP_BAD_RESPONSE', `${url}: answer is not JSON`, { cause });
  }
  if (body === null || typeof body !== 'object' || !('json' in body)) return body as T;
  try {
    return superjson.deserialize<T>(body as Parameters<typeof superjson.deserialize>[0]);
  } catch (cause) {
    throw new HttpApiError('HTTP_BAD_RESPONSE', `${url}: answer is not superjson`, { cause });
  }
}

/** Splits a text/event-stream body into events (fields `id`, `event`, `data`; comments skipped). */
async function* parseEventStream(
  body: ReadableStream<Uint8Array>,
  url: string,
): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = parseEventBlock(buffer.slice(0, end), url);
      buffer = buffer.slice(end + 2);
      if (event) yield event;
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseEventBlock(block: string, url: string): ServerEvent | null {
  let id = '';
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  try {
    return { id, event, data: superjson.parse(data.join('\n')) };
  } catch (cause) {
    throw new HttpApiError('HTTP_BAD_RESPONSE', `${url}: event data is not superjson`, { cause });
  }
}

/**
 * JSON text of a decoded answer for printing: `bigint` as a decimal string, bytes as base64 text
 * (`Date` already prints as ISO text), so any answer can be shown and piped to `jq`.
 */
export function toJsonText(value: unknown, indent?: number): string {
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
        return v;
      },
      indent,
    ) ?? 'null'
  );
}

/** The client a command uses: `--server`, else `SEEDLING_SERVER`, else the default local node. */
export function clientFor(server: string | undefined): SeedApiClient {
  return new SeedApiClient({ baseUrl: server ?? process.env.SEEDLING_SERVER ?? DEFAULT_HTTP_URL });
}
