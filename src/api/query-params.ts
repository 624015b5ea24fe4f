import { InvalidInputError } from '../errors.ts';
import type { ParamKind } from './api-key.ts';

/**
 * GET input as Seed's client sends it: one query parameter per input field; strings, numbers and
 * booleans as plain text, arrays and objects as JSON text (SEED-API.md "GET input"). Parsing follows
 * the key's declared kinds, never the look of the text: a `pageToken` of `"12"` stays a string.
 */

/** Largest JSON parameter accepted, so a hostile query cannot make us parse megabytes. */
const MAX_JSON_PARAM_CHARS = 64 * 1024;

export function parseQueryParams(
  query: Record<string, string | string[] | undefined>,
  kinds: Record<string, ParamKind>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const kind = kinds[name];
    if (!kind) throw new InvalidInputError('unknown query parameter', { field: name });
    if (Array.isArray(raw)) throw new InvalidInputError('given more than once', { field: name });
    out[name] = parseParam(name, raw, kind);
  }
  return out;
}

function parseParam(name: string, raw: string, kind: ParamKind): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'number':
      return parseNumber(name, raw);
    case 'boolean':
      return parseBoolean(name, raw);
    case 'json':
      return parseJson(name, raw);
  }
}

function parseNumber(field: string, raw: string): number {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n))
    throw new InvalidInputError(`must be a number, got "${clip(raw)}"`, { field });
  return n;
}

function parseBoolean(field: string, raw: string): boolean {
  // An empty value is how a present flag is sent (`&l`).
  if (raw === 'true' || raw === '' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new InvalidInputError(`must be true or false, got "${clip(raw)}"`, { field });
}

function parseJson(field: string, raw: string): unknown {
  if (raw.length > MAX_JSON_PARAM_CHARS) {
    throw new InvalidInputError(`JSON longer than ${MAX_JSON_PARAM_CHARS} characters`, { field });
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidInputError(`must be JSON text, got "${clip(raw)}"`, { field });
  }
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---- small checkers shared by the keys --------------------------------------------------------

export function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidInputError('must be a string', { field });
  return v;
}

export function requiredString(input: Record<string, unknown>, field: string): string {
  const v = optionalString(input, field);
  if (v === undefined || v === '') throw new InvalidInputError('is required', { field });
  return v;
}

export function optionalStringArray(
  input: Record<string, unknown>,
  field: string,
): string[] | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InvalidInputError('must be an array of strings', { field });
  }
  return v as string[];
}

export function optionalBoolean(
  input: Record<string, unknown>,
  field: string,
): boolean | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InvalidInputError('must be a boolean', { field });
  return v;
}

/** A page size: integer in [1, max]; absent → `fallback`. */
export function pageSize(
  input: Record<string, unknown>,
  field: string,
  fallback: number,
  max: number,
): number {
  const v = input[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new InvalidInputError('must be a non-negative integer', { field });
  }
  return v === 0 ? fallback : Math.min(v, max);
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError('must be an object', { field });
  }
  return value as Record<string, unknown>;
}
