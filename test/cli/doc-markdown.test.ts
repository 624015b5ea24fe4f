import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { genesisOps } from '../../src/cli/commands/doc.ts';
import {
  type BlockNode,
  blocksToMarkdown,
  markdownToBlocks,
  newBlockId,
  reuseBlockIds,
  walkBlocks,
} from '../../src/cli/markdown-blocks.ts';

function counter() {
  let n = 0;
  return () => `b${++n}`;
}

/** The tree as [type, text, children] for compact assertions. */
function shape(nodes: BlockNode[]): unknown[] {
  return nodes.map((n) => [n.block.type, n.block.text, ...(n.children ? [shape(n.children)] : [])]);
}

test('paragraphs are split by blank lines and keep their line breaks', () => {
  const { blocks, title } = markdownToBlocks('one\ntwo\n\n\nthree\n', { newId: counter() });
  assert.equal(title, null);
  assert.deepEqual(shape(blocks), [
    ['Paragraph', 'one\ntwo'],
    ['Paragraph', 'three'],
  ]);
  assert.deepEqual(
    blocks.map((b) => b.block.id),
    ['b1', 'b2'],
  );
});

test('headings hold the blocks after them until a heading of the same or higher level', () => {
  const md = 'intro\n\n## A\n\na1\n\n### A.1\n\ndeep\n\n## B\n\nb1\n\n# Top\n\nt';
  const { blocks } = markdownToBlocks(md, { newId: counter() });
  assert.deepEqual(shape(blocks), [
    ['Paragraph', 'intro'],
    [
      'Heading',
      'A',
      [
        ['Paragraph', 'a1'],
        ['Heading', 'A.1', [['Paragraph', 'deep']]],
      ],
    ],
    ['Heading', 'B', [['Paragraph', 'b1']]],
    ['Heading', 'Top', [['Paragraph', 't']]],
  ]);
});

test('fenced code is verbatim, with its language, and may hold blank lines and # lines', () => {
  const md = 'before\n```ts\nconst a = 1;\n\n# not a heading\n```\nafter';
  const { blocks } = markdownToBlocks(md, { newId: counter() });
  assert.deepEqual(shape(blocks), [
    ['Paragraph', 'before'],
    ['Code', 'const a = 1;\n\n# not a heading'],
    ['Paragraph', 'after'],
  ]);
  assert.deepEqual(blocks[1]!.block.attributes, { language: 'ts' });
  const unclosed = markdownToBlocks('~~~\nx\ny', { newId: counter() }).blocks;
  assert.deepEqual(shape(unclosed), [['Code', 'x\ny']]);
  assert.equal(unclosed[0]!.block.attributes, undefined);
});

test('lists stay paragraphs with their markers; takeTitle lifts a leading # line', () => {
  const md = '\n# My title\n\n- one\n- two\n';
  const parsed = markdownToBlocks(md, { takeTitle: true, newId: counter() });
  assert.equal(parsed.title, 'My title');
  assert.deepEqual(shape(parsed.blocks), [['Paragraph', '- one\n- two']]);
  const kept = markdownToBlocks(md, { newId: counter() });
  assert.equal(kept.title, null);
  assert.deepEqual(shape(kept.blocks), [['Heading', 'My title', [['Paragraph', '- one\n- two']]]]);
});

test('format text reads only paragraphs', () => {
  const { blocks } = markdownToBlocks('# not a heading\n\n```\ncode?\n```\r\n\r\nend', {
    format: 'text',
    newId: counter(),
  });
  assert.deepEqual(shape(blocks), [
    ['Paragraph', '# not a heading'],
    ['Paragraph', '```\ncode?\n```'],
    ['Paragraph', 'end'],
  ]);
});

