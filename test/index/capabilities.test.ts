import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createChange, createRef } from '../../src/blob/create-blob.ts';
import type { CapabilityRow, DocumentRow } from '../../src/index/read-types.ts';
import { BASE_TS, makeCapability, makeDocument, testKey } from '../fixtures/blob-factory.ts';
import { IndexDb } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');
const carol = testKey('carol');

describe('capabilities', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  const meta = (path: string) =>
    idx.read<DocumentRow | null>('index.resourceMetadata', { account: alice.accountId, path });

  it("without a grant, a second key's Ref into the space does not count", () => {
    const doc = makeDocument(bob, { genesis: 'cli', space: alice.principal, path: '/shared' });
    assert.deepEqual(
      idx.putOk(doc.all).map((r) => r.status),
      ['indexed', 'indexed', 'indexed', 'indexed'],
    );
    assert.equal(meta('/shared'), null);
    // A grant over another path does not help either.
    idx.putOk([makeCapability(alice, bob.principal, { path: '/other' })]);
    assert.equal(meta('/shared'), null);
  });

  it('a WRITER grant lets a second key write, whether it arrives before or after the Ref', () => {
    for (const grantFirst of [true, false]) {
      const local = new IndexDb();
      try {
        const cap = makeCapability(alice, bob.principal, { path: '/shared' });
        const doc = makeDocument(bob, {
          genesis: 'cli',
          space: alice.principal,
          path: '/shared',
          capability: cap.cid,
          title: 'Bob writes',
        });
        local.putOk(grantFirst ? [cap, ...doc.all] : [...doc.all, cap]);
        const row = local.read<DocumentRow>('index.resourceMetadata', {
          account: alice.accountId,
          path: '/shared',
        });
        assert.equal(row.name, 'Bob writes', `grant first: ${grantFirst}`);
        assert.deepEqual(row.authors, [bob.accountId]);
        assert.equal(row.refAuthor, bob.accountId);
      } finally {
        local.close();
      }
    }
  });

  it("an owner's Ref over a non-writer's Change ignores that Change until a grant arrives", () => {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 0, title: 'Alice title' });
    idx.putOk(doc.all);
    const ts = BASE_TS + 50_000;
    const bobEdit = createChange(
      {
        ts,
        genesis: doc.genesis.cid,
        deps: [doc.genesis.cid],
        depth: 1,
        ops: [{ type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: 'Bob title' }] }],
      },
      bob,
    );
    const ref = createRef(
      { ts: ts + 1, genesisBlob: doc.genesis.cid, heads: [bobEdit.cid], generation: ts },
      alice,
    );
    idx.putOk([bobEdit, ref]);
    let row = meta('')!;
    assert.equal(row.version, bobEdit.cid.toString());
    assert.equal(row.name, 'Alice title');
    assert.deepEqual(row.authors, [alice.accountId]);
    idx.putOk([makeCapability(alice, bob.principal)]);
    row = meta('')!;
    assert.equal(row.name, 'Bob title');
    assert.deepEqual(row.authors, [alice.accountId, bob.accountId].sort());
  });

  it('a chain of grants (owner → bob → carol) covers the path; listCapabilities flags validity', () => {
    const toBob = makeCapability(alice, bob.principal, { path: '/team' });
    const toCarol = makeCapability(bob, carol.principal, {
      path: '/team/notes',
      extra: { space: alice.principal },
    });
    const stray = makeCapability(carol, bob.principal, {
      path: '/x',
      extra: { space: alice.principal },
    });
    const doc = makeDocument(carol, {
      genesis: 'cli',
      space: alice.principal,
      path: '/team/notes/today',
      title: 'Carol notes',
    });
    idx.putOk([...doc.all, toCarol, stray]);
    assert.equal(meta('/team/notes/today'), null, 'no chain to the owner yet');
    idx.putOk([toBob]);
    assert.equal(meta('/team/notes/today')?.name, 'Carol notes');
    const { capabilities } = idx.read<{ capabilities: CapabilityRow[] }>('index.listCapabilities', {
      account: alice.accountId,
      path: '/team/notes/today',
    });
    assert.deepEqual(
      capabilities
        .map((c) => [c.delegate, c.path, c.valid])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        [bob.accountId, '/team', true],
        [carol.accountId, '/team/notes', true],
      ],
    );
    const all = idx.read<{ capabilities: CapabilityRow[] }>('index.listCapabilities', {
      account: alice.accountId,
      path: '',
    }).capabilities;
    assert.equal(all.find((c) => c.path === '/x')?.valid, false);
  });
});
