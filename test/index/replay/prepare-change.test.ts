import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Change } from '../../../src/blob/blob-types.ts';
import { decodeDagCbor } from '../../../src/blob/dag-cbor.ts';
import { decodeStructuralBlob } from '../../../src/blob/decode-blob.ts';
import { InvalidInputError } from '../../../src/errors.ts';
import type { DocumentState } from '../../../src/index/replay/document-state.ts';
import {
  emptyDocumentState,
  longestIncreasing,
  nextChangeTs,
  prepareChange,
  prepareUnsignedChange,
  type SeedEdit,
} from '../../../src/index/replay/prepare-change.ts';
import { replayDocument } from '../../../src/index/replay/replay-document.ts';
import { alice, baseDocument, bob, change, type Entry, shape } from './helpers.ts';

let counter = 0;

/** state(base) + edits → ops → a new Change on the heads → replay of base + it. */
function roundTrip(base: Entry[], edits: SeedEdit[], signer = bob.principal) {
  const state = replayDocument(base);
  const ops = prepareChange(state, edits);
  const next = change(`next-${counter++}`, {
    ts: nextChangeTs(state, 0),
    signer,
    deps: base.filter((e) => state.heads.includes(e.cid)),
    genesis: base.find((e) => e.cid === state.genesis) ?? null,
    depth: state.depth + 1,
    ops,
  });
  return { state, ops, after: replayDocument([...base, next]), next };
}

const edit = {
  meta: (key: string, value: string): SeedEdit => ({
    op: { case: 'setMetadata', value: { key, value } },
  }),
  move: (blockId: string, parent: string, leftSibling: string): SeedEdit => ({
    op: { case: 'moveBlock', value: { blockId, parent, leftSibling } },
  }),
  replace: (id: string, text: string): SeedEdit => ({
    op: { case: 'replaceBlock', value: { id, type: 'Paragraph', text } },
  }),
  del: (id: string): SeedEdit => ({ op: { case: 'deleteBlock', value: id } }),
  attr: (blockId: string, key: string[], value: string): SeedEdit => ({
    op: { case: 'setAttribute', value: { blockId, key, value: { case: 'stringValue', value } } },
  }),
};

test('setMetadata becomes one SetAttributes; an unchanged value writes nothing', () => {
  const { ops, after } = roundTrip(baseDocument(), [edit.meta('name', 'New title')]);
  assert.deepEqual(ops, [
    { type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: 'New title' }] },
  ]);
  assert.equal(after.metadata.name, 'New title');
  assert.deepEqual(roundTrip(baseDocument(), [edit.meta('name', 'Hello')]).ops, []);
});

test('replaceBlock of an existing block writes only its content', () => {
  const { ops, after } = roundTrip(baseDocument(), [edit.replace('b', 'B!')]);
  assert.deepEqual(ops, [
    { type: 'ReplaceBlock', block: { id: 'b', type: 'Paragraph', text: 'B!' } },
  ]);
  assert.deepEqual(shape(after.content), ['a', 'b', 'c']);
  assert.equal(after.content[1]!.block.text, 'B!');
});

test('a new block placed after a sibling gets a MoveBlocks whose ref is that sibling', () => {
  const { ops, after, state } = roundTrip(baseDocument(), [
    edit.replace('n', 'N'),
    edit.move('n', '', 'a'),
  ]);
  const move = ops.find((o) => o.type === 'MoveBlocks');
  assert.ok(move && move.type === 'MoveBlocks');
  assert.deepEqual(move.blocks, ['n']);
  assert.equal(move.ref.map(String).join(':'), state.blockPositions.a!.element);
  assert.deepEqual(shape(after.content), ['a', 'n', 'b', 'c']);
});

test('new blocks at the start and the end, and a run grouped into one MoveBlocks', () => {
  const { ops, after } = roundTrip(baseDocument(), [
    edit.replace('s', 'S'),
    edit.move('s', '', ''),
    edit.replace('x', 'X'),
    edit.replace('y', 'Y'),
    edit.replace('z', 'Z'),
    edit.move('x', '', 'c'),
    edit.move('y', '', 'x'),
    edit.move('z', '', 'y'),
  ]);
  const moves = ops.filter((o) => o.type === 'MoveBlocks');
  assert.deepEqual(
    moves.map((m) => m.type === 'MoveBlocks' && m.blocks),
    [['s'], ['x', 'y', 'z']],
  );
  assert.deepEqual(shape(after.content), ['s', 'a', 'b', 'c', 'x', 'y', 'z']);
});

