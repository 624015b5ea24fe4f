/**
 * Node-wide claims on CIDs being fetched (DESIGN §5 "filter, claim, persist once"): two waves that
 * want the same blob fetch it once. The first wave claims it; a later wave gets a promise of its
 * release and waits for it instead of fetching. A claim is released when its blob is persisted or
 * its fetch gave up, so a failed fetch can be retried by the next wave.
 *
 * A claim holds no promise until someone waits on it: a storm claims tens of thousands of CIDs,
 * and almost none of them are wanted twice at the same moment.
 */
export class FetchClaims {
  /** Per claimed key, the release callbacks of those waiting on it (null: nobody waits). */
  readonly #claims = new Map<string, (() => void)[] | null>();

  /** Splits `keys` into those this caller now owns and the promises of those others already own. */
  claim(keys: Iterable<string>): { mine: string[]; others: Promise<void>[] } {
    const mine: string[] = [];
    const others: Promise<void>[] = [];
    for (const key of keys) {
      if (!this.#claims.has(key)) {
        this.#claims.set(key, null);
        mine.push(key);
        continue;
      }
      let waiters = this.#claims.get(key);
      if (!waiters) {
        waiters = [];
        this.#claims.set(key, waiters);
      }
      const list = waiters;
      others.push(new Promise<void>((resolve) => list.push(resolve)));
    }
    return { mine, others };
  }

  release(keys: Iterable<string>): void {
    for (const key of keys) {
      const waiters = this.#claims.get(key);
      if (waiters === undefined) continue;
      this.#claims.delete(key);
      if (waiters) for (const wake of waiters) wake();
    }
  }

  get size(): number {
    return this.#claims.size;
  }
}
