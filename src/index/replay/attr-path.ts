/**
 * Nested attribute maps addressed by key paths (`["theme", "headerLayout"]`), as SetAttributes
 * writes them, and the conversion of decoded CBOR values into plain data that crosses threads
 * and serializes (CIDs become strings).
 */
import { asLink } from '../../blob/decode-fields.ts';

export type AttrMap = Record<string, unknown>;

/** Keys that would reach an object's prototype; never written. */
const FORBIDDEN_KEYS = new Set(['__proto__']);

/** Largest nesting of a value copied by toPlain; deeper parts are dropped (hostile input). */
const MAX_VALUE_DEPTH = 32;

export function isPlainObject(value: unknown): value is AttrMap {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `key` is a usable path: a non-empty list of strings, none forbidden. */
export function isValidKeyPath(key: unknown): key is string[] {
  return (
    Array.isArray(key) &&
    key.length > 0 &&
    key.length <= MAX_VALUE_DEPTH &&
    key.every((part) => typeof part === 'string' && !FORBIDDEN_KEYS.has(part))
  );
}

/**
 * Sets `value` at `key` inside `target`, replacing non-object intermediates by objects.
 * A null (or undefined) value removes the entry instead: that is how an attribute is unset.
 * Returns false (and changes nothing) for an invalid key path.
 */
export function setPath(target: AttrMap, key: unknown, value: unknown): boolean {
  if (!isValidKeyPath(key)) return false;
  if (value === null || value === undefined) {
    deletePath(target, key);
    return true;
  }
  let node = target;
  for (const part of key.slice(0, -1)) {
    const next = node[part];
    if (!isPlainObject(next)) node[part] = {};
    node = node[part] as AttrMap;
  }
  node[key[key.length - 1]!] = toPlain(value);
  return true;
}

export function deletePath(target: AttrMap, key: string[]): void {
  let node: AttrMap = target;
  for (const part of key.slice(0, -1)) {
    const next = node[part];
    if (!isPlainObject(next)) return;
    node = next;
  }
  delete node[key[key.length - 1]!];
}

/** Reads the value at `key`, or undefined. */
export function getPath(source: AttrMap, key: string[]): unknown {
  let node: unknown = source;
  for (const part of key) {
    if (!isPlainObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/**
 * A deep copy made of plain data only: CIDs become their string form, bytes are copied, other
 * class instances and functions are dropped. Bounded in depth.
 */
export function toPlain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (depth >= MAX_VALUE_DEPTH) return undefined;
  const cid = asLink(value);
  if (cid) return cid.toString();
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1) ?? null);
  if (!isPlainObject(value)) return undefined;
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(k)) continue;
    const plain = toPlain(v, depth + 1);
    if (plain !== undefined) out[k] = plain;
  }
  return out;
}

/** Structural equality of plain data (objects by keys, arrays and bytes by items). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return (
      a instanceof Uint8Array &&
      b instanceof Uint8Array &&
      a.length === b.length &&
      a.every((x, i) => x === b[i])
    );
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a as AttrMap);
  const kb = Object.keys(b as AttrMap);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b as AttrMap, k) && deepEqual((a as AttrMap)[k], (b as AttrMap)[k]),
  );
}
