/**
 * Decodes a Change blob's own fields (genesis, deps, depth, body.ops, body.opCount) and its ops.
 *
 * Fields that Seed's encoders omit when empty (deps, depth, body, an op's `block`/`parent`/`ref`)
 * read as their empty value, so Go-made (omitempty) and TypeScript-made blobs decode alike.
 * Unknown op types are kept as `Unknown` with their raw map: replay ignores them, storage keeps them.
 */
import type { BlockData, Change, ChangeOp } from './blob-types.ts';
import { check, FieldReader } from './decode-fields.ts';

type ChangeOwn = Omit<Change, 'signer' | 'sig' | 'ts' | 'extra'>;

/** Reads the Change-specific fields; the caller has read the base fields from `r`. */
export function decodeChangeFields(r: FieldReader): ChangeOwn {
  const genesis = r.opt('genesis', check.cid, null);
  const deps = r.opt('deps', (v, p) => check.listOf(v, p, check.cid), []);
  const depth = r.opt('depth', check.uint, null);
  const body = r.opt('body', check.map, null);
  let ops: ChangeOp[] = [];
  let opCount: number | null = null;
  if (body !== null) {
    const b = new FieldReader(body, r.path('body.'));
    ops = b.opt('ops', (v, p) => check.listOf(v, p, decodeOp), []);
    opCount = b.opt('opCount', check.uint, null);
  }
  return { type: 'Change', genesis, deps, depth, ops, opCount };
}

/** One op of `body.ops`; `path` is e.g. `body.ops[2]`. */
export function decodeOp(value: unknown, path: string): ChangeOp {
  const map = check.map(value, path);
  const r = new FieldReader(map, `${path}.`);
  const opType = r.req('type', check.string);
  switch (opType) {
    case 'SetAttributes':
      return {
        type: 'SetAttributes',
        block: r.opt('block', check.string, ''),
        attrs: r.opt('attrs', (v, p) => check.listOf(v, p, decodeAttr), []),
      };
    case 'ReplaceBlock':
      return { type: 'ReplaceBlock', block: r.req('block', decodeBlockData) };
    case 'MoveBlocks':
      return {
        type: 'MoveBlocks',
        parent: r.opt('parent', check.string, ''),
        blocks: r.opt('blocks', stringList, []),
        ref: r.opt('ref', (v, p) => check.listOf(v, p, check.uint64), []),
      };
    case 'DeleteBlocks':
      return { type: 'DeleteBlocks', blocks: r.opt('blocks', stringList, []) };
    case 'SetKey':
      return {
        type: 'SetKey',
        key: r.req('key', check.string),
        value: r.req('value', anyValue),
      };
    default:
      return { type: 'Unknown', opType, raw: map };
  }
}

/** A block map: `id` and `type` are required strings; known optional fields are type-checked; others kept. */
export function decodeBlockData(value: unknown, path: string): BlockData {
  const map = check.map(value, path);
  const r = new FieldReader(map, `${path}.`);
  const block: BlockData = {
    ...map,
    id: r.req('id', check.string),
    type: r.req('type', check.string),
  };
  optInto(block, r, 'text', check.string);
  optInto(block, r, 'link', check.string);
  optInto(block, r, 'annotations', check.list);
  optInto(block, r, 'attributes', check.map);
  return block;
}

function optInto(
  block: BlockData,
  r: FieldReader,
  key: string,
  fn: (v: unknown, p: string) => unknown,
): void {
  const v = r.opt(key, fn, undefined);
  if (v !== undefined) block[key] = v;
}

function decodeAttr(value: unknown, path: string): { key: string[]; value: unknown } {
  const r = new FieldReader(check.map(value, path), `${path}.`);
  return { key: r.req('key', stringList), value: r.req('value', anyValue) };
}

function stringList(value: unknown, path: string): string[] {
  return check.listOf(value, path, check.string);
}

/** Attribute values are any IPLD value (strings, numbers, bools, maps, links...). */
function anyValue(value: unknown): unknown {
  return value;
}
