import { DEFAULT_HTTP_URL } from '../../constants.ts';
import { InvalidInputError } from '../../errors.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { clientFor, encodeGetInput, toJsonText } from '../http-client.ts';

const usage = `Usage:
  seedling query [--server URL] <Key> [--param name=value ...] [--input JSON] [--compact]

Sends GET /api/<Key> and prints the answer (decoded from superjson) as JSON: bigints as decimal
strings, bytes as base64, dates as ISO text.

Options:
  --server URL          the node's HTTP API (default ${DEFAULT_HTTP_URL}, or SEEDLING_SERVER)
  --param name=value    one query parameter, sent as given (repeatable). Arrays and objects are
                        JSON text, as the API expects: --param 'filterAuthors=["z6Mk…"]'
  --input JSON          the key's whole input object, encoded by the API's conventions
                        (Resource/ResourceMetadata also take a bare hm:// ID: --input hm://…)
  --compact             one line of JSON instead of indented

Examples:
  seedling query Resource --param id=hm://z6Mk…/hello
  seedling query ListEvents --param pageSize=5
  seedling query Query --input '{"includes":[{"space":"z6Mk…","path":"","mode":"AllDescendants"}]}'
`;

export const queryCommand: Command = {
  words: ['query'],
  summary: 'GET any Seed API key from a node and print the answer as JSON',
  usage,
  async run(args) {
    const { values, positionals } = parse(args);
    const [key, ...extra] = positionals;
    if (!key || extra.length > 0) throw new UsageError('give exactly one API key, e.g. Resource');
    const params = new URLSearchParams();
    if (values.input !== undefined) {
      for (const [k, v] of encodeGetInput(key, parseInput(values.input))) params.append(k, v);
    }
    for (const item of values.param ?? []) {
      const at = item.indexOf('=');
      if (at <= 0) throw new UsageError(`--param must be name=value, got "${item}"`);
      params.append(item.slice(0, at), item.slice(at + 1));
    }
    const client = clientFor(values.server);
    const answer = await client.getParams(key, params);
    process.stdout.write(`${toJsonText(answer, values.compact ? undefined : 2)}\n`);
    return 0;
  },
};

function parse(args: string[]) {
  return parseCommandArgs(args, {
    server: { type: 'string' },
    param: { type: 'string', multiple: true },
    input: { type: 'string' },
    compact: { type: 'boolean' },
  });
}

/** `--input`: JSON text, or a bare hm:// ID (the compact input of Resource and friends). */
function parseInput(text: string): unknown {
  if (text.startsWith('hm://')) return text;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError('must be JSON text or an hm:// ID', { field: 'input', cause });
  }
}
