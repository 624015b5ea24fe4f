import { decodeStructuralBlob } from '../../src/blob/decode-blob.ts';
import type { SyncItem } from '../../src/sync/rbsr/item.ts';
import { SealedSet } from '../../src/sync/rbsr/sealed-set.ts';
import { parseScope } from '../../src/sync/scope.ts';
import type { SiteBlob } from '../../test/sync/site.ts';

/**
 * The scopes a storm peer serves, computed in memory from its site's blobs (no database): the same
 * item sets a real node's `sync.buildHaves` would read from its index (src/sync/haves-query.ts):
 *
 *   doc:<account><path>       the path's Refs, every Change of the lineages they name, its Comments;
 *   children:<account><path>  the same for every document whose parent is the path;
 *   subtree:<account><path>   the path and everything below it (+ the Profile at the root);
 *   profile:<account>         the Profile.
 *
 * A scope of another account is the empty set: a storm peer holds only its own space. Sealed sets
 * are built on first ask and kept until the site grows (`add`, used by bench/soak.ts).
 */

type DocumentItems = { refs: SyncItem[]; lineages: Set<string>; comments: SyncItem[] };

export class SiteScopes {
  readonly account: string;
  readonly #docs = new Map<string, DocumentItems>();
  readonly #lineages = new Map<string, SyncItem[]>();
  readonly #profile: SyncItem[] = [];
  readonly #sealed = new Map<string, SealedSet>();
  static readonly #empty = SealedSet.from([]);

  constructor(account: string, blobs: SiteBlob[]) {
    this.account = account;
    for (const b of blobs) this.#add(b);
  }

  /** The sealed set of a scope string (empty for a malformed scope or another account). */
  set(scopeText: string): SealedSet {
    let sealed = this.#sealed.get(scopeText);
    if (sealed === undefined) {
      sealed = this.#build(scopeText);
      this.#sealed.set(scopeText, sealed);
    }
    return sealed;
  }

  /** Adds blobs the site just made (the soak's trickle); every sealed set is built again when next asked. */
  add(blobs: SiteBlob[]): void {
    for (const b of blobs) this.#add(b);
    this.#sealed.clear();
  }

  #add(b: SiteBlob): void {
    const blob = decodeStructuralBlob(b.data);
    const item: SyncItem = { ts: blob.ts, id: b.cid.bytes };
    if (blob.type === 'Ref') {
      const doc = this.#doc(blob.path);
      doc.refs.push(item);
      doc.lineages.add(blob.genesisBlob.toString());
    } else if (blob.type === 'Change') {
      // A genesis Change (no genesis field) heads its own lineage.
      const lineage = blob.genesis?.toString() ?? b.cid.toString();
      const list = this.#lineages.get(lineage) ?? [];
      list.push(item);
      this.#lineages.set(lineage, list);
    } else if (blob.type === 'Comment') {
      this.#doc(blob.path).comments.push(item);
    } else if (blob.type === 'Profile') {
      this.#profile.push(item);
    }
  }

  #doc(path: string): DocumentItems {
    let doc = this.#docs.get(path);
    if (doc === undefined) {
      doc = { refs: [], lineages: new Set(), comments: [] };
      this.#docs.set(path, doc);
    }
    return doc;
  }

  #build(scopeText: string): SealedSet {
    let scope: ReturnType<typeof parseScope>;
    try {
      scope = parseScope(scopeText);
    } catch {
      return SiteScopes.#empty;
    }
    if (scope.account !== this.account) return SiteScopes.#empty;
    const items: SyncItem[] = [];
    if (scope.kind === 'profile' || (scope.kind === 'subtree' && scope.path === '')) {
      items.push(...this.#profile);
    }
    if (scope.kind !== 'profile') {
      for (const [path, doc] of this.#docs) {
        if (!inScope(scope.kind, scope.path, path)) continue;
        items.push(...doc.refs, ...doc.comments);
        for (const lineage of doc.lineages) items.push(...(this.#lineages.get(lineage) ?? []));
      }
    }
    return SealedSet.from(items);
  }
}

function inScope(kind: 'doc' | 'children' | 'subtree', scopePath: string, path: string): boolean {
  if (kind === 'doc') return path === scopePath;
  if (kind === 'children') return path !== scopePath && parentOf(path) === scopePath;
  return path === scopePath || path.startsWith(`${scopePath}/`);
}

function parentOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}