test('moveBlock reorders with the fewest moves and nests under a parent', () => {
  const reorder = roundTrip(baseDocument(), [edit.move('c', '', '')]);
  assert.equal(reorder.ops.length, 1);
  assert.deepEqual(shape(reorder.after.content), ['c', 'a', 'b']);
  const nest = roundTrip(baseDocument(), [edit.move('b', 'a', '')]);
  assert.deepEqual(shape(nest.after.content), ['a', ['b'], 'c']);
  const moveBack = roundTrip(baseDocument(), [edit.move('b', '', 'c'), edit.move('b', '', 'a')]);
  assert.deepEqual(moveBack.ops, []);
});

test('deleteBlock deletes the block and its subtree with one DeleteBlocks', () => {
  const nested = roundTrip(baseDocument(), [edit.move('b', 'a', '')]);
  const base = [...baseDocument(), nested.next];
  const { ops, after } = roundTrip(base, [edit.del('a')]);
  assert.deepEqual(ops, [{ type: 'DeleteBlocks', blocks: ['a'] }]);
  assert.deepEqual(shape(after.content), ['c']);
});

test('setAttribute on a block rewrites the block; on the document it sets a nested key', () => {
  const { ops, after } = roundTrip(baseDocument(), [
    edit.attr('a', ['childrenType'], 'Ordered'),
    edit.attr('', ['theme', 'headerLayout'], 'Center'),
  ]);
  assert.deepEqual(ops.map((o) => o.type).sort(), ['ReplaceBlock', 'SetAttributes']);
  assert.deepEqual(after.content[0]!.block.attributes, { childrenType: 'Ordered' });
  assert.deepEqual(after.metadata.theme, { headerLayout: 'Center' });
});

test('edits that cannot apply throw InvalidInputError naming the edit', () => {
  const state = replayDocument(baseDocument());
  const bad: [SeedEdit[], string][] = [
    [[edit.move('a', '', 'zzz')], 'changes[0].op.value.leftSibling'],
    [[edit.move('b', 'a', ''), edit.move('a', 'b', '')], 'changes[1].op.value.parent'],
    [[edit.attr('nope', ['x'], 'y')], 'changes[0].op.value.blockId'],
    [[{ op: { case: 'explode', value: 1 } } as never], 'changes[0].op.case'],
    [[edit.del('')], 'changes[0].op.value'],
  ];
  for (const [edits, field] of bad) {
    assert.throws(
      () => prepareChange(state, edits),
      (err: unknown) => err instanceof InvalidInputError && err.field === field,
      field,
    );
  }
});

test('longestIncreasing finds one longest increasing subsequence', () => {
  assert.deepEqual(longestIncreasing([]), []);
  assert.deepEqual(longestIncreasing([2, 0, 1, 3]), [1, 2, 3]);
  assert.equal(longestIncreasing([5, 4, 3]).length, 1);
});

