import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { BlockData } from '../../src/blob/blob-types.ts';
import { createChange, createComment, createRef } from '../../src/blob/create-blob.ts';
import { changeLinks, commentLinks, parseLink } from '../../src/index/links.ts';
import { backfillLinksOnWriter } from '../../src/index/links-writer.ts';
import type { CitationRow, CommentList, InteractionCounts } from '../../src/index/read-types.ts';
import {
  BASE_TS,
  makeComment,
  makeDocument,
  refAfterLastMove,
  testKey,
} from '../fixtures/blob-factory.ts';
import { IndexDb } from './helpers.ts';

const alice = testKey('alice');
const bob = testKey('bob');
const carol = testKey('carol');

describe('links: what counts as a link', () => {
  it('parses hm:// resource IDs with version, latest flag and fragment; nothing else', () => {
    const uid = bob.accountId;
    assert.deepEqual(parseLink(`hm://${uid}/b/c#blk1[2:5]`), {
      account: uid,
      path: '/b/c',
      version: '',
      fragment: 'blk1[2:5]',
      exact: false,
    });
    const v = 'bafyreib7ts6xhy5xlfq4itl5bhbcg5l5vbzm2p5fsrwhj7ftnizm2ulc4e';
    assert.equal(parseLink(`hm://${uid}?v=${v}`)?.exact, true);
    assert.equal(parseLink(`hm://${uid}?v=${v}&l`)?.exact, false, '`l` asks for the latest');
    assert.equal(parseLink(`hm://${uid}`)?.path, '');
    for (const notOne of [
      `hm://c/${v}`,
      `ipfs://${v}`,
      'https://seed.hyper.media/hm/x',
      'hm://not an account/x',
      `hm://${uid}#bad fragment`,
    ]) {
      assert.equal(parseLink(notOne), null, notOne);
    }
  });

  it('takes block links and annotation links from ReplaceBlock ops only', () => {
    const block: BlockData = {
      id: 'b1',
      type: 'Embed',
      link: `hm://${bob.accountId}/b`,
      annotations: [
        { type: 'Link', starts: [0], ends: [3], link: `hm://${carol.accountId}#x` },
        { type: 'Bold', starts: [0], ends: [3] },
        { type: 'Link', starts: [4], ends: [6], link: 'https://example.com' },
      ],
    };
    const links = changeLinks([
      { type: 'ReplaceBlock', block },
      { type: 'SetKey', key: 'name', value: `hm://${bob.accountId}/ignored` },
    ]);
    assert.deepEqual(
      links.map((l) => [l.anchor, l.type, l.account, l.path, l.fragment]),
      [
        ['b1', 'doc/Embed', bob.accountId, '/b', ''],
        ['b1', 'doc/Link', carol.accountId, '', 'x'],
      ],
    );
  });

  it('a comment cites its target (pinned) and what its blocks and their children link to', () => {
    const links = commentLinks(
      [
        {
          id: 'c1',
          type: 'Paragraph',
          text: 'see',
          children: [
            { id: 'c2', type: 'Embed', link: `hm://${bob.accountId}/b#blk2` },
          ] as unknown as null,
        },
      ],
      { account: alice.accountId, path: '/a', version: ['bafyA', 'bafyB'] },
    );
    assert.deepEqual(
      links.map((l) => [l.anchor, l.type, l.account, l.path, l.version, l.fragment, l.exact]),
      [
        ['', 'comment/target', alice.accountId, '/a', 'bafyA.bafyB', '', true],
        ['c2', 'comment/Embed', bob.accountId, '/b', '', 'blk2', false],
      ],
    );
  });
});