test('blocksToMarkdown renders title, nested headings, code and list children', () => {
  const content = [
    { block: { id: 'p', type: 'Paragraph', text: 'Hello' } },
    {
      block: { id: 'h', type: 'Heading', text: 'Part' },
      children: [
        { block: { id: 'c', type: 'Code', text: 'x = 1', attributes: { language: 'py' } } },
        { block: { id: 'h2', type: 'Heading', text: 'Sub' } },
      ],
    },
    {
      block: { id: 'l', type: 'Paragraph', text: 'Steps', attributes: { childrenType: 'Ordered' } },
      children: [
        { block: { id: 'l1', type: 'Paragraph', text: 'first' } },
        { block: { id: 'l2', type: 'Paragraph', text: 'second' } },
      ],
    },
    { block: { id: 'i', type: 'Image', text: 'cat', link: 'ipfs://bafy' } },
  ];
  assert.equal(
    blocksToMarkdown('Doc', content),
    '# Doc\n\nHello\n\n## Part\n\n```py\nx = 1\n```\n\n### Sub\n\nSteps\n\n1. first\n\n2. second\n\n![cat](ipfs://bafy)\n',
  );
});

test('markdown → blocks → markdown is stable once written by the renderer (property)', () => {
  const word = fc.stringMatching(/^[a-z]{1,8}$/);
  const line = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
  const chunk = fc.oneof(
    line,
    line.map((l) => `## ${l}`),
    line.map((l) => `### ${l}`),
    fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => `\`\`\`\n${ls.join('\n')}\n\`\`\``),
  );
  fc.assert(
    fc.property(line, fc.array(chunk, { maxLength: 8 }), (title, chunks) => {
      const once = markdownToBlocks(`# ${title}\n\n${chunks.join('\n\n')}`, { takeTitle: true });
      const md = blocksToMarkdown(once.title, once.blocks);
      const twice = markdownToBlocks(md, { takeTitle: true });
      assert.equal(twice.title, title);
      assert.deepEqual(shape(twice.blocks), shape(once.blocks));
      assert.equal(blocksToMarkdown(twice.title, twice.blocks), md);
    }),
    { numRuns: 200 },
  );
});

test('walkBlocks lists parents before children with parent and left sibling', () => {
  const { blocks } = markdownToBlocks('a\n\n## H\n\nb\n\nc', { newId: counter() });
  assert.deepEqual(
    walkBlocks(blocks).map((w) => [w.block.id, w.parent, w.leftSibling]),
    [
      ['b1', '', ''],
      ['b2', '', 'b1'],
      ['b3', 'b2', ''],
      ['b4', 'b2', 'b3'],
    ],
  );
});

test('genesisOps: name, every block, then one MoveBlocks per parent at the list start', () => {
  const { blocks } = markdownToBlocks('a\n\n## H\n\nb', { newId: counter() });
  const ops = genesisOps('T', blocks);
  assert.deepEqual(ops[0], {
    type: 'SetAttributes',
    block: '',
    attrs: [{ key: ['name'], value: 'T' }],
  });
  assert.deepEqual(
    ops.slice(1, 4).map((o) => (o.type === 'ReplaceBlock' ? o.block.id : o.type)),
    ['b1', 'b2', 'b3'],
  );
  assert.deepEqual(ops.slice(4), [
    { type: 'MoveBlocks', parent: '', blocks: ['b1', 'b2'], ref: [] },
    { type: 'MoveBlocks', parent: 'b2', blocks: ['b3'], ref: [] },
  ]);
});

test('newBlockId makes distinct 8-character IDs of the block ID alphabet', () => {
  const ids = new Set(Array.from({ length: 500 }, newBlockId));
  assert.equal(ids.size, 500);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9]{8}$/);
});

test('reuseBlockIds keeps IDs of equal blocks, then of edited ones of the same type', () => {
  const old = markdownToBlocks('keep\n\n## Head\n\nedit me\n\n```\ngone\n```', {
    newId: counter(),
  }).blocks; // b1 keep, b2 Head, b3 edit me (child of b2), b4 code
  const next = markdownToBlocks('new first\n\nkeep\n\n## Head\n\nedited', {
    newId: () => 'fresh',
  }).blocks;
  const unused = reuseBlockIds(old, next);
  assert.deepEqual(
    walkBlocks(next).map((w) => [w.block.id, w.block.text, w.parent]),
    [
      ['fresh', 'new first', ''],
      ['b1', 'keep', ''],
      ['b2', 'Head', ''],
      ['b3', 'edited', 'b2'],
    ],
  );
  assert.deepEqual(unused, ['b4']);
});
