import { readFileSync } from 'node:fs';
import { UsageError } from './command.ts';
import { COMMANDS } from './commands.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    process.stdout.write(`seedling ${pkg.version}\n`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(await helpText());
    return argv.length === 0 ? 2 : 0;
  }
  const entry = findCommand(argv);
  if (!entry) {
    process.stderr.write(`seedling: unknown command "${argv.join(' ')}"; see seedling --help\n`);
    return 2;
  }
  const command = await entry.load();
  const rest = argv.slice(entry.words.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `seedling ${entry.words.join(' ')}: ${err.message}\n\n${command.usage.trimEnd()}\n`,
      );
      return 2;
    }
    const code = (err as { code?: string }).code;
    process.stderr.write(
      `seedling ${entry.words.join(' ')}: ${code ? `[${code}] ` : ''}${(err as Error).message}\n`,
    );
    return 1;
  }
}

/** Longest match wins, so `key derive` is found before a hypothetical `key`. */
function findCommand(argv: string[]) {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w));
  return matches.sort((a, b) => b.words.length - a.words.length)[0];
}

async function helpText(): Promise<string> {
  const lines = [
    `seedling ${pkg.version} — a Seed Hypermedia node`,
    '',
    'Usage: seedling <command> [options]',
    '',
    'Commands:',
  ];
  for (const entry of COMMANDS) {
    const command = await entry.load();
    lines.push(`  ${entry.words.join(' ').padEnd(18)} ${command.summary}`);
  }
  lines.push(
    '',
    'Options:',
    '  --help, -h         show help (also after any command)',
    '  --version, -v      print the version',
    '',
  );
  return lines.join('\n');
}

process.exitCode = await main(process.argv.slice(2));
