/**
 * `seedling key derive|generate`: Seed-compatible account keys from BIP-39 mnemonics.
 *
 * Secrets stay off stdout except where the user asked for them (`generate` prints the new words,
 * which are the only copy). The mnemonic may come from SEEDLING_MNEMONIC instead of the command
 * line, which keeps it out of shell history and the process list.
 */
import { parseArgs } from 'node:util';
import { generateMnemonic, keyPairFromMnemonic } from '../../blob/mnemonic.ts';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage:
  seedling key derive --mnemonic "<words>" [--passphrase P] [--json]
  seedling key generate [--words 12|24] [--json]

derive    prints the account ID (z6Mk…) of a BIP-39 mnemonic, derived as Seed's apps do
          (BIP-39 seed, SLIP-10 Ed25519 path m/44'/104109'/0').
generate  prints a new random mnemonic and its account ID. Write the words down: they are the key.

Options:
  --mnemonic WORDS    the 12–24 English BIP-39 words (or set SEEDLING_MNEMONIC)
  --passphrase P      optional BIP-39 passphrase (default empty, as in Seed's apps)
  --words N           length of a generated mnemonic: 12 (default) or 24
  --json              print {"accountId", "mnemonic"?} as JSON
`;

export const keyCommand: Command = {
  words: ['key'],
  summary: 'derive or generate account keys (BIP-39 mnemonics)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'derive') return derive(rest);
    if (sub === 'generate') return generate(rest);
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  },
};

function derive(args: string[]): number {
  const { values } = parse(args, {
    mnemonic: { type: 'string' },
    passphrase: { type: 'string' },
    json: { type: 'boolean' },
  });
  const words = (values.mnemonic as string | undefined) ?? process.env.SEEDLING_MNEMONIC;
  if (!words) throw new UsageError('--mnemonic is required (or set SEEDLING_MNEMONIC)');
  const key = keyPairFromMnemonic(words, (values.passphrase as string | undefined) ?? '');
  print(values.json === true, { accountId: key.accountId }, key.accountId);
  return 0;
}

function generate(args: string[]): number {
  const { values } = parse(args, { words: { type: 'string' }, json: { type: 'boolean' } });
  const count = values.words === undefined ? 12 : Number(values.words);
  if (count !== 12 && count !== 24) throw new UsageError('--words must be 12 or 24');
  const mnemonic = generateMnemonic(count as 12 | 24);
  const key = keyPairFromMnemonic(mnemonic);
  print(
    values.json === true,
    { accountId: key.accountId, mnemonic },
    `mnemonic:   ${mnemonic}\naccount ID: ${key.accountId}`,
  );
  return 0;
}

type Options = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function print(json: boolean, value: object, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}
