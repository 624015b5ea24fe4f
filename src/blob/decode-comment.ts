/**
 * Decodes the fields of Comment, Profile and Contact blobs: the social blobs, which reference
 * documents and accounts but are not part of a document's change DAG.
 */
import type { Comment, Contact, Profile } from './blob-types.ts';
import { check, FieldReader } from './decode-fields.ts';

type Own<T> = Omit<T, 'signer' | 'sig' | 'ts' | 'extra'>;

/**
 * Reads the Comment-specific fields. `space` absent means the signer's space (as in Ref); `body`
 * absent or empty is a deletion of the comment with the same `id`. Body blocks must be maps; their
 * contents are kept as decoded for the API to render.
 */
export function decodeCommentFields(r: FieldReader, signer: Uint8Array): Own<Comment> {
  return {
    type: 'Comment',
    space: r.opt('space', check.principal, signer),
    path: r.opt('path', check.string, ''),
    version: r.opt('version', (v, p) => check.listOf(v, p, check.cid), []),
    body: r.opt('body', (v, p) => check.listOf(v, p, check.map), []),
    replyParent: r.opt('replyParent', check.cid, null),
    threadRoot: r.opt('threadRoot', check.cid, null),
    id: r.opt('id', check.string, null),
  };
}

/** Reads the Profile-specific fields (all optional). */
export function decodeProfileFields(r: FieldReader): Own<Profile> {
  return {
    type: 'Profile',
    name: r.opt('name', check.string, null),
    avatar: r.opt('avatar', check.string, null),
    description: r.opt('description', check.string, null),
    alias: r.opt('alias', check.principal, null),
    account: r.opt('account', check.principal, null),
  };
}

/** Reads the Contact-specific fields; `subscribe` flags absent read as false. */
export function decodeContactFields(r: FieldReader): Own<Contact> {
  return {
    type: 'Contact',
    subject: r.req('subject', check.principal),
    name: r.opt('name', check.string, null),
    subscribe: r.opt('subscribe', decodeSubscribe, null),
    id: r.opt('id', check.string, null),
    account: r.opt('account', check.principal, null),
  };
}

function decodeSubscribe(value: unknown, path: string): NonNullable<Contact['subscribe']> {
  const r = new FieldReader(check.map(value, path), `${path}.`);
  return { site: r.opt('site', check.bool, false), profile: r.opt('profile', check.bool, false) };
}
