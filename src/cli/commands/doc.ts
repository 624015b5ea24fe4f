/**
 * `seedling doc create|update|get`: write and read documents through a node's HTTP API.
 *
 * The key never leaves this process. `create` signs, like Seed's CLI, ONE Change that is both
 * genesis and first version (no genesis/deps/depth, a real ts, ops: SetAttributes name,
 * ReplaceBlock per block, MoveBlocks per parent) and a Ref (genesisBlob = heads = that Change,
 * generation = its ts), and publishes both with `PublishBlobs`. `update` asks the node to
 * `PrepareDocumentChange` (the node runs the CRDT and returns the unsigned Change), checks the
 * bytes, signs them as given (the signed message IS the unsigned bytes) and publishes Change + Ref.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CID } from 'multiformats/cid';
import type { Change, ChangeOp } from '../../blob/blob-types.ts';
import { CODEC, cidForBytes } from '../../blob/cid.ts';
import { createChange, createRef } from '../../blob/create-blob.ts';
import { decodeDagCbor } from '../../blob/dag-cbor.ts';
import { decodeStructuralBlob } from '../../blob/decode-blob.ts';
import { formatHmId, pathFromString } from '../../blob/hm-id.ts';
import type { KeyPair } from '../../blob/keys.ts';
import { keyPairFromMnemonic } from '../../blob/mnemonic.ts';
import { locateSignature, SIG_BYTES, verifyBlobSignature } from '../../blob/signature.ts';
import { DEFAULT_HTTP_URL } from '../../constants.ts';
import { HttpApiError, InvalidInputError, NotFoundError } from '../../errors.ts';
import { type Command, UsageError } from '../command.ts';
import { clientFor, type SeedApiClient, toJsonText } from '../http-client.ts';
import {
  type BlockNode,
  type BodyFormat,
  blocksToMarkdown,
  markdownToBlocks,
  reuseBlockIds,
  walkBlocks,
} from '../markdown-blocks.ts';

const usage = `Usage:
  seedling doc create [--server URL] (--mnemonic WORDS | --key FILE) [--passphrase P]
                      --path /p [--title T] (--body TEXT | --body-file FILE)
                      [--format markdown|text] [--json] [--replace]
  seedling doc update [--server URL] (--mnemonic WORDS | --key FILE) [--passphrase P]
                      --path /p [--title T] [--body TEXT | --body-file FILE]
                      [--format markdown|text] [--json]
  seedling doc get hm://<account>/<path>[?v=<version>] [--server URL] [--format markdown|json]

create  publishes a new document owned by the key's account at --path ("/" = home document)
update  sets a new title and/or replaces the whole body of the document at --path
get     prints a document as markdown (title as "# ", then the blocks) or as the Resource JSON

Options:
  --server URL        the node's HTTP API (default ${DEFAULT_HTTP_URL}, or SEEDLING_SERVER)
  --mnemonic WORDS    the account's BIP-39 words (or set SEEDLING_MNEMONIC)
  --key FILE          a text file holding the account's BIP-39 words (whitespace and line breaks
                      between words are fine; lines starting with "#" are comments). Keep it 0600.
  --passphrase P      optional BIP-39 passphrase (default empty, as in Seed's apps)
  --path /p           document path, e.g. /notes/hello
  --title T           document title (create: defaults to a leading "# Title" line of the body)
  --body TEXT         the body; --body-file FILE reads it from a file ("-" = stdin)
  --format F          body format for create/update: markdown (default) or text (paragraphs only);
                      output format for get: markdown (default) or json
  --json              create/update: print {"id", "version", "change", "ref"} as JSON
  --replace           create: start over a document that already exists at --path (a new
                      genesis and a higher Ref generation; the old versions stay readable)
`;

type Values = Record<string, string | boolean | undefined>;

const OPTIONS = {
  server: { type: 'string' },
  mnemonic: { type: 'string' },
  key: { type: 'string' },
  passphrase: { type: 'string' },
  path: { type: 'string' },
  title: { type: 'string' },
  body: { type: 'string' },
  'body-file': { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  replace: { type: 'boolean' },
} as const;

export const docCommand: Command = {
  words: ['doc'],
  summary: 'create, update or print documents on a node (HTTP API)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'create') return create(parse(rest, false).values);
    if (sub === 'update') return update(parse(rest, false).values);
    if (sub === 'get') return get(parse(rest, true));
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  },
};

// ---- create ----------------------------------------------------------------------------------

async function create(values: Values): Promise<number> {
  const key = keyFromOptions(values);
  const path = docPath(values);
  const body = readBody(values, true) ?? '';
  const parsed = markdownToBlocks(body, { format: bodyFormat(values), takeTitle: !values.title });
  const title = str(values.title) ?? parsed.title;
  if (!title) throw new UsageError('--title is required (or start the body with "# Title")');
  const client = serverOf(values);
  if (values.replace !== true) await refuseExisting(client, key, path);
  const ts = Date.now();
  const change = createChange({ ts, ops: genesisOps(title, parsed.blocks) }, key);
  const ref = createRef(
    { ts, path, genesisBlob: change.cid, heads: [change.cid], generation: ts },
    key,
  );
  await publish(client, [change, ref]);
  return report(values, key, path, change.cid, ref.cid);
}

/** A new genesis at a taken path starts the document over (a higher generation wins): ask first. */
async function refuseExisting(client: SeedApiClient, key: KeyPair, path: string): Promise<void> {
  const id = formatHmId({ uid: key.accountId, path: pathFromString(path) });
  const res = await client.get<{ type: string }>('Resource', id);
  if (res.type === 'document') {
    throw new InvalidInputError(
      `${id} already exists; use doc update to edit it, or doc create --replace to start it over`,
      { field: 'path' },
    );
  }
}

