import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** One `seedling` subcommand. `run` gets the arguments after the command's words. */
export type Command = {
  /** Words that select the command, e.g. `['key', 'derive']`. */
  words: string[];
  /** One line for `seedling --help`. */
  summary: string;
  /** Full usage text for `seedling <words> --help`. */
  usage: string;
  run(args: string[]): Promise<number>;
};

/** A command-line mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses a command's arguments (strict, positionals allowed); a mistake becomes a UsageError so
 * the user sees it with the command's usage.
 */
export function parseCommandArgs<O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
