import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ChangeOp } from '../../../src/blob/blob-types.ts';
import { replayDocument } from '../../../src/index/replay/replay-document.ts';
import { alice, bob, change, type Entry, op, refTo } from './helpers.ts';

const BLOCKS = ['a', 'b', 'c', 'd', 'e', 'f'];

const opSpec = fc.oneof(
  fc.record({ kind: fc.constant('name'), n: fc.nat(5) }),
  fc.record({ kind: fc.constant('replace'), block: fc.nat(5), n: fc.nat(5) }),
  fc.record({
    kind: fc.constant('move'),
    blocks: fc.array(fc.nat(5), { minLength: 1, maxLength: 3 }),
    parent: fc.nat(6),
    ref: fc.nat(30),
  }),
  fc.record({ kind: fc.constant('delete'), block: fc.nat(5) }),
  fc.record({ kind: fc.constant('attr'), block: fc.nat(6), n: fc.nat(3) }),
);

const changeSpec = fc.record({
  deps: fc.array(fc.nat(40), { maxLength: 2 }),
  ts: fc.nat(20),
  signer: fc.boolean(),
  ops: fc.array(opSpec, { maxLength: 5 }),
});

type Spec = {
  deps: number[];
  ts: number;
  signer: boolean;
  ops: { kind: string; [k: string]: unknown }[];
};

/** Builds a DAG: change i depends on earlier changes only; refs name elements of earlier changes. */
function buildDag(specs: Spec[], prefix: string): Entry[] {
  const genesis = change(`${prefix}-g`, { ts: 1, ops: [op.name('start')] });
  const entries: Entry[] = [genesis];
  const moveSites: { entry: Entry; op: number; pos: number }[] = [];
  specs.forEach((s, i) => {
    const deps = [...new Set(s.deps.map((d) => entries[d % entries.length]!))];
    const ts = 10 + i * 3 + s.ts; // mostly increasing, with ties and inversions
    const ops: ChangeOp[] = s.ops.map((o) => toOp(o, moveSites));
    const entry = change(`${prefix}-${i}`, {
      ts,
      signer: s.signer ? alice.principal : bob.principal,
      deps: deps.length > 0 ? deps : [genesis],
      genesis,
      depth: null,
      ops,
    });
    ops.forEach((o, k) => {
      if (o.type !== 'MoveBlocks') return;
      for (let pos = 0; pos < o.blocks.length; pos++) moveSites.push({ entry, op: k, pos });
    });
    entries.push(entry);
  });
  return entries;
}

function toOp(
  o: Spec['ops'][number],
  sites: { entry: Entry; op: number; pos: number }[],
): ChangeOp {
  const n = o.n as number;
  switch (o.kind) {
    case 'name':
      return op.name(`title-${n}`);
    case 'replace':
      return op.block(BLOCKS[o.block as number]!, `text-${n}`);
    case 'move': {
      const site = sites.length > 0 ? sites[(o.ref as number) % (sites.length + 1)] : undefined;
      const parent = (o.parent as number) === 6 ? '' : BLOCKS[o.parent as number]!;
      const ref = site ? refTo(site.entry, site.op, site.pos) : [];
      return op.move(
        parent,
        (o.blocks as number[]).map((b) => BLOCKS[b]!),
        ref,
      );
    }
    case 'delete':
      return op.del([BLOCKS[o.block as number]!]);
    default:
      return op.attrs((o.block as number) === 6 ? '' : BLOCKS[o.block as number]!, [
        { key: ['k'], value: n },
      ]);
  }
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('property: any permutation of the same change set replays to the same state', () => {
  let run = 0;
  fc.assert(
    fc.property(fc.array(changeSpec, { maxLength: 14 }), fc.integer(), (specs, seed) => {
      const entries = buildDag(specs as Spec[], `p${run++}`);
      const expected = replayDocument(entries);
      const shuffled = replayDocument(shuffle(entries, seed));
      assert.deepEqual(shuffled, expected);
      assert.equal(expected.stats.changes, entries.length);
    }),
    { numRuns: 150 },
  );
});

test('property: replay never throws on arbitrary op values', () => {
  const junk = fc.anything({ maxDepth: 3 });
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          type: fc.constantFrom(
            'SetAttributes',
            'ReplaceBlock',
            'MoveBlocks',
            'DeleteBlocks',
            'SetKey',
            'X',
          ),
          block: junk,
          blocks: junk,
          parent: junk,
          ref: junk,
          attrs: junk,
          key: junk,
          value: junk,
        }),
        { maxLength: 8 },
      ),
      (ops) => {
        const genesis = change('junk', { ts: 1, ops: ops as unknown as ChangeOp[] });
        const state = replayDocument([genesis]);
        assert.ok(Array.isArray(state.content));
        assert.equal(state.stats.changes, 1);
      },
    ),
    { numRuns: 200 },
  );
});