/** Title, every block, then one MoveBlocks per parent putting its children in order at the start. */
export function genesisOps(title: string, blocks: BlockNode[]): ChangeOp[] {
  const ops: ChangeOp[] = [
    { type: 'SetAttributes', block: '', attrs: [{ key: ['name'], value: title }] },
  ];
  const placed = walkBlocks(blocks);
  for (const { block } of placed) ops.push({ type: 'ReplaceBlock', block });
  const byParent = new Map<string, string[]>();
  for (const { block, parent } of placed) {
    byParent.set(parent, [...(byParent.get(parent) ?? []), block.id]);
  }
  // An empty `ref` is "the start of the list": each run is the parent's whole child list.
  for (const [parent, ids] of byParent)
    ops.push({ type: 'MoveBlocks', parent, blocks: ids, ref: [] });
  return ops;
}

// ---- update ----------------------------------------------------------------------------------

type SeedEdit = { op: { case: string; value: unknown } };
type ResourceDoc = {
  version: string;
  content: BlockNode[];
  metadata?: { name?: unknown };
};

async function update(values: Values): Promise<number> {
  const key = keyFromOptions(values);
  const path = docPath(values);
  const body = readBody(values, false);
  const title = str(values.title);
  if (body === null && title === undefined) {
    throw new UsageError('nothing to change: give --title and/or --body/--body-file');
  }
  const client = serverOf(values);
  const id = formatHmId({ uid: key.accountId, path: pathFromString(path) });
  const current = await loadDocument(client, id);
  const edits = contentEdits(current, title, body, bodyFormat(values));
  const prepared = await client.post<{ unsignedChange: unknown }>('PrepareDocumentChange', {
    account: key.accountId,
    path,
    baseVersion: current.version,
    changes: edits,
  });
  const change = signPreparedChange(prepared.unsignedChange, key);
  if (!change.blob.genesis) {
    throw new HttpApiError('HTTP_BAD_RESPONSE', 'the prepared Change has no genesis');
  }
  const ts = change.blob.ts;
  const ref = createRef(
    { ts, path, genesisBlob: change.blob.genesis, heads: [change.cid], generation: ts },
    key,
  );
  await publish(client, [change, ref]);
  return report(values, key, path, change.cid, ref.cid);
}

