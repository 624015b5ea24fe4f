import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ParamKind } from '../../src/api/api-key.ts';
import { ALL_KEYS } from '../../src/api/keys/all-keys.ts';
import { createComment } from '../../src/blob/create-blob.ts';
import { formatHmId } from '../../src/blob/hm-id.ts';
import { createTsid } from '../../src/blob/tsid.ts';
import {
  BASE_TS,
  makeCapability,
  makeComment,
  makeContact,
  makeDocument,
  makeHomeWithSite,
  makeProfile,
  testKey,
} from '../fixtures/blob-factory.ts';
import {
  assertMatchesOutput,
  loadSchema,
  publishBody,
  SCHEMA_DIR,
  startTestNode,
  type TestNode,
} from './helpers.ts';

/**
 * The contract: every key this node serves answers, over real HTTP and decoded with superjson,
 * exactly what `seed-api/schemas/<Key>.json` allows (the shapes Seed's own client validates).
 */

const alice = testKey('alice');
const bob = testKey('bob');
const carol = testKey('carol');
const home = makeDocument(alice, { genesis: 'cli', title: 'Alice home', changes: 1 });
const child = makeDocument(alice, { path: '/notes', title: 'Notes', changes: 2 });
const comment = makeComment(bob, {
  space: alice.principal,
  path: '/notes',
  version: [child.changes.at(-1)!.cid],
});
const reply = makeComment(
  alice,
  { space: alice.principal, path: '/notes', version: [child.changes.at(-1)!.cid] },
  { replyParent: comment.cid, threadRoot: comment.cid, ts: BASE_TS + 20_000, text: 'Thanks' },
);
/** Bob edits his comment: same ID (its TSID), a later ts. */
const commentEdit = makeComment(
  bob,
  { space: alice.principal, path: '/notes', version: [child.changes.at(-1)!.cid] },
  { id: createTsid(BASE_TS + 10_000, comment.data), ts: BASE_TS + 15_000, text: 'Nice post!' },
);
/** Carol, on Alice's home, quotes block b0 of /notes: a citation and a reference to that block. */
const quote = createComment(
  {
    ts: BASE_TS + 16_000,
    space: alice.principal,
    path: '',
    version: [home.changes.at(-1)!.cid],
    body: [
      {
        id: 'q1',
        type: 'Paragraph',
        text: 'as said',
        annotations: [
          { type: 'Link', starts: [0], ends: [2], link: `hm://${alice.accountId}/notes#b0` },
        ],
      },
    ],
  },
  carol,
);
const capability = makeCapability(alice, bob.principal, { path: '/notes' });
/** Carol may act for Alice everywhere, as an agent: not a collaborator. */
const agent = makeCapability(alice, carol.principal, { path: '', role: 'AGENT' });
/** Carol follows Alice's site. */
const follow = makeContact(carol, alice.principal, {
  name: 'Alice',
  subscribe: { site: true, profile: false },
});
const contact = makeContact(alice, bob.principal, {
  name: 'Bob',
  subscribe: { site: true, profile: false },
});
const profile = makeProfile(alice, { name: 'Alice' });
/** Dave's home names its web site: GetDomain knows whose site dave.example is without a check. */
const dave = testKey('dave');
const daveHome = makeHomeWithSite(dave, 'Dave', 'https://dave.example');

let node: TestNode;
/** Keys of Seed's API (Seedling's own keys, such as Discover, have no schema file). */
const SEED_KEYS = ALL_KEYS.filter((k) => !k.ownKey);
const served = new Set<string>();

