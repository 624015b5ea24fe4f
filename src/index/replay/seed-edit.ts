/**
 * The document edits of Seed's `PrepareDocumentChange` (SEED-API.md), as its clients send them:
 * protobuf-es oneofs, `{op: {case: 'moveBlock', value: {...}}}`. The bare `{case, value}` form is
 * accepted too. `parseSeedEdits` validates client input and names the offending field.
 */
import { InvalidInputError } from '../../errors.ts';
import { isPlainObject } from './attr-path.ts';
import type { ApiBlock } from './block-shape.ts';

export type AttributeValue =
  | { case: 'stringValue'; value: string }
  | { case: 'intValue'; value: number | bigint }
  | { case: 'boolValue'; value: boolean }
  | { case: 'nullValue'; value?: unknown }
  | { case?: undefined; value?: undefined };

export type SeedEditOp =
  | { case: 'setMetadata'; value: { key: string; value: string } }
  | { case: 'moveBlock'; value: { blockId: string; parent: string; leftSibling: string } }
  | {
      case: 'replaceBlock';
      value: {
        id?: string;
        type?: string;
        text?: string;
        link?: string;
        attributes?: Record<string, unknown>;
        annotations?: Record<string, unknown>[];
        revision?: string;
      };
    }
  | { case: 'deleteBlock'; value: string }
  | { case: 'setAttribute'; value: { blockId: string; key: string[]; value: AttributeValue } };

export type SeedEdit = { op: SeedEditOp } | SeedEditOp;

/** An edit after validation, in the form the working tree applies. */
export type ParsedEdit =
  | { kind: 'setMetadata'; key: string[]; value: unknown }
  | { kind: 'moveBlock'; block: string; parent: string; left: string }
  | { kind: 'replaceBlock'; block: ApiBlock }
  | { kind: 'deleteBlock'; block: string }
  | { kind: 'setAttribute'; block: string; key: string[]; value: unknown }
  | { kind: 'none' };

/** Largest number of edits in one request. */
export const MAX_EDITS = 10_000;

export function parseSeedEdits(edits: unknown): ParsedEdit[] {
  if (!Array.isArray(edits)) throw new InvalidInputError('must be a list', { field: 'changes' });
  if (edits.length > MAX_EDITS) {
    throw new InvalidInputError(`at most ${MAX_EDITS} edits per change`, { field: 'changes' });
  }
  return edits.map((edit, i) => parseEdit(edit, `changes[${i}]`));
}

function parseEdit(edit: unknown, field: string): ParsedEdit {
  if (!isPlainObject(edit)) throw new InvalidInputError('must be an object', { field });
  const op = 'op' in edit ? edit.op : edit;
  if (!isPlainObject(op))
    throw new InvalidInputError('must be an object', { field: `${field}.op` });
  const at = `${field}.op.value`;
  const value = op.value;
  switch (op.case) {
    case 'setMetadata': {
      const v = object(value, at);
      return {
        kind: 'setMetadata',
        key: [string(v.key, `${at}.key`, false)],
        value: string(v.value, `${at}.value`),
      };
    }
    case 'moveBlock': {
      const v = object(value, at);
      return {
        kind: 'moveBlock',
        block: string(v.blockId, `${at}.blockId`, false),
        parent: string(v.parent ?? '', `${at}.parent`),
        left: string(v.leftSibling ?? '', `${at}.leftSibling`),
      };
    }
    case 'replaceBlock':
      return { kind: 'replaceBlock', block: parseBlock(object(value, at), at) };
    case 'deleteBlock':
      return { kind: 'deleteBlock', block: string(value, at, false) };
    case 'setAttribute': {
      const v = object(value, at);
      const key = v.key;
      if (
        !Array.isArray(key) ||
        key.length === 0 ||
        !key.every((k) => typeof k === 'string' && k !== '__proto__')
      ) {
        throw new InvalidInputError('must be a non-empty list of strings', { field: `${at}.key` });
      }
      return {
        kind: 'setAttribute',
        block: string(v.blockId ?? '', `${at}.blockId`),
        key,
        value: attributeValue(v.value, `${at}.value`),
      };
    }
    case undefined:
      return { kind: 'none' };
    default:
      throw new InvalidInputError(`unknown edit ${JSON.stringify(String(op.case))}`, {
        field: `${field}.op.case`,
      });
  }
}

function parseBlock(v: Record<string, unknown>, at: string): ApiBlock {
  const attributes = v.attributes ?? {};
  if (!isPlainObject(attributes))
    throw new InvalidInputError('must be an object', { field: `${at}.attributes` });
  const annotations = v.annotations ?? [];
  if (!Array.isArray(annotations) || !annotations.every(isPlainObject)) {
    throw new InvalidInputError('must be a list of objects', { field: `${at}.annotations` });
  }
  const block: ApiBlock = {
    id: string(v.id, `${at}.id`, false),
    type: string(v.type ?? '', `${at}.type`),
    annotations,
    attributes: { ...attributes },
  };
  if (v.text !== undefined) block.text = string(v.text, `${at}.text`);
  if (v.link !== undefined) block.link = string(v.link, `${at}.link`);
  return block;
}

function attributeValue(value: unknown, at: string): unknown {
  if (value === undefined || value === null) return null;
  const v = object(value, at);
  switch (v.case) {
    case 'stringValue':
      return string(v.value, `${at}.value`);
    case 'intValue':
      if (typeof v.value === 'bigint')
        return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value;
      if (typeof v.value === 'number' && Number.isSafeInteger(v.value)) return v.value;
      throw new InvalidInputError('must be an integer', { field: `${at}.value` });
    case 'boolValue':
      if (typeof v.value !== 'boolean')
        throw new InvalidInputError('must be a boolean', { field: `${at}.value` });
      return v.value;
    case 'nullValue':
    case undefined:
      return null;
    default:
      throw new InvalidInputError(`unknown value kind ${JSON.stringify(String(v.case))}`, {
        field: `${at}.case`,
      });
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidInputError('must be an object', { field });
  return value;
}

function string(value: unknown, field: string, emptyOk = true): string {
  if (typeof value !== 'string') throw new InvalidInputError('must be a string', { field });
  if (!emptyOk && value === '') throw new InvalidInputError('must not be empty', { field });
  return value;
}
