import superjson from 'superjson';

/**
 * The API's answers are superjson text (SEED-API.md). For a value made only of what JSON carries
 * exactly — plain objects and arrays, strings, booleans, null, finite numbers other than -0 —
 * superjson writes `{"json":<the value>}` and no `meta`; this builds that text with one walk and
 * `JSON.stringify` (measured on ResourceMetadata: superjson's walker was ~27 µs of a ~220 µs
 * request). Anything else (undefined, Date, BigInt, Map, Set, NaN, class instances, ...) goes to
 * superjson itself, so the text is always what superjson would have written.
 */
export function toSuperjsonText(value: unknown): string {
  return isPlainJson(value, 0, new Set())
    ? `{"json":${JSON.stringify(value)}}`
    : superjson.stringify(value);
}

/** Keys superjson refuses (it throws); such a value goes to superjson so the error is the same. */
const REFUSED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper values are rare and go the slow, exact way. */
const MAX_DEPTH = 64;

/** `seen`: superjson records an object met twice (`referentialEqualities`), so that is not plain. */
function isPlainJson(value: unknown, depth: number, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH || seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        // A hole reads as undefined, which superjson records in `meta`.
        for (let i = 0; i < value.length; i++) {
          if (!isPlainJson(value[i], depth + 1, seen)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      // toJSON would make JSON.stringify and superjson disagree; symbol keys are dropped by both
      // but superjson may still note them, so they go the exact way too.
      if ('toJSON' in value || Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key) || REFUSED_KEYS.has(key)) return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1, seen)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