/** GET a key, check 200 and the output schema, remember the key as covered. */
async function checkGet(key: string, params: Record<string, string>) {
  const res = await node.get(key, params);
  assert.equal(res.status, 200, `${key}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assertMatchesOutput(key, res.body);
  served.add(key);
  return res.body as Record<string, unknown>;
}

describe('Seed API contract', () => {
  before(async () => {
    node = await startTestNode();
    const blobs = [
      ...home.all,
      ...child.all,
      comment,
      commentEdit,
      reply,
      quote,
      capability,
      agent,
      contact,
      follow,
      profile,
      ...daveHome,
    ];
    const res = await node.post('PublishBlobs', publishBody(blobs));
    assert.equal(res.status, 200, res.text);
    assertMatchesOutput('PublishBlobs', res.body);
    served.add('PublishBlobs');
  });
  after(() => node.stop());

  it('Resource: a live document, and not-found', async () => {
    const doc = await checkGet('Resource', { id: `hm://${alice.accountId}/notes` });
    assert.equal(doc.type, 'document');
    const missing = await checkGet('Resource', { id: `hm://${alice.accountId}/nope` });
    assert.equal(missing.type, 'not-found');
  });

  it('ResourceMetadata, Account, ListAccounts', async () => {
    await checkGet('ResourceMetadata', { id: `hm://${alice.accountId}/notes` });
    const account = await checkGet('Account', { id: alice.accountId });
    assert.equal(account.type, 'account');
    const unknown = await checkGet('Account', { id: testKey('nobody').accountId });
    assert.equal(unknown.type, 'account-not-found');
    await checkGet('ListAccounts', {});
  });

  it('Query with sortTime as a real Date and generation as a bigint', async () => {
    const out = await checkGet('Query', {
      includes: JSON.stringify([{ space: alice.accountId, path: '', mode: 'AllDescendants' }]),
      sort: JSON.stringify([{ term: 'UpdateTime', reverse: true }]),
    });
    const results = out.results as Record<string, unknown>[];
    assert.equal(results.length, 1);
    assert.ok(results[0]!.sortTime instanceof Date);
    const info = results[0]!.generationInfo as { generation: unknown };
    assert.equal(typeof info.generation, 'bigint');
  });

  it('QueryBlock: the listing with its target name, counts per result and authors', async () => {
    const out = await checkGet('QueryBlock', {
      query: JSON.stringify({
        includes: [{ space: alice.accountId, path: '', mode: 'AllDescendants' }],
        sort: [{ term: 'UpdateTime', reverse: true }],
      }),
    });
    assert.equal(out.queryTargetName, 'Alice home');
    const results = out.results as { id: { id: string } }[];
    const notes = `hm://${alice.accountId}/notes`;
    assert.deepEqual(
      results.map((r) => r.id.id),
      [notes],
    );
    assert.deepEqual(out.interactionSummaries, { [notes]: { comments: 2, children: 0 } });
    assert.deepEqual(Object.keys(out.accountsMetadata as object), [alice.accountId]);
    const bad = await node.get('QueryBlock', { query: JSON.stringify({ includes: [] }) });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /includes/);
  });

  it('Search finds documents by title, with their parents; bad input is 400', async () => {
    type Entity = { id: { id: string }; title: string; parentNames: string[]; type: string };
    const found = await checkGet('Search', { query: 'NOTES' });
    assert.deepEqual(
      (found.entities as Entity[]).map((e) => [e.id.id, e.title, e.parentNames, e.type]),
      [[`hm://${alice.accountId}/notes`, 'Notes', ['Alice home'], 'document']],
    );
    assert.equal(found.searchQuery, 'NOTES');
    const all = await checkGet('Search', { query: 'e', accountUid: alice.accountId });
    assert.deepEqual(
      (all.entities as Entity[]).map((e) => e.title).sort(),
      ['Alice home', 'Notes'],
      'both titles hold an "e"',
    );

    const elsewhere = await checkGet('Search', { query: 'notes', accountUid: bob.accountId });
    assert.deepEqual(elsewhere.entities, []);
    const empty = await checkGet('Search', {});
    assert.deepEqual(empty.entities, []);
    const long = await node.get('Search', { query: 'x'.repeat(201) });
    assert.equal(long.status, 400);
    assert.match(long.text, /query/);
  });

  it('ListEvents, ListChanges, ListComments, Comment, ListCapabilities', async () => {
    const events = await checkGet('ListEvents', { pageSize: '5' });
    assert.equal(typeof events.nextPageToken, 'string');
    const target = formatHmId({ uid: alice.accountId, path: ['notes'] });
    const changes = await checkGet('ListChanges', { targetId: target });
    assert.equal((changes.changes as unknown[]).length, 3);
    const comments = await checkGet('ListComments', {
      targetId: JSON.stringify({ uid: alice.accountId, path: ['notes'] }),
    });
    const list = comments.comments as { id: string; author: string }[];
    assert.equal(list.length, 2);
    const bobs = list.find((c) => c.author === bob.accountId)!;
    await checkGet('Comment', { __value: bobs.id });
    await checkGet('ListCapabilities', { targetId: target });
  });

  it('ListCommentsByAuthor and GetCommentReplyCount', async () => {
    const byJson = await checkGet('ListCommentsByAuthor', {
      authorId: JSON.stringify({
        id: `hm://${bob.accountId}`,
        uid: bob.accountId,
        path: null,
        version: null,
        blockRef: null,
        blockRange: null,
        hostname: null,
        scheme: 'hm',
      }),
    });
    const bobs = byJson.comments as { id: string; author: string }[];
    assert.deepEqual(
      bobs.map((c) => c.author),
      [bob.accountId],
    );
    assert.ok((byJson.authors as Record<string, unknown>)[bob.accountId], 'author metadata');
    const byText = await checkGet('ListCommentsByAuthor', { authorId: `hm://${alice.accountId}` });
    assert.equal((byText.comments as unknown[]).length, 1, 'alice wrote the reply only');
    const none = await checkGet('ListCommentsByAuthor', {
      authorId: `hm://${testKey('silent').accountId}`,
    });
    assert.deepEqual(none.comments, []);

    const count = async (id: string) =>
      (await checkGet('GetCommentReplyCount', { id })) as unknown as number;
    assert.equal(await count(bobs[0]!.id), 1);
    const replies = (byText.comments as { id: string }[])[0]!.id;
    assert.equal(await count(replies), 0);
    const bad = await node.get('GetCommentReplyCount', { id: 'not-a-comment' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /comment ID/);
  });

  it('ListDiscussions: the thread on a document, and under a comment', async () => {
    const targetId = formatHmId({ uid: alice.accountId, path: ['notes'] });
    const all = await checkGet('ListDiscussions', { targetId });
    const discussions = all.discussions as { id: string; comments: { author: string }[] }[];
    assert.equal(discussions.length, 1);
    assert.deepEqual(
      discussions[0]!.comments.map((c) => c.author),
      [bob.accountId, alice.accountId],
      "bob's comment and alice's reply, one linear thread",
    );
    const citing = all.citingDiscussions as {
      id: string;
      type: string;
      comments: { author: string }[];
      target: { id: { uid: string; path: string[] | null }; metadata: { name?: string } | null };
    }[];
    assert.deepEqual(
      citing.map((g) => [
        g.type,
        g.comments.map((c) => c.author),
        g.target.id.uid,
        g.target.id.path,
      ]),
      [['externalCommentGroup', [carol.accountId], alice.accountId, null]],
      "carol's quote on alice's home cites /notes",
    );
    assert.ok(citing[0]!.id.startsWith(`hm://${carol.accountId}/`));
    assert.equal(citing[0]!.target.metadata?.name, 'Alice home');
    assert.ok((all.authors as Record<string, unknown>)[carol.accountId], 'the citing author too');
    assert.ok((all.authors as Record<string, unknown>)[bob.accountId]);
    const under = await checkGet('ListDiscussions', {
      targetId: JSON.stringify({ uid: alice.accountId, path: ['notes'] }),
      commentId: discussions[0]!.id,
    });
    const replies = under.discussions as { comments: { author: string }[] }[];
    assert.deepEqual(
      replies.map((d) => d.comments.map((c) => c.author)),
      [[alice.accountId]],
    );
  });

  it('ListCommentVersions: the edit history, newest first; unknown is 404, malformed 400', async () => {
    const id = `${bob.accountId}/${createTsid(BASE_TS + 10_000, comment.data)}`;
    const out = await checkGet('ListCommentVersions', { id });
    const versions = out.versions as { id: string; version: string; content: unknown[] }[];
    assert.deepEqual(
      versions.map((v) => [v.id, v.version]),
      [
        [id, commentEdit.cid.toString()],
        [id, comment.cid.toString()],
      ],
    );
    const unknown = await node.get('ListCommentVersions', {
      id: `${carol.accountId}/zzzzzzzzzzzzz`,
    });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /no comment .* or it was deleted/);
    const bad = await node.get('ListCommentVersions', { id: 'not-a-comment' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /comment ID/);
  });

  it('ListDocumentCollaborators: writers by where they were granted, site members at the home', async () => {
    type Grant = { accountUid: string; role: string; grantId: { id: string } };
    type Member = { account: { uid: string }; role: string };
    const notes = await checkGet('ListDocumentCollaborators', {
      targetId: JSON.stringify({ uid: alice.accountId, path: ['notes'] }),
    });
    assert.equal(notes.publisherUid, alice.accountId);
    assert.deepEqual(notes.parentCapabilities, []);
    const granted = notes.grantedCapabilities as Grant[];
    assert.deepEqual(
      granted.map((g) => [g.accountUid, g.role, g.grantId.id]),
      [[bob.accountId, 'writer', `hm://${alice.accountId}/notes`]],
      'the agent grant on the whole space is no collaborator',
    );
    assert.deepEqual(
      (notes.grantedMembers as Member[]).map((m) => [m.account.uid, m.role]),
      [[bob.accountId, 'writer']],
    );
    assert.deepEqual(notes.members, [], 'members are listed at the home only');
    assert.ok((notes.accounts as Record<string, unknown>)[bob.accountId]);

    const below = await checkGet('ListDocumentCollaborators', {
      targetId: formatHmId({ uid: alice.accountId, path: ['notes', 'deeper'] }),
    });
    assert.deepEqual(
      (below.parentCapabilities as Grant[]).map((g) => g.accountUid),
      [bob.accountId],
      'a grant on /notes covers /notes/deeper, from a parent',
    );
    assert.deepEqual(below.grantedCapabilities, []);

    const site = await checkGet('ListDocumentCollaborators', {
      targetId: formatHmId({ uid: alice.accountId, path: [] }),
    });
    assert.deepEqual(site.parentCapabilities, []);
    assert.deepEqual(site.grantedCapabilities, []);
    assert.deepEqual(
      (site.members as Member[]).map((m) => [m.account.uid, m.role]),
      [[carol.accountId, 'member']],
    );
    const accounts = site.accounts as Record<string, { metadata: { name?: string } | null }>;
    assert.equal(accounts[alice.accountId]?.metadata?.name, 'Alice', 'her profile over her home');
    assert.equal(accounts[carol.accountId]?.metadata, null, 'nothing known of carol');

    const bad = await node.get('ListDocumentCollaborators', { targetId: 'hm://not an id' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /targetId/);
  });

  it('ListCitations, InteractionSummary and ListCommentsByReference read the link index', async () => {
    type Citation = { source: string; sourceType: string; targetFragment: string };
    const notes = formatHmId({ uid: alice.accountId, path: ['notes'] });
    const cited = (await checkGet('ListCitations', { targetId: notes })).citations as Citation[];
    const quoted = cited.filter((c) => c.targetFragment === 'b0');
    assert.equal(quoted.length, 1);
    assert.equal(quoted[0]!.sourceType, 'Comment');
    assert.ok(quoted[0]!.source.startsWith(`hm://${carol.accountId}/`));
    assert.equal(
      cited.filter((c) => c.sourceType === 'Comment').length,
      3,
      "carol's quote, bob's comment (its two versions cite the same version: once), alice's reply",
    );

    const summary = (await checkGet('InteractionSummary', {
      id: JSON.stringify({ uid: alice.accountId, path: ['notes'] }),
    })) as { comments: number; citations: number; changes: number; blocks: unknown };
    assert.deepEqual(
      [summary.citations, summary.comments, summary.changes],
      [0, 3, 3],
      'no document cites /notes; 3 comments (bob, the reply, the quote); 3 changes',
    );
    assert.deepEqual(summary.blocks, { b0: { citations: 0, comments: 1 } });

    const byRef = await checkGet('ListCommentsByReference', { targetId: `${notes}#b0` });
    assert.deepEqual(
      (byRef.comments as { author: string }[]).map((c) => c.author),
      [carol.accountId],
    );
    const none = await checkGet('ListCommentsByReference', { targetId: `${notes}#b1` });
    assert.deepEqual(none.comments, []);
    const noBlock = await node.get('ListCommentsByReference', { targetId: notes });
    assert.equal(noBlock.status, 400);
    assert.match(noBlock.text, /targetId: must name a block/);
  });

  it('AccountContacts and SubjectContacts', async () => {
    const mine = (await checkGet('AccountContacts', {
      __value: alice.accountId,
    })) as unknown as Record<string, unknown>[];
    assert.equal(mine.length, 1);
    assert.deepEqual(
      [mine[0]!.subject, mine[0]!.account, mine[0]!.signer, mine[0]!.name, mine[0]!.subscribe],
      [bob.accountId, alice.accountId, alice.accountId, 'Bob', { site: true, profile: false }],
    );
    const aboutBob = (await checkGet('SubjectContacts', {
      __value: bob.accountId,
    })) as unknown as Record<string, unknown>[];
    assert.deepEqual(
      aboutBob.map((c) => c.account),
      [alice.accountId],
    );
    const none = await checkGet('SubjectContacts', { __value: testKey('silent').accountId });
    assert.deepEqual(none, []);
    const bad = await node.get('AccountContacts', { __value: 'nope' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /__value: .*not an account ID/);
  });

  it('GetCID and DiscoveryStatus', async () => {
    const got = await checkGet('GetCID', { cid: child.ref.cid.toString() });
    assert.equal((got.value as { type: string }).type, 'Ref');
    const found = await checkGet('DiscoveryStatus', { uid: alice.accountId, path: 'notes' });
    assert.equal(found.state, 'found');
    await checkGet('DiscoveryStatus', { uid: bob.accountId, path: 'x/y', l: '' });
  });

  it('PrepareDocumentChange answers unsigned change bytes', async () => {
    const res = await node.post('PrepareDocumentChange', {
      account: alice.accountId,
      path: '/notes',
      changes: [{ op: { case: 'setMetadata', value: { key: 'name', value: 'Renamed' } } }],
    });
    assert.equal(res.status, 200, res.text);
    assertMatchesOutput('PrepareDocumentChange', res.body);
    assert.ok((res.body as { unsignedChange: unknown }).unsignedChange instanceof Uint8Array);
    served.add('PrepareDocumentChange');
  });

  it('GetDomain from a home document naming its site, ListDomains (no domain checked yet)', async () => {
    const got = await checkGet('GetDomain', { domain: 'dave.example' });
    assert.deepEqual([got.status, got.registeredAccountUid], ['success', dave.accountId]);
    assert.deepEqual((await checkGet('ListDomains', {})).domains, []);
  });

  it('an unknown key answers 404 Unknown query key', async () => {
    const res = await node.get('NoSuchKey');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { error: 'Unknown query key: NoSuchKey' });
  });

  it('covered every key the node serves', () => {
    assert.deepEqual([...served].sort(), SEED_KEYS.map((k) => k.key).sort());
  });
});

