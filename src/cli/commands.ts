import type { Command } from './command.ts';

/**
 * Every `seedling` subcommand, in the order `--help` lists them. Each lives in its own file under
 * `commands/` and is imported lazily so `seedling --help` loads nothing heavy.
 */
export const COMMANDS: Array<{ words: string[]; load: () => Promise<Command> }> = [];
