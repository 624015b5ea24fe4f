/**
 * Decodes the fields of Ref (a version pointer for a path) and Capability (a grant) blobs.
 *
 * Absent optional fields read as null or their empty value: `space` absent means the signer's own
 * space, `path` absent means the home document, `heads` absent (with no redirect) is a tombstone.
 */
import type { Capability, Ref } from './blob-types.ts';
import { check, FieldReader } from './decode-fields.ts';

type Own<T> = Omit<T, 'signer' | 'sig' | 'ts' | 'extra'>;

/** Reads the Ref-specific fields; the caller has read the base fields from `r`. */
export function decodeRefFields(r: FieldReader): Own<Ref> {
  return {
    type: 'Ref',
    space: r.opt('space', check.principal, null),
    path: r.opt('path', check.string, ''),
    genesisBlob: r.req('genesisBlob', check.cid),
    heads: r.opt('heads', (v, p) => check.listOf(v, p, check.cid), []),
    generation: r.opt('generation', check.uint, 0),
    capability: r.opt('capability', check.cid, null),
    redirect: r.opt('redirect', decodeRedirect, null),
  };
}

function decodeRedirect(value: unknown, path: string): NonNullable<Ref['redirect']> {
  const r = new FieldReader(check.map(value, path), `${path}.`);
  return {
    space: r.req('space', check.principal),
    path: r.opt('path', check.string, ''),
    republish: r.opt('republish', check.bool, false),
  };
}

/** Reads the Capability-specific fields. */
export function decodeCapabilityFields(r: FieldReader): Own<Capability> {
  return {
    type: 'Capability',
    delegate: r.req('delegate', check.principal),
    path: r.opt('path', check.string, ''),
    role: r.req('role', check.string),
    audience: r.opt('audience', check.principal, null),
    label: r.opt('label', check.string, null),
  };
}
