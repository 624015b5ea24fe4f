/**
 * End to end: a real node (startNode, temp data dir, port 0, no libp2p) and the `seedling` CLI run
 * as a child process against it. What the CLI wrote is read back over plain HTTP (fetch +
 * superjson), not through the CLI's own client, so a bug shared by both cannot hide.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import superjson from 'superjson';
import { type SeedlingNodeHandle, startNode } from '../../src/node.ts';
import { cli } from './run-cli.ts';

const MNEMONIC = 'parrot midnight lion defense ski senior trouble slice chase spot history awkward';
const ACCOUNT = 'z6Mkm3c7LJn7vJ7XZQZHKNufnG6v9mCsVwLoG6v8ngY7aXq8';
const DOC_ID = `hm://${ACCOUNT}/hello`;

let dir = '';
let node: SeedlingNodeHandle;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedling-cli-doc-'));
  node = await startNode({ dataDir: join(dir, 'node'), http: { port: 0 }, p2p: false });
});

after(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `seedling doc create|update` against the test node, signing with the vector's mnemonic. */
function signedDoc(verb: string, ...args: string[]) {
  return cli('doc', verb, '--server', node.url, '--mnemonic', MNEMONIC, ...args);
}

async function api<T = Record<string, unknown>>(key: string, query: Record<string, string>) {
  const res = await fetch(`${node.url}/api/${key}?${new URLSearchParams(query)}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${key}: ${text}`);
  return superjson.parse<T>(text);
}

type Resource = {
  type: string;
  document: {
    version: string;
    account: string;
    path: string;
    metadata: { name?: string };
    content: unknown[];
  };
};

let firstVersion = '';

test('doc create publishes one genesis Change + Ref; every read key shows the title', async () => {
  const body = 'Intro paragraph.\n\n## Section\n\nInside the section.\n\n```js\nlet x = 1;\n```';
  const out = await signedDoc(
    'create',
    '--path',
    '/hello',
    '--title',
    'Hello world',
    '--body',
    body,
    '--json',
  );
  assert.equal(out.code, 0, out.stderr);
  const created = JSON.parse(out.stdout) as { id: string; version: string; ref: string };
  assert.equal(created.id, DOC_ID);
  assert.match(created.version, /^bafy/);
  firstVersion = created.version;

  const meta = await api<{ metadata: { name?: string }; version?: string }>('ResourceMetadata', {
    id: DOC_ID,
  });
  assert.equal(meta.metadata.name, 'Hello world');

  const res = await api<Resource>('Resource', { id: DOC_ID });
  assert.equal(res.type, 'document');
  assert.equal(res.document.version, created.version);
  assert.equal(res.document.account, ACCOUNT);
  assert.equal(res.document.path, '/hello');
  const text = JSON.stringify(res.document.content);
  for (const part of ['Intro paragraph.', 'Section', 'Inside the section.', 'let x = 1;']) {
    assert.ok(text.includes(part), `content lacks ${part}: ${text}`);
  }

  // One Change that is genesis and first version: no deps, and it is the version.
  const changes = await api<{ changes: { id: string; deps: string[] }[] }>('ListChanges', {
    targetId: DOC_ID,
  });
  assert.deepEqual(
    changes.changes.map((c) => [c.id, c.deps]),
    [[created.version, []]],
  );

  const query = await api<{ results: { path: string[]; metadata: { name?: string } }[] }>('Query', {
    includes: JSON.stringify([{ space: ACCOUNT, path: '', mode: 'AllDescendants' }]),
  });
  const hit = query.results.find((r) => r.path.join('/') === 'hello');
  assert.equal(hit?.metadata.name, 'Hello world');

  const events = await api<{ events: { newBlob: { cid: string; blobType: string } }[] }>(
    'ListEvents',
    { pageSize: '50' },
  );
  const cids = events.events.map((e) => e.newBlob.cid);
  assert.ok(cids.includes(created.ref), `no event for the Ref ${created.ref}: ${cids}`);
});