test('property: replaying base + prepared change gives the edited tree', () => {
  const editSpec = fc.record({
    kind: fc.constantFrom('move', 'replace', 'delete', 'meta', 'attr'),
    block: fc.nat(7),
    parent: fc.nat(8),
    left: fc.nat(8),
    n: fc.nat(9),
  });
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  fc.assert(
    fc.property(fc.array(editSpec, { maxLength: 12 }), (specs) => {
      let state: DocumentState = replayDocument(baseDocument());
      const edits: SeedEdit[] = [];
      for (const s of specs) {
        const candidate = toEdit(s, ids);
        try {
          prepareChange(state, [...edits, candidate]);
          edits.push(candidate);
        } catch (err) {
          if (!(err instanceof InvalidInputError)) throw err;
        }
      }
      const { after, ops } = roundTrip(baseDocument(), edits);
      state = after;
      // Preparing the same edits again on top of the result must be a no-op.
      const replayedExpectation = prepareChange(state, []);
      assert.deepEqual(replayedExpectation, []);
      assert.deepEqual(
        expectedShape(edits),
        shape(after.content),
        JSON.stringify({ edits, ops }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      );
    }),
    { numRuns: 200 },
  );
});

function toEdit(
  s: { kind: string; block: number; parent: number; left: number; n: number },
  ids: string[],
): SeedEdit {
  const id = ids[s.block]!;
  const pick = (i: number) => (i === 8 ? '' : ids[i]!);
  switch (s.kind) {
    case 'move':
      return edit.move(id, pick(s.parent), pick(s.left));
    case 'replace':
      return edit.replace(id, `t${s.n}`);
    case 'delete':
      return edit.del(id);
    case 'meta':
      return edit.meta('name', `n${s.n}`);
    default:
      return edit.attr(id, ['k'], `v${s.n}`);
  }
}

/** An independent, naive model of the edits: plain arrays per parent. */
function expectedShape(edits: SeedEdit[]): unknown[] {
  const children = new Map<string, string[]>([['', ['a', 'b', 'c']]]);
  const parentOf = new Map<string, string>([
    ['a', ''],
    ['b', ''],
    ['c', ''],
  ]);
  const content = new Set(['a', 'b', 'c']);
  for (const e of edits) {
    const o = 'op' in e ? e.op : e;
    if (o.case === 'replaceBlock') content.add(o.value.id!);
    if (o.case === 'moveBlock' || o.case === 'deleteBlock') {
      const id = o.case === 'moveBlock' ? o.value.blockId : o.value;
      const old = parentOf.get(id);
      if (old !== undefined)
        children.set(
          old,
          (children.get(old) ?? []).filter((x) => x !== id),
        );
      if (o.case === 'deleteBlock') parentOf.set(id, '◊');
      else {
        const list = children.get(o.value.parent) ?? [];
        list.splice(o.value.leftSibling === '' ? 0 : list.indexOf(o.value.leftSibling) + 1, 0, id);
        children.set(o.value.parent, list);
        parentOf.set(id, o.value.parent);
      }
    }
  }
  const walk = (parent: string): unknown[] =>
    (children.get(parent) ?? [])
      .filter((id) => content.has(id))
      .flatMap((id) => {
        const sub = walk(id);
        return sub.length > 0 ? [id, sub] : [id];
      });
  return walk('');
}

test('the unsigned change carries heads, depth, ts and zeroed sig, and decodes as a Change', () => {
  const base = baseDocument();
  const state = replayDocument(base);
  const out = prepareUnsignedChange(state, [edit.meta('name', 'X'), edit.del('c')], {
    signer: alice.principal,
    now: 5,
  });
  const map = decodeDagCbor(out.data) as Record<string, unknown>;
  assert.deepEqual(map.sig, new Uint8Array(64));
  assert.deepEqual(map.signer, alice.principal);
  assert.equal(map.ts, 1_001);
  assert.equal(map.depth, 1);
  assert.equal(String(map.genesis), state.genesis);
  const decoded = decodeStructuralBlob(out.data) as Change;
  assert.equal(decoded.type, 'Change');
  assert.deepEqual(decoded.deps.map(String), state.heads);
  assert.deepEqual(decoded.ops, out.ops);
});

test('on an empty document the unsigned change is a genesis carrying the content', () => {
  const out = prepareUnsignedChange(
    emptyDocumentState(),
    [edit.meta('name', 'Fresh'), edit.replace('p', 'P'), edit.move('p', '', '')],
    {
      signer: alice.principal,
      now: 42,
    },
  );
  const map = decodeDagCbor(out.data) as Record<string, unknown>;
  assert.equal(map.genesis, undefined);
  assert.equal(map.deps, undefined);
  assert.equal(map.depth, undefined);
  assert.equal(map.ts, 42);
  const genesis = change('fresh', { ts: 42, ops: out.ops });
  const replayed = replayDocument([genesis]);
  assert.equal(replayed.metadata.name, 'Fresh');
  assert.deepEqual(shape(replayed.content), ['p']);
});
