import type { Command } from './command.ts';

/**
 * Every `seedling` subcommand, in the order `--help` lists them. Each lives in its own file under
 * `commands/` and is imported lazily so `seedling --help` loads nothing heavy.
 */
export const COMMANDS: Array<{ words: string[]; load: () => Promise<Command> }> = [
  { words: ['key'], load: async () => (await import('./commands/key.ts')).keyCommand },
  { words: ['start'], load: async () => (await import('./commands/start.ts')).startCommand },
  { words: ['doc'], load: async () => (await import('./commands/doc.ts')).docCommand },
  { words: ['query'], load: async () => (await import('./commands/query.ts')).queryCommand },
  { words: ['feed'], load: async () => (await import('./commands/feed.ts')).feedCommand },
  {
    words: ['discover'],
    load: async () => (await import('./commands/discover.ts')).discoverCommand,
  },
  {
    words: ['subscribe'],
    load: async () => (await import('./commands/subscribe.ts')).subscribeCommand,
  },
  { words: ['backup'], load: async () => (await import('./commands/backup.ts')).backupCommand },
];
