import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TREE_DEPTH } from '../../../src/index/replay/block-tree.ts';
import { replayDocument } from '../../../src/index/replay/replay-document.ts';
import { alice, baseDocument, bob, change, cidOf, op, refTo, shape } from './helpers.ts';

test('a linear document replays to its title, blocks, authors, heads and times', () => {
  const [genesis] = baseDocument();
  const edit = change('edit', {
    ts: 2_000,
    deps: [genesis!],
    genesis: genesis!,
    ops: [op.block('b', 'B2'), op.attrs('', [{ key: ['summary'], value: 'S' }])],
  });
  const state = replayDocument([edit, genesis!]);
  assert.deepEqual(shape(state.content), ['a', 'b', 'c']);
  assert.equal(state.content[1]!.block.text, 'B2');
  assert.equal(state.content[1]!.block.revision, edit.cid);
  assert.equal(state.content[0]!.block.revision, genesis!.cid);
  assert.deepEqual(state.metadata, { name: 'Hello', summary: 'S' });
  assert.equal(state.genesis, genesis!.cid);
  assert.deepEqual(state.heads, [edit.cid]);
  assert.equal(state.version, edit.cid);
  assert.equal(state.depth, 1);
  assert.deepEqual(state.authors, [alice.accountId]);
  assert.equal(state.createTime, 1_000);
  assert.equal(state.updateTime, 2_000);
  assert.equal(state.stats.changes, 2);
});

test('an empty ts-0 genesis takes its create time from the first real change', () => {
  const genesis = change('empty', { ts: 0 });
  const first = change('first', { ts: 5_000, deps: [genesis], genesis, ops: [op.name('T')] });
  const state = replayDocument([first, genesis]);
  assert.equal(state.createTime, 5_000);
  assert.deepEqual(state.metadata, { name: 'T' });
});

test('the title is last-writer-wins in (depth, ts, CID) order across concurrent branches', () => {
  const [genesis] = baseDocument();
  const early = change('early', { ts: 2_000, deps: [genesis!], genesis, ops: [op.name('Early')] });
  const late = change('late', {
    ts: 3_000,
    signer: bob.principal,
    deps: [genesis!],
    genesis,
    ops: [op.name('Late')],
  });
  const state = replayDocument([late, early, genesis!]);
  assert.equal(state.metadata.name, 'Late');
  assert.deepEqual(state.heads, [early.cid, late.cid].sort());
  assert.equal(state.version, [early.cid, late.cid].sort().join('.'));
  assert.deepEqual(state.authors, [alice.accountId, bob.accountId].sort());
  // A deeper change wins over a concurrent one with a later ts.
  const deeper = change('deeper', {
    ts: 2_500,
    deps: [early],
    genesis,
    depth: 2,
    ops: [op.name('Deeper')],
  });
  assert.equal(replayDocument([genesis!, early, late, deeper]).metadata.name, 'Deeper');
});

test('nested attribute keys build nested metadata; null unsets; SetKey is a document attribute', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [
      op.attrs('', [
        { key: ['theme', 'headerLayout'], value: 'Center' },
        { key: ['icon'], value: 'ipfs://x' },
        { key: ['cover'], value: 'ipfs://y' },
      ]),
      { type: 'SetKey', key: 'title', value: 'Old title' },
      op.attrs('', [{ key: ['cover'], value: null }]),
    ],
  });
  assert.deepEqual(replayDocument([genesis]).metadata, {
    theme: { headerLayout: 'Center' },
    icon: 'ipfs://x',
    title: 'Old title',
  });
});

test('RGA inserts at the start, middle and end of a list', () => {
  const [genesis] = baseDocument();
  const edit = change('edit', {
    ts: 2_000,
    deps: [genesis!],
    genesis,
    ops: [
      op.block('s', 'start'),
      op.block('m', 'middle'),
      op.block('e', 'end'),
      op.move('', ['s']),
      op.move('', ['m'], refTo(genesis!, 4, 0)), // after a
      op.move('', ['e'], refTo(genesis!, 4, 2)), // after c
    ],
  });
  assert.deepEqual(shape(replayDocument([genesis!, edit]).content), ['s', 'a', 'm', 'b', 'c', 'e']);
});

