import type { ComponentLogger, Logger } from '@libp2p/interface';
import { defaultLogger } from '@libp2p/logger';

/**
 * The logger libp2p gets. With `DEBUG` set (e.g. `DEBUG=libp2p:*`), libp2p's own debug logger, so
 * its logs work as its docs say. Without it, one shared logger that does nothing: libp2p makes a
 * fresh scoped logger for every stream, and the debug logger's constructor asks the OS whether
 * stderr is a terminal each time (in a storm profile, ~12 ms of `isatty` calls on the main thread
 * in 2.5 s, for logs nobody can see).
 */
export function libp2pLogger(env: NodeJS.ProcessEnv = process.env): ComponentLogger {
  if (env.DEBUG) return defaultLogger();
  return { forComponent: () => SILENT };
}

const noop = () => {};

const SILENT: Logger = Object.assign((_formatter: unknown, ..._args: unknown[]) => {}, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (_name: string): Logger => SILENT,
});
