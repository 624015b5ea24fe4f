/**
 * Node-wide claims on CIDs being fetched (DESIGN §5 "filter, claim, persist once"): two waves that
 * want the same blob fetch it once. The first wave claims it; a later wave gets the claim's promise
 * and waits for it instead of fetching. A claim is released when its blob is persisted or its
 * fetch gave up, so a failed fetch can be retried by the next wave.
 */
export class FetchClaims {
  readonly #claims = new Map<string, { promise: Promise<void>; release: () => void }>();

  /** Splits `keys` into those this caller now owns and the promises of those others already own. */
  claim(keys: Iterable<string>): { mine: string[]; others: Promise<void>[] } {
    const mine: string[] = [];
    const others: Promise<void>[] = [];
    for (const key of keys) {
      const existing = this.#claims.get(key);
      if (existing !== undefined) {
        others.push(existing.promise);
        continue;
      }
      let release!: () => void;
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.#claims.set(key, { promise, release });
      mine.push(key);
    }
    return { mine, others };
  }

  release(keys: Iterable<string>): void {
    for (const key of keys) {
      this.#claims.get(key)?.release();
      this.#claims.delete(key);
    }
  }

  get size(): number {
    return this.#claims.size;
  }
}
