import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagCbor from '@ipld/dag-cbor';
import { Ajv, type ValidateFunction } from 'ajv';
import superjson from 'superjson';
import { type NodeInit, type SeedlingNodeHandle, startNode } from '../../src/node.ts';

/** Where the Seed API contract lives (copied from Seed's client validation; SEED-API.md). */
export const SCHEMA_DIR =
  process.env.SEED_API_SCHEMAS ?? new URL('../fixtures/seed-api/schemas', import.meta.url).pathname;

export type SchemaFile = {
  key: string;
  method: 'GET' | 'POST';
  path: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
};

export function loadSchema(key: string): SchemaFile {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, `${key}.json`), 'utf8')) as SchemaFile;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** Validates a decoded answer against `<Key>.json`'s output schema; throws listing every violation. */
export function assertMatchesOutput(key: string, value: unknown): void {
  let validate = validators.get(key);
  if (!validate) {
    const { $schema: _ignored, ...output } = loadSchema(key).output;
    validate = ajv.compile(output);
    validators.set(key, validate);
  }
  if (!validate(forSchema(value))) {
    throw new Error(
      `${key} answer breaks its output schema: ${ajv.errorsText(validate.errors, { separator: '\n' })}\n` +
        JSON.stringify(forSchema(value), null, 1).slice(0, 4000),
    );
  }
}

/**
 * The schemas come from zod validators that see JS values: a `bigint` field is `{type: integer}`
 * and a Date or byte field is `{}`. ajv sees JSON types only, so bigints become numbers here (the
 * tests check separately that they ARE bigints on the wire).
 */
function forSchema(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(forSchema);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forSchema(v)]));
  }
  return value;
}

export type TestNode = SeedlingNodeHandle & {
  dir: string;
  get(
    key: string,
    params?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Answer>;
  post(key: string, body: unknown): Promise<Answer>;
  stop(): Promise<void>;
};

export type Answer = { status: number; headers: Headers; body: unknown; text: string };

export async function startTestNode(opts: Partial<NodeInit> = {}): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'seedling-api-'));
  const node = await startNode({
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    p2p: false,
    ...opts,
    store: { readerThreads: 1, ...opts.store },
  });
  return Object.assign(node, {
    dir,
    get: (key: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
      request(`${node.url}/api/${key}?${new URLSearchParams(params)}`, { headers }),
    post: (key: string, body: unknown) =>
      request(`${node.url}/api/${key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor' },
        body: body instanceof Uint8Array ? body : dagCbor.encode(body),
      }),
    stop: async () => {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  if (text && res.headers.get('content-type')?.includes('application/json')) {
    const json = JSON.parse(text) as { json?: unknown; error?: unknown };
    body = 'json' in json ? superjson.parse(text) : json;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** PublishBlobs body from fixture blobs (CIDs as strings; `withCid: false` drops them as Seed's clients do). */
export function publishBody(
  blobs: { cid: { toString(): string }; data: Uint8Array }[],
  withCid = true,
) {
  return {
    blobs: blobs.map((b) => (withCid ? { cid: b.cid.toString(), data: b.data } : { data: b.data })),
  };
}
