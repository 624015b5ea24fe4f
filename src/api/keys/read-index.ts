import type { KeyContext } from '../api-key.ts';

/** Runs one index read handler for key `key` (tracked as `api.<key>`), on the request's signal. */
export function readIndex<T>(
  ctx: KeyContext,
  key: string,
  handler: string,
  args: unknown,
): Promise<T> {
  return ctx.store.read<T>({ op: `api.${key}`, handler, args, signal: ctx.signal });
}
