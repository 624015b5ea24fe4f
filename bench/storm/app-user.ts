import type { CID } from 'multiformats/cid';
import type { Change } from '../../src/blob/blob-types.ts';
import { type Created, createChange, createRef } from '../../src/blob/create-blob.ts';
import type { KeyPair } from '../../src/blob/keys.ts';
import {
  firstContentOps,
  paragraphOps,
  refAfterLastMove,
  testKey,
} from '../../test/fixtures/blob-factory.ts';

/** One publish of the app user: the blobs of one `PublishBlobs` request. */
export type Publish = { data: Uint8Array; cid: CID }[];

/**
 * The app user's own edits, signed up front so the measured process does no signing (a real app
 * signs in its own process, not in the node's): a document `/notes` in the user's account, edited
 * `count` times. Publish 0 carries genesis + first Change + Ref; every later publish one new
 * Change (depending on the previous head, adding a paragraph after the last one) + a new Ref.
 * Timestamps end a minute in the past, so no blob is ever "from the future".
 */
export function makeAppEdits(count: number, key: KeyPair = testKey('storm-app-user')) {
  const path = '/notes';
  const stepMs = 500;
  const t0 = Date.now() - 60_000 - count * stepMs;
  const genesis = createChange({ ts: 0 }, key);
  const publishes: Publish[] = [];
  let parent: Created<Change> = genesis;
  let last: Created<Change> | null = null;
  for (let i = 0; i < count; i++) {
    const ts = t0 + i * stepMs;
    const ops =
      i === 0
        ? firstContentOps('Storm notes', 'b0')
        : paragraphOps(`b${i}`, `Edit ${i}`, last === null ? null : refAfterLastMove(last));
    const change = createChange(
      {
        ts,
        genesis: genesis.cid,
        deps: [parent.cid],
        depth: (parent.blob.depth ?? 0) + 1,
        ops,
      },
      key,
    );
    const ref = createRef(
      { ts: ts + 1, genesisBlob: genesis.cid, heads: [change.cid], generation: t0, path },
      key,
    );
    const blobs = i === 0 ? [genesis, change, ref] : [change, ref];
    publishes.push(blobs.map(({ cid, data }) => ({ cid, data })));
    parent = change;
    last = change;
  }
  return { account: key.accountId, path, publishes };
}