async function loadDocument(client: SeedApiClient, id: string): Promise<ResourceDoc> {
  const res = await client.get<{ type: string; document?: ResourceDoc }>('Resource', id);
  if (res.type !== 'document' || !res.document) {
    throw new NotFoundError(`${id} is not a document on this node (${res.type}); use doc create`);
  }
  return res.document;
}

/** SEED-API edits: the new title; old blocks not reused deleted; every new block placed and set. */
export function contentEdits(
  current: ResourceDoc,
  title: string | undefined,
  body: string | null,
  format: BodyFormat,
): SeedEdit[] {
  const edits: SeedEdit[] = [];
  if (title !== undefined)
    edits.push({ op: { case: 'setMetadata', value: { key: 'name', value: title } } });
  if (body === null) return edits;
  const blocks = markdownToBlocks(body, { format }).blocks;
  // Blocks that did not change keep their IDs; the node's CRDT then emits ops only for the rest.
  for (const id of reuseBlockIds(current.content ?? [], blocks)) {
    edits.push({ op: { case: 'deleteBlock', value: id } });
  }
  for (const { block, parent, leftSibling } of walkBlocks(blocks)) {
    edits.push({ op: { case: 'moveBlock', value: { blockId: block.id, parent, leftSibling } } });
    edits.push({ op: { case: 'replaceBlock', value: block } });
  }
  return edits;
}

/**
 * Checks the node's unsigned Change is ours to sign (a Change, our signer, a zeroed sig, a
 * genesis to hang off) and signs exactly those bytes: the signature covers them as they are.
 */
export function signPreparedChange(
  unsigned: unknown,
  key: KeyPair,
): { cid: CID; data: Uint8Array; blob: Change } {
  if (!(unsigned instanceof Uint8Array)) {
    throw new HttpApiError(
      'HTTP_BAD_RESPONSE',
      'PrepareDocumentChange: unsignedChange is not bytes',
    );
  }
  const map = decodeDagCbor(unsigned) as Record<string, unknown>;
  const bad = (why: string) =>
    new HttpApiError('HTTP_BAD_RESPONSE', `PrepareDocumentChange returned a Change ${why}`);
  if (map?.['type'] !== 'Change') throw bad('of another type');
  if (!sameBytes(map['signer'], key.principal)) throw bad('for another signer');
  const offset = locateSignature(unsigned);
  if (unsigned.subarray(offset, offset + SIG_BYTES).some((b) => b !== 0))
    throw bad('already signed');
  const data = new Uint8Array(unsigned);
  data.set(key.sign(unsigned), offset);
  const blob = decodeStructuralBlob(data);
  if (blob.type !== 'Change') throw bad('that does not decode as a Change');
  verifyBlobSignature(data, blob.signer, blob.sig);
  return { cid: cidForBytes(data, CODEC.dagCbor), data, blob };
}

// ---- get -------------------------------------------------------------------------------------

async function get(parsed: { values: Values; positionals: string[] }): Promise<number> {
  const [id, ...extra] = parsed.positionals;
  if (!id || extra.length > 0) throw new UsageError('give exactly one hm:// ID');
  const format = str(parsed.values.format) ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') {
    throw new UsageError('--format must be markdown or json for doc get');
  }
  const res = await serverOf(parsed.values).get<Record<string, unknown>>('Resource', id);
  if (format === 'json') {
    process.stdout.write(`${toJsonText(res, 2)}\n`);
    return res['type'] === 'document' ? 0 : 1;
  }
  const doc = res['document'] as ResourceDoc | undefined;
  if (res['type'] !== 'document' || !doc) {
    throw new NotFoundError(`${id}: ${String(res['type'])}${describeNonDocument(res)}`);
  }
  const title = typeof doc.metadata?.name === 'string' ? doc.metadata.name : null;
  process.stdout.write(blocksToMarkdown(title, doc.content ?? []));
  return 0;
}

