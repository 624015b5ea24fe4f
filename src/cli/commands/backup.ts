import { chmodSync, copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE_DATABASE_FILE, NODE_DEFAULT_DATA_DIR, PEER_KEY_FILE } from '../../constants.ts';
import { InvalidInputError } from '../../errors.ts';
import { makeDirectory } from '../../make-directory.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';

const usage = `Usage: seedling backup --to DIR [--data DIR]

Copies a node's data directory into a new directory, while the node runs or not: the database
as one consistent snapshot (a read that never holds up the node's writes), and the peer key
(the node's network identity). The copy is a data directory: seedling start --data <copy>
runs it.

Options:
  --to DIR     where the copy goes: a new or empty directory
  --data DIR   the node's data directory (default ${NODE_DEFAULT_DATA_DIR})
`;

export const backupCommand: Command = {
  words: ['backup'],
  summary: "copy a node's data directory (database snapshot and peer key), even while it runs",
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      to: { type: 'string' },
      data: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.to) throw new UsageError('--to DIR is required');
    const from = resolve(values.data ?? NODE_DEFAULT_DATA_DIR);
    const to = resolve(values.to);
    if (to === from) throw new UsageError('--to must be another directory than --data');
    const unusable = !existsSync(to)
      ? undefined
      : !statSync(to).isDirectory()
        ? 'is not a directory'
        : readdirSync(to).length > 0
          ? 'is not empty'
          : undefined;
    if (unusable) {
      throw new InvalidInputError(`${to} ${unusable}; give a new or empty directory`, {
        field: '--to',
      });
    }
    // Loaded here, not at the top: `seedling --help` loads every command and must stay light.
    const { backupDatabase, syncFile } = await import('../../store/backup.ts');
    const created = !existsSync(to);
    makeDirectory(to);
    try {
      const key = join(from, PEER_KEY_FILE);
      const withKey = existsSync(key);
      if (withKey) {
        copyFileSync(key, join(to, PEER_KEY_FILE));
        chmodSync(join(to, PEER_KEY_FILE), 0o600); // a private key, as the node writes it
        syncFile(join(to, PEER_KEY_FILE));
      }
      // Last: it syncs the directory too, so both files' entries are on the disk.
      const db = backupDatabase(join(from, NODE_DATABASE_FILE), join(to, NODE_DATABASE_FILE));
      process.stdout.write(
        `backed up ${from} into ${to}: database ${(db.bytes / 2 ** 20).toFixed(1)} MiB in ${Math.round(db.ms)} ms` +
          `${withKey ? ', peer key' : ' (no peer key: the node never ran with p2p)'}\n` +
          `run it with: seedling start --data ${to}\n`,
      );
      return 0;
    } catch (err) {
      // No half backup left behind to be mistaken for a whole one.
      if (created) rmSync(to, { recursive: true, force: true });
      else for (const f of readdirSync(to)) rmSync(join(to, f), { recursive: true, force: true });
      throw err;
    }
  },
};
