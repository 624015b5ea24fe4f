import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createComment } from '../../src/blob/create-blob.ts';
import type {
  AccountRow,
  CommentList,
  CommentRow,
  ContactRow,
  DocumentRow,
} from '../../src/index/read-types.ts';
import {
  BASE_TS,
  makeCapability,
  makeComment,
  makeContact,
  makeDocument,
  makeProfile,
  testKey,
} from '../fixtures/blob-factory.ts';
import { IndexDb, snapshot } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');
const carol = testKey('carol');

describe('comments', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  function setup() {
    const doc = makeDocument(alice, { genesis: 'cli', changes: 1, path: '/post' });
    const target = { space: alice.principal, path: '/post', version: [doc.changes[0]!.cid] };
    const root = makeComment(bob, target, { text: 'First!' });
    const reply = makeComment(carol, target, {
      text: 'Reply',
      ts: BASE_TS + 11_000,
      replyParent: root.cid,
      threadRoot: root.cid,
    });
    return { doc, target, root, reply };
  }

  const list = (includeDeleted = false) =>
    idx.read<CommentList>('index.listComments', {
      account: alice.accountId,
      path: '/post',
      includeDeleted,
    });

  it('lists a comment and its reply with their authors, and counts them on the document', () => {
    const { doc, root, reply } = setup();
    idx.putOk([...doc.all, root, reply]);
    const { comments, authors } = list();
    assert.equal(comments.length, 2);
    const [first, second] = comments as [CommentRow, CommentRow];
    assert.equal(first.author, bob.accountId);
    assert.ok(first.id.startsWith(`${bob.accountId}/z`));
    assert.equal(first.version, root.cid.toString());
    assert.equal(first.targetVersion, doc.changes[0]!.cid.toString());
    assert.equal((first.content[0] as { text: string }).text, 'First!');
    assert.equal(second.replyParentId, first.id);
    assert.equal(second.threadRootCid, root.cid.toString());
    assert.deepEqual(Object.keys(authors).sort(), [bob.accountId, carol.accountId].sort());
    assert.deepEqual(idx.read('index.commentReplyCount', { id: first.id }), { count: 1 });
    assert.deepEqual(idx.read('index.commentReplyCount', { id: second.id }), { count: 0 });
    const byCarol = idx.read<CommentList>('index.listCommentsByAuthor', {
      author: carol.accountId,
    });
    assert.deepEqual(
      byCarol.comments.map((c) => c.id),
      [second.id],
    );
    const row = idx.read<DocumentRow>('index.resourceMetadata', {
      account: alice.accountId,
      path: '/post',
    });
    assert.equal(row.commentCount, 2);
    assert.equal(row.latestComment?.id, second.id);
  });

  it('commentVersions: every version with a body, newest first (ts, then multihash); deletions are not versions', () => {
    const { doc, target, root, reply } = setup();
    idx.putOk([...doc.all, root, reply]);
    const rootRow = list().comments[0]!;
    const edit = (ts: number, text: string) =>
      createComment(
        {
          ts,
          ...target,
          body: text ? [{ id: 'c1', type: 'Paragraph', text, children: [] }] : [],
          id: rootRow.tsid,
        },
        bob,
      );
    const [tieA, tieB] = [edit(BASE_TS + 12_000, 'Tie A'), edit(BASE_TS + 12_000, 'Tie B')];
    const deletion = edit(BASE_TS + 13_000, '');
    // Arrival order is not the answer's order.
    idx.putOk([deletion, tieB, tieA]);
    const versions = idx.read<CommentRow[]>('index.commentVersions', { id: rootRow.id });
    const [hi, lo] =
      Buffer.compare(tieA.cid.multihash.bytes, tieB.cid.multihash.bytes) > 0
        ? [tieA, tieB]
        : [tieB, tieA];
    assert.deepEqual(
      versions.map((v) => v.version),
      [hi.cid.toString(), lo.cid.toString(), root.cid.toString()],
    );
    assert.deepEqual(
      versions.map((v) => (v.content[0] as { text: string }).text),
      [...[hi, lo].map((b): string => (b === tieA ? 'Tie A' : 'Tie B')), 'First!'],
    );
    for (const v of versions) {
      assert.equal(v.id, rootRow.id);
      assert.equal(v.createTime, BASE_TS + 10_000, "every version keeps the comment's createTime");
      assert.equal(v.deleted, false);
      assert.equal(v.targetPath, '/post');
    }
    assert.deepEqual(
      versions.map((v) => v.updateTime),
      [BASE_TS + 12_000, BASE_TS + 12_000, BASE_TS + 10_000],
    );
    // The reply has one version; an unknown comment has none; a malformed ID is refused.
    const replyId = list(true).comments.find((c) => c.author === carol.accountId)!.id;
    assert.equal(idx.read<CommentRow[]>('index.commentVersions', { id: replyId }).length, 1);
    assert.deepEqual(
      idx.read<CommentRow[]>('index.commentVersions', { id: `${carol.accountId}/zzzzzzzzzzzzz` }),
      [],
    );
    assert.throws(() => idx.read('index.commentVersions', { id: 'nope' }), /comment ID/);
  });

  it('an empty body with the same id deletes; an edit replaces the body and keeps createTime', () => {
    const { doc, target, root, reply } = setup();
    idx.putOk([...doc.all, root, reply]);
    const rootRow = list().comments[0]!;
    const edit = createComment(
      {
        ts: BASE_TS + 12_000,
        ...target,
        body: [{ id: 'c1', type: 'Paragraph', text: 'Edited', children: [] }],
        id: rootRow.tsid,
      },
      bob,
    );
    idx.putOk([edit]);
    let got = idx.read<CommentRow>('index.getComment', {
      authority: bob.accountId,
      tsid: rootRow.tsid,
    });
    assert.equal((got.content[0] as { text: string }).text, 'Edited');
    assert.equal(got.version, edit.cid.toString());
    assert.equal(got.createTime, BASE_TS + 10_000);
    assert.equal(got.firstVersion, root.cid.toString());
    const deletion = createComment(
      { ts: BASE_TS + 13_000, ...target, body: [], id: rootRow.tsid },
      bob,
    );
    idx.putOk([deletion]);
    assert.deepEqual(
      list().comments.map((c) => c.author),
      [carol.accountId],
    );
    assert.equal(list(true).comments.length, 2);
    got = idx.read<CommentRow>('index.getComment', { id: rootRow.id });
    assert.equal(got.deleted, true);
    assert.deepEqual(got.content, []);
    const row = idx.read<DocumentRow>('index.resourceMetadata', {
      account: alice.accountId,
      path: '/post',
    });
    assert.equal(row.commentCount, 1);
    // The same comment looked up by any of its version CIDs.
    assert.equal(
      idx.read<CommentRow>('index.getComment', { cid: edit.cid.toString() }).id,
      rootRow.id,
    );
  });

  it('versions delivered newest first converge to the same rows', () => {
    const { doc, target, root } = setup();
    const tsid = (() => {
      const probe = new IndexDb();
      try {
        probe.putOk([root]);
        return probe.read<CommentList>('index.listComments', {
          account: alice.accountId,
          path: '/post',
        }).comments[0]!.tsid;
      } finally {
        probe.close();
      }
    })();
    const edit = createComment(
      {
        ts: BASE_TS + 12_000,
        ...target,
        body: [{ id: 'c1', type: 'Paragraph', text: 'v2' }],
        id: tsid,
      },
      bob,
    );
    idx.putOk([...doc.all, root, edit]);
    const other = new IndexDb();
    try {
      other.putOk([edit, root, ...doc.all]);
      assert.deepEqual(snapshot(other.db).comments, snapshot(idx.db).comments);
    } finally {
      other.close();
    }
  });
});