describe('keys match their schema files', () => {
  /** Fields sent in a compact form instead of the schema's JSON (SEED-API.md "GET input"). */
  const COMPACT: Record<string, string[]> = {
    DiscoveryStatus: ['path'],
    ListChanges: ['targetId'],
    ListCapabilities: ['targetId'],
    ListComments: ['targetId'],
    ListCommentsByAuthor: ['authorId'],
    ListDiscussions: ['targetId'],
    ListDocumentCollaborators: ['targetId'],
    ListCitations: ['targetId'],
    InteractionSummary: ['id'],
    ListCommentsByReference: ['targetId'],
  };

  it('every served key has a schema with its method', () => {
    const files = new Set(readdirSync(SCHEMA_DIR).map((f) => f.replace(/\.json$/, '')));
    for (const key of SEED_KEYS) {
      assert.ok(files.has(key.key), `${key.key} has no schema file`);
      assert.equal(loadSchema(key.key).method, key.method, key.key);
    }
  });

  it('GET parameter kinds follow the input schema', () => {
    for (const key of SEED_KEYS.filter((k) => k.method === 'GET')) {
      const input = loadSchema(key.key).input as {
        type?: string;
        properties?: Record<string, unknown>;
      };
      const props =
        input.properties ?? (input.type === 'string' ? { __value: { type: 'string' } } : {});
      for (const [field, schema] of Object.entries(props)) {
        if (COMPACT[key.key]?.includes(field)) continue;
        assert.equal(key.params?.[field], kindOf(schema), `${key.key}.${field}`);
      }
    }
  });
});

function kindOf(schema: unknown): ParamKind {
  const s = schema as { type?: string | string[]; anyOf?: unknown[] };
  if (s.anyOf) {
    const kinds = s.anyOf.map(kindOf).filter((k) => k !== ('null' as ParamKind));
    return kinds[0] ?? 'json';
  }
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t !== 'null');
  const t = types[0];
  if (t === 'string') return 'string';
  if (t === 'number' || t === 'integer') return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === undefined && Array.isArray(s.type)) return 'null' as ParamKind;
  return 'json';
}
