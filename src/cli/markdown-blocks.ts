/**
 * Markdown ⇄ Seed document blocks, kept deliberately small (the CLI's `doc` commands).
 *
 * Reading (markdown → blocks):
 * 1. Blank lines separate paragraphs; the lines of one paragraph keep their line breaks. Lists,
 *    quotes and inline marks are not interpreted: they stay in the paragraph text as written.
 * 2. `#`…`######` lines are Heading blocks. As in Seed's editor, a heading holds the blocks after
 *    it as children, until a heading of the same or a higher level.
 * 3. Fenced code (``` or ~~~, with an optional language) is a Code block; its text is verbatim.
 * 4. With `takeTitle`, a first-line `# Title` becomes the title instead of a block.
 * Format `text` reads every blank-line-separated chunk as a Paragraph, nothing else.
 *
 * Writing (blocks → markdown) renders Heading, Paragraph, Code, links of media/embeds, and list
 * children (`childrenType` Ordered/Unordered); the title is the `#` line, so headings start at `##`.
 */
import { randomBytes } from 'node:crypto';
import type { BlockData } from '../blob/blob-types.ts';

export type BlockNode = { block: BlockData; children?: BlockNode[] };
export type BodyFormat = 'markdown' | 'text';
export type ParsedBody = { title: string | null; blocks: BlockNode[] };

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 8;
const FENCE = /^(```|~~~)\s*([^\s`]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

/** A random 8-character block ID, like the ones Seed's editor makes. */
export function newBlockId(): string {
  const bytes = randomBytes(ID_LENGTH);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

/** Parses `source` into a block tree (header comment, rules 1–4). */
export function markdownToBlocks(
  source: string,
  options: { format?: BodyFormat; takeTitle?: boolean; newId?: () => string } = {},
): ParsedBody {
  const newId = options.newId ?? newBlockId;
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (options.format === 'text') return { title: null, blocks: textParagraphs(lines, newId) };
  let title: string | null = null;
  const first = lines.findIndex((l) => l.trim() !== '');
  const h1 = first >= 0 ? /^#\s+(.*?)\s*#*\s*$/.exec(lines[first]!) : null;
  if (options.takeTitle && h1) {
    title = h1[1]!;
    lines.splice(0, first + 1);
  }
  return { title, blocks: nestUnderHeadings(flatBlocks(lines, newId)) };
}

type Flat = { block: BlockData; level: number /* heading level, 0 for other blocks */ };

function flatBlocks(lines: string[], newId: () => string): Flat[] {
  const out: Flat[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push({ block: paragraph(newId(), para.join('\n')), level: 0 });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    const heading = HEADING.exec(line);
    if (fence) {
      flush();
      const end = findFenceEnd(lines, i + 1, fence[1]!);
      out.push({ block: code(newId(), lines.slice(i + 1, end).join('\n'), fence[2]!), level: 0 });
      i = end;
    } else if (heading) {
      flush();
      const block: BlockData = { id: newId(), type: 'Heading', text: heading[2]! };
      out.push({ block, level: heading[1]!.length });
    } else if (line.trim() === '') {
      flush();
    } else {
      para.push(line);
    }
  }
  flush();
  return out;
}

/** Index of the closing fence line (or the end: an unclosed fence runs to the end, as in CommonMark). */
function findFenceEnd(lines: string[], from: number, marker: string): number {
  for (let j = from; j < lines.length; j++) if (lines[j]!.trim() === marker) return j;
  return lines.length;
}

/** Rule 2: each heading adopts what follows it until a heading of the same or a higher level. */
function nestUnderHeadings(flat: Flat[]): BlockNode[] {
  const root: BlockNode[] = [];
  const stack: { level: number; node: BlockNode }[] = [];
  for (const { block, level } of flat) {
    const node: BlockNode = { block };
    if (level > 0) while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    const parent = stack[stack.length - 1]?.node;
    if (parent) (parent.children ??= []).push(node);
    else root.push(node);
    if (level > 0) stack.push({ level, node });
  }
  return root;
}

function textParagraphs(lines: string[], newId: () => string): BlockNode[] {
  return lines
    .join('\n')
    .split(/\n\s*\n/)
    .map((chunk) => chunk.replace(/^\n+|\n+$/g, ''))
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => ({ block: paragraph(newId(), chunk) }));
}

function paragraph(id: string, text: string): BlockData {
  return { id, type: 'Paragraph', text };
}

function code(id: string, text: string, language: string): BlockData {
  return language
    ? { id, type: 'Code', text, attributes: { language } }
    : { id, type: 'Code', text };
}