describe('profiles, accounts and contacts', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  it('an account shows its home document, with the latest profile laid over it', () => {
    idx.putOk(makeDocument(alice, { genesis: 'cli', changes: 0, title: 'Alice home' }).all);
    let acc = idx.read<AccountRow>('index.account', { id: alice.accountId });
    assert.equal(acc.metadata?.name, 'Alice home');
    idx.putOk([makeProfile(alice, { name: 'Alice P', avatar: 'ipfs://bafyavatar' })]);
    idx.putOk([makeProfile(alice, { name: 'Old name', ts: BASE_TS + 1 })]);
    acc = idx.read<AccountRow>('index.account', { id: alice.accountId });
    assert.equal(acc.metadata?.name, 'Alice P');
    assert.equal(acc.metadata?.icon, 'ipfs://bafyavatar');
    assert.equal(acc.home?.name, 'Alice home');
    idx.putOk([makeProfile(bob, { name: 'Bob' })]);
    const { accounts } = idx.read<{ accounts: AccountRow[] }>('index.listAccounts', {});
    assert.deepEqual(
      accounts.map((a) => a.id),
      [alice.accountId, bob.accountId].sort(),
    );
    assert.equal(idx.read('index.account', { id: carol.accountId }), null);
  });

  it('a profile for another account counts only once a grant arrives', () => {
    const forged = makeProfile(bob, { name: 'Agent Bob', account: alice.principal });
    assert.equal(idx.putOk([forged])[0]!.status, 'pending');
    assert.equal(idx.read('index.account', { id: alice.accountId }), null);
    // A grant over another path in the space is not enough to speak for the account.
    idx.putOk([makeCapability(alice, bob.principal, { path: '/blog', role: 'AGENT' })]);
    assert.equal(idx.read('index.account', { id: alice.accountId }), null);
    idx.putOk([makeCapability(alice, bob.principal, { role: 'AGENT', ts: BASE_TS + 41_000 })]);
    const acc = idx.read<AccountRow>('index.account', { id: alice.accountId });
    assert.equal(acc.metadata?.name, 'Agent Bob');
    assert.equal(acc.profile?.signer, bob.accountId);
  });

  it('contacts keep the latest version per id', () => {
    idx.putOk([makeContact(alice, bob.principal, { name: 'Bobby' })]);
    const first = idx.read<{ contacts: ContactRow[] }>('index.listContacts', {
      account: alice.accountId,
    }).contacts;
    assert.equal(first.length, 1);
    assert.equal(first[0]!.subject, bob.accountId);
    assert.equal(first[0]!.signer, alice.accountId, 'signed by the account itself');
    idx.putOk([
      makeContact(alice, bob.principal, {
        name: 'Robert',
        id: first[0]!.tsid,
        ts: BASE_TS + 31_000,
      }),
    ]);
    const after = idx.read<{ contacts: ContactRow[] }>('index.listContacts', {
      account: alice.accountId,
    }).contacts;
    assert.deepEqual(
      after.map((c) => c.name),
      ['Robert'],
    );
    const about = idx.read<{ contacts: ContactRow[] }>('index.listContacts', {
      subject: bob.accountId,
    }).contacts;
    assert.deepEqual(
      about.map((c) => [c.account, c.name]),
      [[alice.accountId, 'Robert']],
    );
  });

  it('a contact signed by a delegate keeps the delegate as signer and the account as owner', () => {
    const carol = testKey('carol');
    idx.putOk([
      makeCapability(alice, bob.principal, { role: 'AGENT', ts: BASE_TS + 41_000 }),
      makeContact(bob, carol.principal, {
        name: 'Carol',
        account: alice.principal,
        ts: BASE_TS + 42_000,
      }),
    ]);
    const [contact] = idx.read<{ contacts: ContactRow[] }>('index.listContacts', {
      subject: carol.accountId,
    }).contacts;
    assert.deepEqual(
      [contact?.account, contact?.signer, contact?.name],
      [alice.accountId, bob.accountId, 'Carol'],
    );
  });
});