function describeNonDocument(res: Record<string, unknown>): string {
  if (res['type'] === 'redirect')
    return ` to ${toJsonText(res['redirectTarget'] ?? res['target'])}`;
  if (typeof res['message'] === 'string') return `: ${res['message']}`;
  return '';
}

// ---- shared ----------------------------------------------------------------------------------

function parse(args: string[], positionals: boolean) {
  try {
    const out = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: positionals });
    return { values: out.values as Values, positionals: out.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function serverOf(values: Values): SeedApiClient {
  return clientFor(str(values.server));
}

/** The signing key: --mnemonic, --key FILE or SEEDLING_MNEMONIC (exactly one source). */
export function keyFromOptions(values: Values): KeyPair {
  const mnemonic = str(values.mnemonic);
  const file = str(values.key);
  if (mnemonic !== undefined && file !== undefined) {
    throw new UsageError('give --mnemonic or --key, not both');
  }
  const passphrase = str(values.passphrase) ?? '';
  if (file !== undefined) return keyPairFromMnemonic(readKeyFile(file), passphrase);
  const words = mnemonic ?? process.env.SEEDLING_MNEMONIC;
  if (!words) throw new UsageError('a key is required: --mnemonic WORDS or --key FILE');
  return keyPairFromMnemonic(words, passphrase);
}

/** A key file: the BIP-39 words, any spacing or line breaks; `#` lines are comments. */
export function readKeyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidInputError(`cannot read key file "${file}": ${(cause as Error).message}`, {
      field: 'key',
      cause,
    });
  }
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .join(' ');
}

/** `--path`: required, "/a/b" form; "/" (or "") is the account's home document (Ref path ""). */
function docPath(values: Values): string {
  const raw = str(values.path);
  if (raw === undefined) throw new UsageError('--path is required (e.g. --path /hello)');
  const segments = pathFromString(raw);
  if (raw !== '' && !raw.startsWith('/')) {
    throw new InvalidInputError(`must start with "/", got "${raw}"`, { field: 'path' });
  }
  return segments ? `/${segments.join('/')}` : '';
}

function readBody(values: Values, required: boolean): string | null {
  const text = str(values.body);
  const file = str(values['body-file']);
  if (text !== undefined && file !== undefined) {
    throw new UsageError('give --body or --body-file, not both');
  }
  if (file !== undefined) {
    try {
      return readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (cause) {
      throw new InvalidInputError(`cannot read "${file}": ${(cause as Error).message}`, {
        field: 'body-file',
        cause,
      });
    }
  }
  if (text === undefined && required) throw new UsageError('--body or --body-file is required');
  return text ?? null;
}

function bodyFormat(values: Values): BodyFormat {
  const format = str(values.format) ?? 'markdown';
  if (format !== 'markdown' && format !== 'text') {
    throw new UsageError('--format must be markdown or text for doc create/update');
  }
  return format;
}

async function publish(client: SeedApiClient, blobs: { cid: CID; data: Uint8Array }[]) {
  const answer = await client.post<{ cids?: unknown }>('PublishBlobs', {
    blobs: blobs.map((b) => ({ cid: b.cid.toString(), data: b.data })),
  });
  const want = blobs.map((b) => b.cid.toString());
  const got = Array.isArray(answer.cids) ? answer.cids.map(String) : [];
  if (want.some((cid) => !got.includes(cid))) {
    throw new HttpApiError(
      'HTTP_BAD_RESPONSE',
      `PublishBlobs stored ${got.join(', ') || 'nothing'}, expected ${want.join(', ')}`,
    );
  }
}

function report(values: Values, key: KeyPair, path: string, change: CID, ref: CID): number {
  const id = formatHmId({ uid: key.accountId, path: pathFromString(path) });
  const version = change.toString();
  const out = { id, version, change: version, ref: ref.toString() };
  process.stdout.write(
    values.json === true ? `${JSON.stringify(out)}\n` : `${id}\nversion ${version}\n`,
  );
  return 0;
}

function sameBytes(a: unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}
