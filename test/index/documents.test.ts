import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createChange, createRef } from '../../src/blob/create-blob.ts';
import type {
  ChangeList,
  DocumentChanges,
  DocumentHead,
  DocumentRow,
  QueryResult,
} from '../../src/index/read-types.ts';
import { BASE_TS, makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { IndexDb } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');

function meta(idx: IndexDb, path = '', account: string = alice.accountId): DocumentRow {
  const row = idx.read<DocumentRow | null>('index.resourceMetadata', { account, path });
  assert.ok(row, `document ${account}${path} exists`);
  return row;
}

describe('documents', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  it('indexes a document made with an empty ts=0 genesis', () => {
    const doc = makeDocument(alice, { genesis: 'empty', changes: 2, title: 'Hello' });
    const results = idx.putOk(doc.all);
    assert.deepEqual(
      results.map((r) => r.status),
      ['indexed', 'indexed', 'indexed', 'indexed'],
    );
    const row = meta(idx);
    assert.equal(row.name, 'Hello');
    assert.equal(row.metadata.name, 'Hello');
    assert.equal(row.version, doc.version);
    assert.deepEqual(row.heads, [doc.version]);
    assert.equal(row.genesis, doc.genesis.cid.toString());
    assert.deepEqual(row.authors, [alice.accountId]);
    // The empty genesis has ts 0: the document was created by its first real change.
    assert.equal(row.createTime, BASE_TS);
    assert.equal(row.updateTime, BASE_TS + 1000);
    assert.equal(row.tombstone, false);
    assert.equal(row.redirect, null);
    assert.equal(
      idx.read('index.resourceMetadata', { account: alice.accountId, path: '/x' }),
      null,
    );
  });

  it('indexes a CLI-style genesis that carries content and a real ts', () => {
    const doc = makeDocument(alice, {
      genesis: 'cli',
      changes: 0,
      path: '/cli',
      title: 'From CLI',
    });
    idx.putOk(doc.all);
    const row = meta(idx, '/cli');
    assert.equal(row.name, 'From CLI');
    assert.equal(row.version, doc.genesis.cid.toString());
    assert.equal(row.genesis, doc.genesis.cid.toString());
    assert.equal(row.createTime, BASE_TS);
    assert.equal(row.generation, BASE_TS);
  });

  it('an update moves the version and the title; an older Ref does not move it back', () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 1, title: 'First' });
    idx.putOk(doc.all);
    const head = doc.changes[0]!;
    const ts = BASE_TS + 60_000;
    const edit = createChange(
      {
        ts,
        genesis: doc.genesis.cid,
        deps: [head.cid],
        depth: 2,
        ops: [{ type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: 'Second' }] }],
      },
      alice,
    );
    const ref = createRef(
      { ts: ts + 1, genesisBlob: doc.genesis.cid, heads: [edit.cid], generation: ts },
      alice,
    );
    idx.putOk([edit, ref]);
    let row = meta(idx);
    assert.equal(row.name, 'Second');
    assert.equal(row.version, edit.cid.toString());
    assert.equal(row.updateTime, ts);
    // The original Ref again (duplicate) and an older-generation Ref to the old head: no change.
    const stale = createRef(
      { ts: ts + 2, genesisBlob: doc.genesis.cid, heads: [head.cid], generation: BASE_TS },
      alice,
    );
    assert.equal(idx.putOk([doc.ref])[0]!.status, 'duplicate');
    idx.putOk([stale]);
    row = meta(idx);
    assert.equal(row.version, edit.cid.toString());
    assert.equal(row.name, 'Second');
  });

  it('concurrent branches resolve by (depth, ts, cid); a sideways Ref rebuilds the metadata', () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 0, title: 'Base' });
    idx.putOk(doc.all);
    const branch = (name: string, ts: number) =>
      createChange(
        {
          ts,
          genesis: doc.genesis.cid,
          deps: [doc.genesis.cid],
          depth: 1,
          ops: [
            { type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: name }] },
            {
              type: 'SetAttributes',
              block: '',
              attrs: [{ key: ['theme', 'headerLayout'], value: name }],
            },
          ],
        },
        alice,
      );
    const early = branch('Early', BASE_TS + 5_000);
    const late = branch('Late', BASE_TS + 9_000);
    const both = createRef(
      {
        ts: BASE_TS + 10_000,
        genesisBlob: doc.genesis.cid,
        heads: [early.cid, late.cid],
        generation: BASE_TS + 10_000,
      },
      alice,
    );
    idx.putOk([early, late, both]);
    let row = meta(idx);
    assert.equal(row.name, 'Late');
    assert.deepEqual(row.metadata.theme, { headerLayout: 'Late' });
    assert.equal(row.heads.length, 2);
    assert.equal(row.version, row.heads.join('.'));
    // Back to the early branch alone: the set shrinks, so metadata is rebuilt, not extended.
    const onlyEarly = createRef(
      {
        ts: BASE_TS + 11_000,
        genesisBlob: doc.genesis.cid,
        heads: [early.cid],
        generation: BASE_TS + 11_000,
      },
      alice,
    );
    idx.putOk([onlyEarly]);
    row = meta(idx);
    assert.equal(row.name, 'Early');
    assert.equal(row.version, early.cid.toString());
    const changes = idx.read<ChangeList>('index.listChanges', {
      account: alice.accountId,
      path: '',
    });
    assert.deepEqual(
      changes.changes.map((c) => c.cid),
      [doc.genesis.cid.toString(), early.cid.toString()],
    );
  });

  it('a higher generation with a new genesis restarts the document', () => {
    const first = makeDocument(alice, {
      genesis: 'cli',
      changes: 2,
      path: '/re',
      title: 'Old life',
    });
    idx.putOk(first.all);
    const second = makeDocument(alice, {
      genesis: 'cli',
      changes: 0,
      path: '/re',
      title: 'New life',
      ts: BASE_TS + 500_000,
    });
    idx.putOk(second.all);
    const row = meta(idx, '/re');
    assert.equal(row.genesis, second.genesis.cid.toString());
    assert.equal(row.name, 'New life');
    assert.equal(row.createTime, BASE_TS + 500_000);
    const list = idx.read<ChangeList>('index.listChanges', {
      account: alice.accountId,
      path: '/re',
    });
    assert.deepEqual(
      list.changes.map((c) => c.cid),
      [second.genesis.cid.toString()],
    );
    // The old lineage's Ref arriving again later does not bring the old life back.
    assert.equal(idx.putOk([first.ref])[0]!.status, 'duplicate');
    assert.equal(meta(idx, '/re').name, 'New life');
  });

  it('a tombstone Ref deletes the document; a redirect Ref points elsewhere', () => {
    const a = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/gone' });
    const b = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/moved' });
    idx.putOk([...a.all, ...b.all]);
    const later = BASE_TS + 100_000;
    const tomb = createRef(
      { ts: later, genesisBlob: a.genesis.cid, heads: [], path: '/gone', generation: later },
      alice,
    );
    const redirect = createRef(
      {
        ts: later,
        genesisBlob: b.genesis.cid,
        heads: [],
        path: '/moved',
        generation: later,
        redirect: { space: alice.principal, path: '/new-home', republish: false },
      },
      alice,
    );
    idx.putOk([tomb, redirect]);
    const gone = meta(idx, '/gone');
    assert.equal(gone.tombstone, true);
    assert.equal(gone.version, '');
    const moved = meta(idx, '/moved');
    assert.equal(moved.tombstone, false);
    assert.deepEqual(moved.redirect, {
      account: alice.accountId,
      path: '/new-home',
      republish: false,
    });
    const listed = idx.read<QueryResult>('index.query', {
      account: alice.accountId,
      path: '',
      mode: 'Children',
    });
    assert.deepEqual(
      listed.documents.map((d) => d.path),
      ['/moved'],
    );
  });

  it('documentHead answers the head fields of resourceMetadata, without the counts', () => {
    const live = makeDocument(alice, { genesis: 'cli', changes: 2, path: '/live', title: 'Live' });
    const gone = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/gone' });
    idx.putOk([...live.all, ...gone.all]);
    const later = BASE_TS + 100_000;
    idx.putOk([
      createRef(
        { ts: later, genesisBlob: gone.genesis.cid, heads: [], path: '/gone', generation: later },
        alice,
      ),
    ]);
    for (const path of ['/live', '/gone']) {
      const full = meta(idx, path);
      const head = idx.read<DocumentHead | null>('index.documentHead', {
        account: alice.accountId,
        path,
      });
      assert.deepEqual(head, {
        account: full.account,
        path: full.path,
        heads: full.heads,
        version: full.version,
        metadata: full.metadata,
        tombstone: full.tombstone,
        redirect: full.redirect,
      });
    }
    assert.equal(meta(idx, '/live').name, 'Live');
    assert.equal(meta(idx, '/gone').tombstone, true);
    assert.equal(
      idx.read('index.documentHead', { account: alice.accountId, path: '/nothing' }),
      null,
    );
    assert.throws(
      () => idx.read('index.documentHead', { account: 'not-an-account', path: '' }),
      /account/,
    );
  });

  it('query lists children or descendants, sorted and limited, with child counts', () => {
    const paths = ['', '/b', '/a', '/a/x', '/a/y', '/ab', '/a/x/deep'];
    for (const [i, path] of paths.entries()) {
      idx.putOk(
        makeDocument(alice, {
          genesis: 'cli',
          changes: 0,
          path,
          title: `T${9 - i}`,
          ts: BASE_TS + i,
        }).all,
      );
    }
    const q = (args: object) =>
      idx
        .read<QueryResult>('index.query', { account: alice.accountId, ...args })
        .documents.map((d) => d.path);
    assert.deepEqual(q({ path: '', mode: 'Children' }), ['/a', '/ab', '/b']);
    assert.deepEqual(q({ path: '/a', mode: 'Children' }), ['/a/x', '/a/y']);
    assert.deepEqual(q({ path: '/a', mode: 'AllDescendants' }), ['/a/x', '/a/x/deep', '/a/y']);
    assert.deepEqual(q({ path: '', mode: 'AllDescendants' }).length, 6);
    assert.deepEqual(
      q({ path: '', mode: 'Children', sort: [{ term: 'CreateTime', reverse: true }], limit: 2 }),
      ['/ab', '/a'],
    );
    assert.deepEqual(q({ path: '', mode: 'Children', sort: [{ term: 'Title' }] }), [
      '/ab',
      '/a',
      '/b',
    ]);
    assert.equal(meta(idx, '/a').childCount, 2);
    assert.equal(meta(idx, '').childCount, 3);
    assert.throws(
      () => idx.read('index.query', { account: alice.accountId, path: 'x', mode: 'Children' }),
      /path/,
    );
  });

  it('searchDocuments finds live titles holding the query, titles starting with it first', () => {
    const docs = [
      makeDocument(alice, { path: '/a', title: 'Garden notes', ts: BASE_TS + 5_000 }),
      makeDocument(alice, { path: '/b', title: 'Notes on soil', ts: BASE_TS }),
      makeDocument(alice, { path: '/c', title: 'Recipes', ts: BASE_TS + 9_000 }),
      makeDocument(bob, { path: '/d', title: 'More NOTES', ts: BASE_TS + 7_000 }),
    ];
    idx.putOk(docs.flatMap((d) => d.all));
    const search = (args: Record<string, unknown>) =>
      idx.read<QueryResult>('index.searchDocuments', args).documents.map((d) => d.name);
    assert.deepEqual(search({ query: 'notes' }), ['Notes on soil', 'More NOTES', 'Garden notes']);
    assert.deepEqual(search({ query: 'NOTES', account: alice.accountId }), [
      'Notes on soil',
      'Garden notes',
    ]);
    assert.deepEqual(search({ query: 'notes', limit: 1 }), ['Notes on soil']);
    assert.deepEqual(search({ query: '%' }), [], 'no pattern characters: % is literal');
    assert.throws(() => search({ query: '' }), /query/);
    assert.throws(() => search({ query: 'x', account: 'nope' }), /account/);
  });

  it('listChanges and documentChanges return the DAG in replay order with bytes', () => {
    const doc = makeDocument(alice, { genesis: 'empty', changes: 3 });
    idx.putOk(doc.all);
    const list = idx.read<ChangeList>('index.listChanges', { account: alice.accountId, path: '' });
    const expected = [doc.genesis, ...doc.changes].map((c) => c.cid.toString());
    assert.deepEqual(
      list.changes.map((c) => c.cid),
      expected,
    );
    assert.deepEqual(list.changes[0]!.deps, []);
    assert.deepEqual(list.changes[1]!.deps, [expected[0]]);
    assert.equal(list.changes[3]!.depth, 3);
    assert.equal(list.version, doc.version);
    const dc = idx.read<DocumentChanges>('index.documentChanges', {
      account: alice.accountId,
      path: '',
    });
    assert.equal(dc.genesis, expected[0]);
    assert.deepEqual(dc.heads, [doc.version]);
    assert.deepEqual(
      dc.changes.map((c) => Buffer.from(c.data)),
      [doc.genesis, ...doc.changes].map((c) => Buffer.from(c.data)),
    );
    // An older version walks back from its own heads.
    const old = idx.read<DocumentChanges>('index.documentChanges', {
      account: alice.accountId,
      path: '',
      version: expected[1],
    });
    assert.deepEqual(
      old.changes.map((c) => c.cid),
      expected.slice(0, 2),
    );
  });
});
