/**
 * Document metadata as Seed's clients validate it. Metadata is whatever attributes the document's
 * authors set, so a field may hold a value of the wrong type (a number `name`, an unknown `layout`);
 * the clients' schema then rejects the WHOLE answer. Known fields with a bad value are dropped here;
 * unknown fields pass through (the schema allows them).
 */

type FieldRule = { type: 'string' | 'boolean' } | { type: 'string'; enum: readonly string[] };

const FIELDS: Record<string, FieldRule> = {
  name: { type: 'string' },
  summary: { type: 'string' },
  icon: { type: 'string' },
  thumbnail: { type: 'string' },
  cover: { type: 'string' },
  siteUrl: { type: 'string' },
  layout: { type: 'string', enum: ['Seed/Experimental/Newspaper', ''] },
  displayPublishTime: { type: 'string' },
  displayAuthor: { type: 'string' },
  seedExperimentalLogo: { type: 'string' },
  seedExperimentalHomeOrder: { type: 'string', enum: ['UpdatedFirst', 'CreatedFirst'] },
  showOutline: { type: 'boolean' },
  showActivity: { type: 'boolean' },
  contentWidth: { type: 'string', enum: ['S', 'M', 'L'] },
  importCategories: { type: 'string' },
  importTags: { type: 'string' },
};

const CHILDREN_TYPES = ['Group', 'Ordered', 'Unordered', 'Blockquote', 'Grid'];

export type WireMetadata = Record<string, unknown>;

/** Accepts a nested object or a JSON text (as an index column may hold it). */
export function wireMetadata(raw: unknown): WireMetadata {
  const source = typeof raw === 'string' ? parseObject(raw) : raw;
  if (!source || typeof source !== 'object' || Array.isArray(source)) return {};
  const out: WireMetadata = {};
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === 'childrenType') {
      if (value === null || CHILDREN_TYPES.includes(value as string)) out[key] = value;
    } else if (key === 'theme') {
      const theme = wireTheme(value);
      if (theme) out[key] = theme;
    } else {
      const rule = FIELDS[key];
      if (!rule || fits(rule, value)) out[key] = value;
    }
  }
  return out;
}

function fits(rule: FieldRule, value: unknown): boolean {
  if (typeof value !== rule.type) return false;
  return !('enum' in rule) || rule.enum.includes(value as string);
}

function wireTheme(value: unknown): { headerLayout?: string } | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const layout = (value as Record<string, unknown>).headerLayout;
  return layout === 'Center' || layout === '' ? { headerLayout: layout } : {};
}

function parseObject(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
