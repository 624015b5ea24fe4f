import { StoreError } from '../errors.ts';
import type { ReadHandler, StoreExtension, WriteHandler } from './extension.ts';

/** URL of the store's built-in extension (blobs table); `openStore` always loads it first. */
export const STORE_EXTENSION_URL = new URL('./store-extension.ts', import.meta.url);

/** Extension URLs as given to worker threads: the built-in one first, each URL once. */
export function extensionHrefs(extensions: URL[] = []): string[] {
  const hrefs = [STORE_EXTENSION_URL.href, ...extensions.map((u) => u.href)];
  return [...new Set(hrefs)];
}

/** Imports each extension module (on the thread that will run its handlers). */
export async function loadStoreExtensions(hrefs: string[]): Promise<StoreExtension[]> {
  const out: StoreExtension[] = [];
  for (const href of hrefs) {
    try {
      out.push((await import(href)) as StoreExtension);
    } catch (cause) {
      throw new StoreError(`load store extension ${href}`, {
        cause,
        code: 'STORE_EXTENSION_FAILED',
      });
    }
  }
  return out;
}

/** All handlers of one kind by name; a name exported by two extensions refuses to start. */
export function collectHandlers<K extends 'writeHandlers' | 'readHandlers'>(
  extensions: StoreExtension[],
  kind: K,
): Map<string, K extends 'writeHandlers' ? WriteHandler : ReadHandler> {
  const out = new Map<string, K extends 'writeHandlers' ? WriteHandler : ReadHandler>();
  for (const ext of extensions) {
    for (const [name, fn] of Object.entries(ext[kind] ?? {})) {
      if (out.has(name)) {
        throw new StoreError(`${kind} '${name}' is exported by two extensions`, {
          code: 'STORE_EXTENSION_FAILED',
        });
      }
      out.set(name, fn as K extends 'writeHandlers' ? WriteHandler : ReadHandler);
    }
  }
  return out;
}