/** Every block of the tree, parents before children, with its parent's ID ('' for the root). */
export function walkBlocks(
  nodes: BlockNode[],
  parent = '',
): { block: BlockData; parent: string; leftSibling: string }[] {
  const out: { block: BlockData; parent: string; leftSibling: string }[] = [];
  let left = '';
  for (const node of nodes) {
    out.push({ block: node.block, parent, leftSibling: left });
    out.push(...walkBlocks(node.children ?? [], node.block.id));
    left = node.block.id;
  }
  return out;
}

/**
 * Gives the blocks of `next` the IDs of matching blocks of `previous`, so an update that changes
 * one paragraph edits that block instead of replacing the whole document (history and block links
 * stay). First, blocks equal in type, text and attributes keep their ID. Then each remaining block
 * takes the ID of an unused old block of the same type lying between the old positions of its
 * matched neighbours (an edited block in place). Each old ID is used at most once. Returns the
 * old IDs that were not reused (to delete).
 */
export function reuseBlockIds(previous: readonly BlockNode[], next: BlockNode[]): string[] {
  const olds = walkBlocks(previous as BlockNode[]).map((w) => w.block);
  const fresh = walkBlocks(next).map((w) => w.block);
  const oldIndex = new Map(olds.map((b, i) => [b.id, i]));
  const unused = new Set(olds.map((b) => b.id));
  const byContent = new Map<string, string[]>();
  for (const b of olds)
    byContent.set(contentKey(b), [...(byContent.get(contentKey(b)) ?? []), b.id]);
  // at[i]: old position of fresh[i] once it has an old ID.
  const at: (number | undefined)[] = fresh.map((b) => {
    const id = byContent.get(contentKey(b))?.find((candidate) => unused.has(candidate));
    if (id === undefined) return undefined;
    b.id = id;
    unused.delete(id);
    return oldIndex.get(id);
  });
  let prev = -1;
  fresh.forEach((b, i) => {
    if (at[i] === undefined) {
      const bound = at.slice(i + 1).find((x) => x !== undefined) ?? olds.length;
      const old = olds.find(
        (o, j) => j > prev && j < bound && o.type === b.type && unused.has(o.id),
      );
      if (!old) return;
      b.id = old.id;
      unused.delete(old.id);
      at[i] = oldIndex.get(old.id);
    }
    prev = at[i]!;
  });
  return [...unused];
}

function contentKey(b: BlockData): string {
  const attributes = b.attributes && Object.keys(b.attributes).length > 0 ? b.attributes : {};
  return JSON.stringify([b.type, b.text ?? '', b.link ?? '', sortedJson(attributes)]);
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedJson);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : 1,
  );
  return entries.map(([k, v]) => [k, sortedJson(v)]);
}

// ---- blocks → markdown -----------------------------------------------------------------------

/** Renders a document (title and content tree, as `Resource` returns them) as markdown. */
export function blocksToMarkdown(title: string | null, content: readonly unknown[]): string {
  const parts: string[] = [];
  if (title) parts.push(`# ${title}`);
  renderNodes(content, 0, parts, null);
  return `${parts.join('\n\n')}\n`;
}

function renderNodes(
  nodes: readonly unknown[],
  depth: number,
  out: string[],
  listType: string | null,
): void {
  nodes.forEach((raw, index) => {
    const node = raw as { block?: BlockData; children?: unknown[] };
    const block = node.block;
    if (!block || typeof block !== 'object') return;
    const text = renderBlock(block, depth);
    if (text !== '') out.push(listType ? listItem(text, listType, index) : text);
    const childType = (block.attributes as { childrenType?: unknown } | undefined)?.childrenType;
    const childList = childType === 'Ordered' || childType === 'Unordered' ? childType : null;
    const nextDepth = block.type === 'Heading' ? depth + 1 : depth;
    renderNodes(node.children ?? [], nextDepth, out, childList);
  });
}

function renderBlock(block: BlockData, depth: number): string {
  const text = typeof block.text === 'string' ? block.text : '';
  const link = typeof block.link === 'string' ? block.link : '';
  switch (block.type) {
    case 'Heading':
      return `${'#'.repeat(Math.min(6, depth + 2))} ${text}`;
    case 'Code': {
      const language = (block.attributes as { language?: unknown } | undefined)?.language;
      return `\`\`\`${typeof language === 'string' ? language : ''}\n${text}\n\`\`\``;
    }
    case 'Image':
      return `![${text}](${link})`;
    case 'Video':
    case 'File':
    case 'Embed':
    case 'WebEmbed':
    case 'Link':
    case 'Button':
      return link ? `[${text || link}](${link})` : text;
    default:
      return text;
  }
}

function listItem(text: string, listType: string, index: number): string {
  const marker = listType === 'Ordered' ? `${index + 1}.` : '-';
  return `${marker} ${text.replace(/\n/g, '\n   ')}`;
}