test('a run placed with a same-change ref [idx] and children under a parent', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [
      op.block('p', 'P'),
      op.block('x', 'X'),
      op.block('y', 'Y'),
      op.move('', ['p']),
      op.move('p', ['x']),
      op.move('p', ['y'], [4]),
    ],
  });
  assert.deepEqual(shape(replayDocument([genesis]).content), ['p', ['x', 'y']]);
});

test('concurrent inserts at the same position are ordered by op ID, newest first', () => {
  const [genesis] = baseDocument();
  const mk = (name: string, ts: number, signer: Uint8Array) =>
    change(name, {
      ts,
      signer,
      deps: [genesis!],
      genesis,
      ops: [op.block(name, name), op.move('', [name], refTo(genesis!, 4, 0))],
    });
  const x = mk('x', 2_000, alice.principal);
  const y = mk('y', 3_000, bob.principal);
  const expected = ['a', 'y', 'x', 'b', 'c'];
  assert.deepEqual(shape(replayDocument([genesis!, x, y]).content), expected);
  assert.deepEqual(shape(replayDocument([y, x, genesis!]).content), expected);
});

test('a move under its own descendant is ignored and counted', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [op.block('p', 'P'), op.block('c', 'C'), op.move('', ['p']), op.move('p', ['c'])],
  });
  const cycle = change('cycle', { ts: 2, deps: [genesis], genesis, ops: [op.move('c', ['p'])] });
  const self = change('self', {
    ts: 3,
    deps: [cycle],
    genesis,
    depth: 2,
    ops: [op.move('p', ['p'])],
  });
  const state = replayDocument([genesis, cycle, self]);
  assert.deepEqual(shape(state.content), ['p', ['c']]);
  assert.equal(state.stats.cycleMoves, 2);
});

test('concurrent moves that would form a cycle together keep the tree acyclic', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [op.block('a', 'A'), op.block('b', 'B'), op.move('', ['a', 'b'])],
  });
  const aUnderB = change('ab', { ts: 2, deps: [genesis], genesis, ops: [op.move('b', ['a'])] });
  const bUnderA = change('ba', { ts: 3, deps: [genesis], genesis, ops: [op.move('a', ['b'])] });
  const state = replayDocument([genesis, aUnderB, bUnderA]);
  assert.deepEqual(shape(state.content), ['b', ['a']]);
  assert.equal(state.stats.cycleMoves, 1);
});

test('DeleteBlocks removes a block with its subtree; moving it back restores both', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [
      op.block('p', 'P'),
      op.block('c', 'C'),
      op.block('q', 'Q'),
      op.move('', ['p', 'q']),
      op.move('p', ['c']),
    ],
  });
  const del = change('del', { ts: 2, deps: [genesis], genesis, ops: [op.del(['p'])] });
  assert.deepEqual(shape(replayDocument([genesis, del]).content), ['q']);
  const back = change('back', { ts: 3, deps: [del], genesis, depth: 2, ops: [op.move('', ['p'])] });
  assert.deepEqual(shape(replayDocument([genesis, del, back]).content), ['p', ['c'], 'q']);
});