test('doc update moves the version; the new title and body replace the old ones', async () => {
  assert.ok(firstVersion, 'runs after the create test');
  const out = await signedDoc(
    'update',
    '--path',
    '/hello',
    '--title',
    'Hello again',
    '--body',
    'Completely new text.',
    '--json',
  );
  assert.equal(out.code, 0, out.stderr);
  const updated = JSON.parse(out.stdout) as { id: string; version: string };
  assert.equal(updated.id, DOC_ID);
  assert.notEqual(updated.version, firstVersion);

  const meta = await api<{ metadata: { name?: string } }>('ResourceMetadata', { id: DOC_ID });
  assert.equal(meta.metadata.name, 'Hello again');
  const res = await api<Resource>('Resource', { id: DOC_ID });
  assert.equal(res.document.version, updated.version);
  const text = JSON.stringify(res.document.content);
  assert.ok(text.includes('Completely new text.'), text);
  assert.ok(!text.includes('Intro paragraph.'), `old body still there: ${text}`);

  // The first version is still readable, pinned by its version.
  const old = await api<Resource>('Resource', { id: `${DOC_ID}?v=${firstVersion}` });
  assert.equal(old.document.metadata.name, 'Hello world');

  // A title-only update keeps the body.
  const titleOnly = await signedDoc('update', '--path', '/hello', '--title', 'Hello, finally');
  assert.equal(titleOnly.code, 0, titleOnly.stderr);
  assert.match(titleOnly.stdout, new RegExp(`^${DOC_ID}\\nversion bafy`));
});

test('doc update keeps the IDs of unchanged and edited-in-place blocks', async () => {
  const write = (verb: string, body: string) =>
    signedDoc(verb, '--path', '/edits', '--title', 'Edits', '--body', body);
  const ids = async () => {
    const res = await api<Resource>('Resource', { id: `hm://${ACCOUNT}/edits` });
    return (res.document.content as { block: { id: string; text: string } }[]).map((n) => [
      n.block.id,
      n.block.text,
    ]);
  };
  assert.equal((await write('create', 'one\n\ntwo\n\nthree')).code, 0);
  const before = await ids();
  const out = await write('update', 'zero\n\none\n\ntwo, edited\n\nthree');
  assert.equal(out.code, 0, out.stderr);
  const after = await ids();
  assert.deepEqual(
    after.map(([, text]) => text),
    ['zero', 'one', 'two, edited', 'three'],
  );
  assert.deepEqual(
    after.slice(1).map(([id]) => id),
    before.map(([id]) => id),
  );
  assert.ok(!before.some(([id]) => id === after[0]![0]));
});

test('doc get prints markdown (and JSON) of the latest version', async () => {
  const md = await cli('doc', 'get', DOC_ID, '--server', node.url);
  assert.equal(md.code, 0, md.stderr);
  assert.equal(md.stdout, '# Hello, finally\n\nCompletely new text.\n');
  const json = await cli('doc', 'get', DOC_ID, '--server', node.url, '--format', 'json');
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).document.metadata.name, 'Hello, finally');
  const missing = await cli('doc', 'get', `hm://${ACCOUNT}/nothing-here`, '--server', node.url);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not-found/);
});

test('--key FILE reads the mnemonic (comments and line breaks allowed); title from "# "', async () => {
  const keyFile = join(dir, 'account.key');
  writeFileSync(keyFile, `# my test account\n${MNEMONIC.split(' ').join('\n')}\n`, {
    mode: 0o600,
  });
  const bodyFile = join(dir, 'body.md');
  writeFileSync(bodyFile, '# From a file\n\nBody from a file.\n');
  const out = await cli(
    'doc',
    'create',
    '--server',
    node.url,
    '--key',
    keyFile,
    '--path',
    '/notes/from-file',
    '--body-file',
    bodyFile,
  );
  assert.equal(out.code, 0, out.stderr);
  const md = await cli('doc', 'get', `hm://${ACCOUNT}/notes/from-file`, '--server', node.url);
  assert.equal(md.stdout, '# From a file\n\nBody from a file.\n');
});

