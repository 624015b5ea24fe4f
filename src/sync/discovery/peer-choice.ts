import {
  DISCOVERY_WIDTH_HOST_KNOWN,
  DISCOVERY_WIDTH_LOST,
  DISCOVERY_WIDTH_WITH_AUTHORITY,
} from '../../constants.ts';

/**
 * Which peers a discovery asks, in tiers (DESIGN §5 "few peers, in tiers, early stop"):
 *
 *   1. authorities — the space's site server and known gateways;
 *   2. a small random sample of connected peers;
 *   3. cold peers from the peer table (not connected now, not backed off).
 *
 * The number of speculative peers (tiers 2 and 3 together) depends on how lost we are: none when the
 * content is present and an authority is known, a couple when only the host is known, at most a
 * handful otherwise. The set is never empty while any peer is known.
 */

export type PeerChoiceInput<P> = {
  authorities: P[];
  connected: P[];
  /** Cold candidates, best first (the peer table already skips backed-off peers). */
  cold: (limit: number, exclude: Set<string>) => P[];
  keyOf: (peer: P) => string;
  contentPresent: boolean;
  random?: () => number;
};

export type PeerChoiceInit = { withAuthority?: number; hostKnown?: number; lost?: number };

/** Speculative width for the situation (settings in constants.ts). */
export function speculativeWidth(
  authorityKnown: boolean,
  contentPresent: boolean,
  init: PeerChoiceInit = {},
): number {
  if (authorityKnown && contentPresent) return init.withAuthority ?? DISCOVERY_WIDTH_WITH_AUTHORITY;
  if (authorityKnown) return init.hostKnown ?? DISCOVERY_WIDTH_HOST_KNOWN;
  return init.lost ?? DISCOVERY_WIDTH_LOST;
}

/** The tiers to ask, in order; later tiers are asked only while something is still owed. */
export function choosePeerTiers<P>(input: PeerChoiceInput<P>, init: PeerChoiceInit = {}): P[][] {
  const seen = new Set<string>();
  const take = (peers: P[]) =>
    peers.filter((p) => {
      const key = input.keyOf(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const authorities = take(input.authorities);
  let width = speculativeWidth(authorities.length > 0, input.contentPresent, init);
  // Never an empty set: with no authority and nothing else, at least one peer is asked.
  if (authorities.length === 0) width = Math.max(width, 1);
  const sample = take(shuffle(input.connected, input.random ?? Math.random)).slice(0, width);
  const cold = width > sample.length ? take(input.cold(width - sample.length, seen)) : [];
  return [authorities, sample, cold.slice(0, width - sample.length)].filter((t) => t.length > 0);
}

function shuffle<P>(peers: P[], random: () => number): P[] {
  const out = [...peers];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
