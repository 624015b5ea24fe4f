import { InvalidInputError } from '../errors.ts';

/**
 * Checks of read-handler arguments. They arrive from the API (already shaped by it) or from other
 * subsystems; a bad one is an InvalidInputError naming the field, never a SQL error.
 */

const ACCOUNT_RE = /^z[1-9A-HJ-NP-Za-km-z]{20,80}$/;
const MAX_PATH = 2_048;

export function argsObject(args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new InvalidInputError('must be an object', { field: 'args' });
  }
  return args as Record<string, unknown>;
}

export function accountArg(value: unknown, field = 'account'): string {
  if (typeof value !== 'string' || !ACCOUNT_RE.test(value)) {
    throw new InvalidInputError('must be an account ID (z6Mk…)', { field });
  }
  return value;
}

/** '' or '/a/b'; a missing path is the home document. */
export function pathArg(value: unknown, field = 'path'): string {
  if (value === undefined || value === null || value === '') return '';
  if (
    typeof value !== 'string' ||
    value.length > MAX_PATH ||
    !value.startsWith('/') ||
    value.endsWith('/') ||
    value.includes('//')
  ) {
    throw new InvalidInputError("must be '' or a path like /a/b", { field });
  }
  return value;
}

export function stringArg(value: unknown, field: string, max = 1_024): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new InvalidInputError(`must be a non-empty string of at most ${max} characters`, {
      field,
    });
  }
  return value;
}

/** A comment ID `<authority account>/<tsid>`; the authority must be an account ID. */
export function commentIdArg(value: unknown, field = 'id'): string {
  const id = stringArg(value, field, 200);
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1 || id.indexOf('/', slash + 1) >= 0) {
    throw new InvalidInputError('must be a comment ID "<authority>/<tsid>"', { field });
  }
  accountArg(id.slice(0, slash), field);
  return id;
}

export function optionalString(value: unknown, field: string, max = 1_024): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return stringArg(value, field, max);
}

export function intArg(
  value: unknown,
  field: string,
  def: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === null) return def;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidInputError(`must be an integer ≥ ${min}`, { field });
  }
  return Math.min(value, max);
}

export function stringListArg(value: unknown, field: string, max = 100): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > max || value.some((v) => typeof v !== 'string')) {
    throw new InvalidInputError(`must be a list of at most ${max} strings`, { field });
  }
  return value as string[];
}

/** A version: head CIDs joined by '.'. */
export function versionArg(value: unknown, field = 'version'): string[] | undefined {
  const text = optionalString(value, field, 64 * 1_024);
  if (text === undefined) return undefined;
  const heads = text.split('.');
  if (heads.some((h) => !/^[a-zA-Z0-9]{8,200}$/.test(h))) {
    throw new InvalidInputError('must be CIDs joined by "."', { field });
  }
  return heads.sort();
}