describe('links: citations of a document', () => {
  let idx: IndexDb;
  beforeEach(() => {
    idx = new IndexDb();
  });
  afterEach(() => idx.close());

  /** Bob's /b, and Alice's /a whose last change links to /b (block blk1) and embeds it pinned. */
  function setup() {
    const target = makeDocument(bob, { path: '/b', changes: 1 });
    const source = makeDocument(alice, { path: '/a', changes: 1 });
    const last = source.changes[0]!;
    const block: BlockData = {
      id: 'p1',
      type: 'Paragraph',
      text: 'see b',
      annotations: [{ type: 'Link', starts: [0], ends: [5], link: `hm://${bob.accountId}/b#blk1` }],
    };
    const embed: BlockData = {
      id: 'p2',
      type: 'Embed',
      link: `hm://${bob.accountId}/b?v=${target.version}`,
    };
    const linking = createChange(
      {
        ts: BASE_TS + 50_000,
        genesis: source.genesis.cid,
        deps: [last.cid],
        depth: (last.blob.depth ?? 0) + 1,
        ops: [
          { type: 'ReplaceBlock', block },
          { type: 'ReplaceBlock', block: embed },
          { type: 'MoveBlocks', parent: '', blocks: ['p1', 'p2'], ref: refAfterLastMove(last) },
        ],
      },
      alice,
    );
    const ref = createRef(
      {
        ts: BASE_TS + 51_000,
        genesisBlob: source.genesis.cid,
        heads: [linking.cid],
        generation: last.blob.ts,
        path: '/a',
      },
      alice,
    );
    const comment = makeComment(
      carol,
      { space: alice.principal, path: '/a', version: [linking.cid] },
      { ts: BASE_TS + 60_000, text: 'About b' },
    );
    const quoting = createComment(
      {
        ts: BASE_TS + 61_000,
        space: bob.principal,
        path: '/b',
        version: [target.changes[0]!.cid],
        body: [
          {
            id: 'q1',
            type: 'Paragraph',
            text: 'this part',
            annotations: [
              { type: 'Link', starts: [0], ends: [4], link: `hm://${bob.accountId}/b#blk2[0:4]` },
            ],
          },
        ],
      },
      carol,
    );
    idx.putOk([...target.all, ...source.all, linking, ref, comment, quoting]);
    return { target, source, linking, comment, quoting };
  }

  const citations = (account: string, path: string) =>
    idx.read<CitationRow[]>('index.listCitations', { account, path });

  it('lists who cites a document: the citing document once per link target, comments as themselves', () => {
    const { linking, quoting } = setup();
    const rows = citations(bob.accountId, '/b');
    assert.deepEqual(
      rows.map((r) => [r.sourceType, r.source, r.fragment, r.exact, r.linkType]),
      [
        ['Ref', `hm://${alice.accountId}/a`, 'blk1', false, 'doc/Link'],
        ['Ref', `hm://${alice.accountId}/a`, '', true, 'doc/Embed'],
        [
          'Comment',
          `hm://${carol.accountId}/${rows[2]!.source.split('/').pop()}`,
          '',
          true,
          'comment/target',
        ],
        ['Comment', rows[2]!.source, 'blk2[0:4]', false, 'comment/Link'],
      ],
    );
    assert.equal(rows[0]!.sourceCid, linking.cid.toString());
    assert.equal(rows[0]!.sourceAuthor, alice.accountId);
    assert.equal(rows[2]!.sourceCid, quoting.cid.toString());
    assert.equal(rows[2]!.sourceDocument, `hm://${bob.accountId}/b`);
    // Carol's comment on /a cites /a (its target), not /b.
    assert.deepEqual(
      citations(alice.accountId, '/a').map((r) => [r.sourceType, r.linkType]),
      [['Comment', 'comment/target']],
    );
    assert.deepEqual(citations(carol.accountId, ''), []);
  });

  it('a deleted comment cites nothing', () => {
    setup();
    const tsid = idx.read<CommentList>('index.listComments', {
      account: bob.accountId,
      path: '/b',
    }).comments[0]!.tsid;
    const deletion = createComment(
      { ts: BASE_TS + 70_000, space: bob.principal, path: '/b', version: [], body: [], id: tsid },
      carol,
    );
    idx.putOk([deletion]);
    assert.deepEqual(
      citations(bob.accountId, '/b').map((r) => r.sourceType),
      ['Ref', 'Ref'],
    );
  });

  it('comments by reference: the live comments that link to a block, any range of it', () => {
    setup();
    const by = (blockRef: string) =>
      idx
        .read<CommentList>('index.commentsByReference', {
          account: bob.accountId,
          path: '/b',
          blockRef,
        })
        .comments.map((c) => c.author);
    assert.deepEqual(by('blk2'), [carol.accountId]);
    assert.deepEqual(by('blk'), [], 'a prefix of the block ID is another block');
    assert.deepEqual(by('blk1'), [], 'blk1 is linked from a document, not a comment');
    assert.throws(() => by('no spaces'), /blockRef.*not a block ID/);
  });

  it('interaction counts: citations, changes and children of the document', () => {
    setup();
    const counts = idx.read<InteractionCounts>('index.interactionCounts', {
      account: alice.accountId,
      path: '/a',
    });
    assert.equal(counts.changes, 3, 'genesis, a paragraph, the linking change');
    assert.equal(counts.children, 0);
    assert.equal(counts.citations.length, 1);
  });

  it('the v42 backfill rebuilds the links of everything indexed before', () => {
    setup();
    const all = () =>
      idx.db.prepare('SELECT * FROM links ORDER BY source_cid, anchor, link_type, fragment').all();
    const before = all();
    assert.equal(before.length, 5, "2 in the document, the quote's link, each comment's target");
    idx.db.exec('DELETE FROM links');
    backfillLinksOnWriter(idx.db);
    assert.deepEqual(all(), before);
  });
});