test('query and feed print what the node holds', async () => {
  const q = await cli('query', 'ResourceMetadata', '--server', node.url, '--param', `id=${DOC_ID}`);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(JSON.parse(q.stdout).metadata.name, 'Hello, finally');
  const bad = await cli('query', 'ListEvents', '--server', node.url, '--param', 'nope=1');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /HTTP_STATUS.*400.*nope/);

  const feed = await cli('feed', '--server', node.url, '--limit', '3', '--json');
  assert.equal(feed.code, 0, feed.stderr);
  const lines = feed.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(JSON.parse(lines[0]!).newBlob.author, ACCOUNT);
  const human = await cli('feed', '--server', node.url, '--limit', '1');
  assert.match(human.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+  \\w+  ${ACCOUNT}  `));
});

test('feed --follow streams an event published after it connected', async () => {
  const follow = cli(
    'feed',
    '--server',
    node.url,
    '--limit',
    '1',
    '--follow',
    '--max-events',
    '1',
    '--json',
  );
  // Give the stream time to connect and take its baseline before publishing.
  await new Promise((r) => setTimeout(r, 1_000));
  const created = await signedDoc(
    'create',
    '--path',
    '/followed',
    '--title',
    'Followed',
    '--body',
    'x',
    '--json',
  );
  assert.equal(created.code, 0, created.stderr);
  const out = await follow;
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.length, 2, out.stdout); // one from the ListEvents page, one streamed
  const streamed = JSON.parse(lines[1]!) as { newBlob: { cid: string } };
  const { version, ref } = JSON.parse(created.stdout) as { version: string; ref: string };
  assert.ok([version, ref].includes(streamed.newBlob.cid), out.stdout);
});

test('bad key, unreachable server and missing flags fail clearly with non-zero exits', async () => {
  const badKey = await cli(
    'doc',
    'create',
    '--server',
    node.url,
    '--mnemonic',
    'parrot midnight lion',
    '--path',
    '/x',
    '--title',
    'X',
    '--body',
    'x',
  );
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /INVALID_INPUT.*mnemonic.*12, 15, 18, 21 or 24 words/);

  const noServer = await cli(
    'doc',
    'create',
    '--server',
    'http://127.0.0.1:1',
    '--mnemonic',
    MNEMONIC,
    '--path',
    '/x',
    '--title',
    'X',
    '--body',
    'x',
  );
  assert.equal(noServer.code, 1);
  assert.match(noServer.stderr, /HTTP_UNREACHABLE.*is the node running/);

  const taken = await signedDoc('create', '--path', '/hello', '--title', 'Again', '--body', 'x');
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /already exists; use doc update.*--replace/);
  const replaced = await signedDoc(
    'create',
    '--path',
    '/hello',
    '--title',
    'Again',
    '--body',
    'x',
    '--replace',
    '--json',
  );
  assert.equal(replaced.code, 0, replaced.stderr);
  const again = await api<Resource>('Resource', { id: DOC_ID });
  assert.equal(again.document.metadata.name, 'Again');
  assert.equal(again.document.version, JSON.parse(replaced.stdout).version);

  const noPath = await cli('doc', 'create', '--mnemonic', MNEMONIC, '--title', 'X', '--body', 'x');
  assert.equal(noPath.code, 2);
  assert.match(noPath.stderr, /--path is required/);

  const noKeyFile = await cli(
    'doc',
    'update',
    '--server',
    node.url,
    '--key',
    join(dir, 'missing.key'),
    '--path',
    '/hello',
    '--title',
    'x',
  );
  assert.equal(noKeyFile.code, 1);
  assert.match(noKeyFile.stderr, /cannot read key file/);

  const notThere = await signedDoc('update', '--path', '/never-created', '--title', 'x');
  assert.equal(notThere.code, 1);
  assert.match(notThere.stderr, /not a document on this node.*doc create/);
});