test('unknown ops and odd fields are skipped and counted, never thrown', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [
      { type: 'Unknown', opType: 'FutureOp', raw: { type: 'FutureOp' } },
      op.block('a', 'A', { childrenType: 'Ordered', futureField: 1 }),
      op.move('', ['a']),
      op.move('', ['zzz'], [1, 2, 3, 4]), // malformed ref
      op.move('', ['yyy'], [999_999, 5, 7]), // ref to nothing
      op.attrs('missing-block', [{ key: ['x'], value: 1 }]),
      { type: 'ReplaceBlock', block: { type: 'Paragraph' } as never },
    ],
  });
  const state = replayDocument([genesis]);
  assert.deepEqual(shape(state.content), ['a']);
  assert.deepEqual(state.content[0]!.block.attributes, { childrenType: 'Ordered', futureField: 1 });
  assert.equal(state.stats.unknownOps, 1);
  assert.equal(state.stats.unresolvedRefs, 1);
  assert.ok(state.stats.ignoredOps >= 3);
});

test('old block encoding (iD, nested attributes) reads like the new one', () => {
  const genesis = change('g', {
    ts: 1,
    ops: [
      {
        type: 'ReplaceBlock',
        block: {
          iD: 'old',
          type: 'Heading',
          text: 'H',
          attributes: { childrenType: 'Group' },
        } as never,
      },
      op.move('', ['old']),
    ],
  });
  const block = replayDocument([genesis]).content[0]!.block;
  assert.equal(block.id, 'old');
  assert.deepEqual(block.attributes, { childrenType: 'Group' });
});

test('deps come first even when depth fields lie or are missing', () => {
  const [genesis] = baseDocument();
  const child = change('child', {
    ts: 2_000,
    deps: [genesis!],
    genesis,
    depth: null,
    ops: [op.name('first')],
  });
  // Lies: depth 0 and an earlier ts than its dep; it must still apply after `child`.
  const grandchild = change('grand', {
    ts: 500,
    deps: [child],
    genesis,
    depth: 0,
    ops: [op.name('second')],
  });
  const state = replayDocument([grandchild, child, genesis!]);
  assert.equal(state.metadata.name, 'second');
  assert.deepEqual(state.heads, [grandchild.cid]);
  assert.equal(state.depth, 2);
});

test('duplicates, other lineages, missing deps and dependency cycles do not throw', () => {
  const [genesis] = baseDocument();
  const other = change('other-genesis', { ts: 1, ops: [op.name('Other')] });
  const foreign = change('foreign', {
    ts: 9,
    deps: [other],
    genesis: other,
    ops: [op.name('Foreign')],
  });
  const orphan = change('orphan', {
    ts: 3,
    deps: [change('never-seen', { ts: 2 })],
    genesis,
    ops: [op.name('Orphan')],
  });
  const a = change('cyc-a', { ts: 4, genesis, ops: [] });
  const b = change('cyc-b', { ts: 4, deps: [a], genesis, ops: [op.name('Cycle')] });
  a.change.deps = [cidOf('cyc-b')]; // a ← b ← a: impossible with real hashes, easy with fakes
  const state = replayDocument([genesis!, genesis!, other, foreign, orphan, a, b]);
  assert.equal(state.genesis, genesis!.cid);
  assert.equal(state.metadata.name, 'Orphan');
  assert.equal(state.stats.missingDeps, 1);
  assert.equal(state.stats.excludedChanges, 5); // duplicate genesis, other, foreign, a, b
});

test('nesting deeper than MAX_TREE_DEPTH is refused, so hostile chains stay cheap', () => {
  const ids = Array.from({ length: MAX_TREE_DEPTH + 10 }, (_, i) => `n${i}`);
  const ops = [...ids.map((id) => op.block(id, id)), op.move('', ['n0'])];
  for (let i = 1; i < ids.length; i++) ops.push(op.move(ids[i - 1]!, [ids[i]!]));
  const state = replayDocument([change('deep', { ts: 1, ops })]);
  let depth = 0;
  for (let nodes = state.content; nodes.length > 0; nodes = nodes[0]!.children ?? []) depth++;
  assert.equal(depth, MAX_TREE_DEPTH);
  // Only the first too-deep move is refused; the rest hang under that unplaced block, unseen.
  assert.equal(state.stats.ignoredOps, 1);
});
