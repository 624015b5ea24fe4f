import type { CID } from 'multiformats/cid';
import type { KeyPair } from '../../src/blob/keys.ts';
import { makeComment, makeDocument, makeProfile } from '../fixtures/blob-factory.ts';

export type SiteBlob = { cid: CID; data: Uint8Array };

/**
 * A site as a Seed space holds it: a home document, `docs` documents of `changes` Changes each
 * under /posts, one comment per document by `commenter`, and the owner's profile. Blobs are listed
 * in dependency order (publishing them in order never leaves anything pending).
 */
export function makeSite(
  owner: KeyPair,
  commenter: KeyPair,
  opts: { docs: number; changes: number; ts?: number },
) {
  const ts = opts.ts ?? 1_700_000_000_000;
  const blobs: SiteBlob[] = [];
  const home = makeDocument(owner, { changes: 1, path: '', title: 'Home', ts });
  blobs.push(...home.all);
  const posts = [];
  for (let i = 0; i < opts.docs; i++) {
    const doc = makeDocument(owner, {
      genesis: 'cli',
      changes: opts.changes,
      path: `/posts/p${i}`,
      title: `Post ${i}`,
      ts: ts + (i + 1) * 60_000,
    });
    const comment = makeComment(
      commenter,
      { space: owner.principal, path: `/posts/p${i}`, version: doc.ref.blob.heads },
      { text: `Comment on ${i}`, ts: ts + (i + 1) * 60_000 + 30_000 },
    );
    blobs.push(...doc.all, comment);
    posts.push(doc);
  }
  blobs.push(makeProfile(owner, { name: 'Site owner' }));
  return { blobs, home, posts };
}
