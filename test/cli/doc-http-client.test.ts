/**
 * SeedApiClient against a real `node:http` server on 127.0.0.1 that records each request and
 * answers as scripted: checks the wire conventions the client must follow, independent of the
 * node (the end-to-end run against a real node is in doc.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import superjson from 'superjson';
import { decodeDagCbor } from '../../src/blob/dag-cbor.ts';
import { encodeGetInput, SeedApiClient, toJsonText } from '../../src/cli/http-client.ts';
import { HttpApiError, InvalidInputError } from '../../src/errors.ts';

type Recorded = { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer };
type Handler = (req: Recorded, res: ServerResponse) => void;

const ACCOUNT = 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8';
const CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
let handler: Handler = (_req, res) => res.end('{}');
const requests: Recorded[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const rec = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(rec);
    handler(rec, res);
  });
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

function lastQuery(): Record<string, string> {
  const url = new URL(requests.at(-1)!.url, 'http://x');
  return Object.fromEntries(url.searchParams);
}

test('GET: strings/numbers/booleans plain, arrays and objects as JSON, null omitted', async () => {
  handler = answer(200, superjson.serialize({ events: [], nextPageToken: '' }));
  const client = new SeedApiClient({ baseUrl: base });
  const out = await client.get('ListEvents', {
    pageSize: 5,
    pageToken: '12',
    trustedOnly: false,
    filterAuthors: [ACCOUNT],
    filterResource: null,
    order: undefined,
  });
  assert.deepEqual(out, { events: [], nextPageToken: '' });
  assert.equal(requests.at(-1)!.method, 'GET');
  assert.equal(new URL(requests.at(-1)!.url, 'http://x').pathname, '/api/ListEvents');
  assert.deepEqual(lastQuery(), {
    pageSize: '5',
    pageToken: '12',
    trustedOnly: 'false',
    filterAuthors: JSON.stringify([ACCOUNT]),
  });
});

test('GET: compact id= for Resource/ResourceMetadata/Account, targetId= packed, __value', () => {
  const id = `hm://${ACCOUNT}/a/b?v=${CID}&l#blk`;
  assert.deepEqual(Object.fromEntries(encodeGetInput('Resource', id)), { id });
  const unpacked = { uid: ACCOUNT, path: ['a', 'b'], version: CID, latest: true, blockRef: 'blk' };
  assert.deepEqual(Object.fromEntries(encodeGetInput('ResourceMetadata', unpacked)), { id });
  assert.deepEqual(Object.fromEntries(encodeGetInput('Account', ACCOUNT)), { id: ACCOUNT });
  assert.deepEqual(Object.fromEntries(encodeGetInput('ListChanges', { targetId: unpacked })), {
    targetId: id,
  });
  assert.deepEqual(Object.fromEntries(encodeGetInput('Comment', `${ACCOUNT}/zTsid`)), {
    __value: `${ACCOUNT}/zTsid`,
  });
  assert.throws(() => encodeGetInput('Resource', 42), InvalidInputError);
});

test('POST: DAG-CBOR body with bytes as byte strings; superjson Date/bigint/bytes decoded', async () => {
  const when = new Date('2026-01-02T03:04:05.000Z');
  handler = answer(
    200,
    superjson.serialize({ at: when, big: 2n ** 60n, bytes: new Uint8Array([1, 2, 3]) }),
  );
  const client = new SeedApiClient({ baseUrl: base });
  const data = new Uint8Array([0xa1, 0x00, 0xff]);
  const out = await client.post<{ at: Date; big: bigint; bytes: Uint8Array }>('PublishBlobs', {
    blobs: [{ data }],
  });
  const req = requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['content-type'], 'application/cbor');
  const body = decodeDagCbor(new Uint8Array(req.body)) as { blobs: { data: Uint8Array }[] };
  assert.deepEqual(body.blobs[0]!.data, data);
  assert.ok(out.at instanceof Date && out.at.getTime() === when.getTime());
  assert.equal(out.big, 2n ** 60n);
  assert.deepEqual([...out.bytes], [1, 2, 3]);
  assert.equal(
    toJsonText(out),
    `{"at":"${when.toISOString()}","big":"${2n ** 60n}","bytes":"AQID"}`,
  );
});

test('non-2xx {error} becomes HttpApiError with status and message; 503 keeps Retry-After', async () => {
  const client = new SeedApiClient({ baseUrl: base });
  handler = answer(400, { error: 'pageSize: must be a number' });
  await assert.rejects(client.get('ListEvents', { pageSize: 'x' }), (err: HttpApiError) => {
    assert.ok(err instanceof HttpApiError);
    assert.equal(err.code, 'HTTP_STATUS');
    assert.equal(err.status, 400);
    assert.match(err.message, /400 .*pageSize: must be a number/);
    return true;
  });
  handler = answer(503, { error: 'write queue is full' }, { 'retry-after': '2' });
  await assert.rejects(client.post('PublishBlobs', { blobs: [] }), (err: HttpApiError) => {
    assert.equal(err.status, 503);
    assert.equal(err.retryAfterS, 2);
    assert.match(err.message, /retry after 2 s/);
    return true;
  });
  handler = answer(502, '<html>bad gateway</html>');
  await assert.rejects(client.get('Resource', `hm://${ACCOUNT}`), /502 .*bad gateway/);
});

test('timeouts, unreachable nodes, bad URLs and bad answers are typed errors', async () => {
  handler = () => {}; // never answers
  const slow = new SeedApiClient({ baseUrl: base, timeoutMs: 150 });
  await assert.rejects(slow.get('ListEvents', {}), { code: 'HTTP_TIMEOUT' });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const gone = new SeedApiClient({ baseUrl: `http://127.0.0.1:${port}` });
  await assert.rejects(gone.get('ListEvents', {}), (err: HttpApiError) => {
    assert.equal(err.code, 'HTTP_UNREACHABLE');
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
  assert.throws(() => new SeedApiClient({ baseUrl: 'localhost:3939' }), { field: 'server' });
  assert.throws(() => new SeedApiClient({ baseUrl: 'ftp://x' }), { field: 'server' });
  handler = answer(200, 'not json');
  await assert.rejects(new SeedApiClient({ baseUrl: base }).get('ListEvents', {}), {
    code: 'HTTP_BAD_RESPONSE',
  });
  await assert.rejects(new SeedApiClient({ baseUrl: base }).get('../x', {}), { field: 'key' });
});

test('events() parses an SSE stream split at arbitrary points and stops on abort', async () => {
  const first = { type: 'Ref', eventTime: new Date(1_700_000_000_000) };
  const text =
    ': connected\n\n' +
    `id: 1\nevent: event\ndata: ${superjson.stringify(first)}\n\n` +
    `: keep-alive\n\nid: 2\r\nevent: event\r\ndata: ${superjson.stringify({ n: 2 })}\r\n\r\n`;
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Dribble it out in 7-byte pieces so events straddle chunk boundaries.
    let at = 0;
    const timer = setInterval(() => {
      res.write(text.slice(at, at + 7));
      at += 7;
      if (at >= text.length) clearInterval(timer);
    }, 1);
  };
  const stop = new AbortController();
  const got: unknown[] = [];
  for await (const e of new SeedApiClient({ baseUrl: base }).events(stop.signal)) {
    got.push([e.id, e.event, e.data]);
    if (got.length === 2) stop.abort();
  }
  assert.deepEqual(got, [
    ['1', 'event', first],
    ['2', 'event', { n: 2 }],
  ]);
});
