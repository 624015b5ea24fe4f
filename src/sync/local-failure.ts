import { ClosedError, StoreError } from '../errors.ts';

/**
 * A sync step that failed on this node's side, not the peer's: its store (a full disk, a bug in a
 * handler) or its shutdown. Such a failure is no peer's fault, so it backs off no peer, and asking
 * another peer or trying again at once would fail the same way.
 */
export function isLocalFailure(err: unknown): boolean {
  return err instanceof StoreError || err instanceof ClosedError;
}
