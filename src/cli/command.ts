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
