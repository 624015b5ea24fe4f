/**
 * In-memory Change values for replay tests: real principals (Ed25519 keys from fixed seeds),
 * CIDs derived from a name, ops written by hand. No signing or encoding: replay works on decoded
 * Changes.
 */
import type { CID } from 'multiformats/cid';
import type { Change, ChangeOp } from '../../../src/blob/blob-types.ts';
import { CODEC, cidForBytes } from '../../../src/blob/cid.ts';
import { keyPairFromSeed } from '../../../src/blob/keys.ts';
import type { BlockNode, DocumentState } from '../../../src/index/replay/document-state.ts';
import { actorOf, elementIndexes, encodeRef } from '../../../src/index/replay/op-id.ts';

export const alice = keyPairFromSeed(new Uint8Array(32).fill(1));
export const bob = keyPairFromSeed(new Uint8Array(32).fill(2));

export type Entry = { cid: string; change: Change };

export function cidOf(name: string): CID {
  return cidForBytes(new TextEncoder().encode(name), CODEC.dagCbor);
}

export function change(
  name: string,
  f: {
    signer?: Uint8Array;
    ts: number;
    deps?: Entry[];
    genesis?: Entry | null;
    depth?: number | null;
    ops?: ChangeOp[];
  },
): Entry {
  const deps = (f.deps ?? []).map((d) => cidOf(nameOf(d)));
  const genesis = f.genesis ? cidOf(nameOf(f.genesis)) : null;
  const entry: Entry = {
    cid: cidOf(name).toString(),
    change: {
      type: 'Change',
      signer: f.signer ?? alice.principal,
      sig: new Uint8Array(64),
      ts: f.ts,
      extra: {},
      genesis,
      deps,
      depth: f.depth === undefined ? (deps.length === 0 ? null : 1) : f.depth,
      ops: f.ops ?? [],
      opCount: null,
    },
  };
  names.set(entry.cid, name);
  return entry;
}

const names = new Map<string, string>();
function nameOf(entry: Entry): string {
  return names.get(entry.cid)!;
}

export const op = {
  name: (value: unknown): ChangeOp => ({
    type: 'SetAttributes',
    block: '',
    attrs: [{ key: ['name'], value }],
  }),
  attrs: (block: string, attrs: { key: string[]; value: unknown }[]): ChangeOp => ({
    type: 'SetAttributes',
    block,
    attrs,
  }),
  block: (id: string, text: string, extra: Record<string, unknown> = {}): ChangeOp => ({
    type: 'ReplaceBlock',
    block: { id, type: 'Paragraph', text, ...extra },
  }),
  move: (parent: string, blocks: string[], ref: Array<number | bigint> = []): ChangeOp => ({
    type: 'MoveBlocks',
    parent,
    blocks,
    ref: ref as number[],
  }),
  del: (blocks: string[]): ChangeOp => ({ type: 'DeleteBlocks', blocks }),
};

/** The wire ref naming element `position` of op `opIndex` of `entry` (for a later Change). */
export function refTo(entry: Entry, opIndex: number, position = 0): Array<number | bigint> {
  const idx = elementIndexes(entry.change.ops)[opIndex]![position]!;
  return encodeRef({ ts: entry.change.ts, idx, actor: actorOf(entry.change.signer) });
}

/** Block IDs of a content tree as nested arrays: `['a', ['b', ['c']]]` style, for short asserts. */
export function shape(nodes: BlockNode[] | undefined): unknown[] {
  const out: unknown[] = [];
  for (const node of nodes ?? []) {
    out.push(node.block.id);
    if (node.children) out.push(shape(node.children));
  }
  return out;
}

/** Content without `revision` (which names Changes), for comparing states built differently. */
export function contentOf(state: DocumentState): unknown {
  const strip = (nodes: BlockNode[]): unknown[] =>
    nodes.map((n) => {
      const { revision: _r, ...block } = n.block;
      return n.children ? { block, children: strip(n.children) } : { block };
    });
  return strip(state.content);
}

/** A document: genesis with title and three top-level blocks a, b, c (CLI-style genesis). */
export function baseDocument(): Entry[] {
  const genesis = change('genesis', {
    ts: 1_000,
    ops: [
      op.name('Hello'),
      op.block('a', 'A'),
      op.block('b', 'B'),
      op.block('c', 'C'),
      op.move('', ['a', 'b', 'c']),
    ],
  });
  return [genesis];
}
