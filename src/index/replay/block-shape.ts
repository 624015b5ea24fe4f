/**
 * Conversions between a block as stored in a ReplaceBlock op and a block as the Seed API shows it.
 *
 * On the wire Seed inlines a block's attributes into the block map (`{id, type, text,
 * childrenType: "Ordered"}`); an older encoding nested them under `attributes` (and even spelled
 * the ID `iD`). Both occur in the wild, so both are read. The API shape is
 * `{id, type, text?, link?, annotations, attributes, revision}` — the fields Seed's clients expect.
 * We write the inline form, as Seed's node does today.
 */
import { type AttrMap, isPlainObject, toPlain } from './attr-path.ts';

/** A block in the API shape (without `revision`, which replay adds). */
export type ApiBlock = {
  id: string;
  type: string;
  text?: string;
  link?: string;
  annotations: AttrMap[];
  attributes: AttrMap;
  revision?: string;
};

const BLOCK_CORE_KEYS = new Set([
  'id',
  'iD',
  'type',
  'text',
  'link',
  'annotations',
  'attributes',
  'revision',
]);
const ANNOTATION_CORE_KEYS = new Set(['type', 'link', 'starts', 'ends', 'attributes']);

/** ID of a stored block (new or old spelling), or null when it has none. */
export function storedBlockId(raw: unknown): string | null {
  if (!isPlainObject(raw)) return null;
  const id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : raw.iD;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** The API shape of a stored block; null when it is not a map with an ID. */
export function apiBlockFromStored(raw: unknown): ApiBlock | null {
  const id = storedBlockId(raw);
  if (id === null || !isPlainObject(raw)) return null;
  const block: ApiBlock = {
    id,
    type: typeof raw.type === 'string' ? raw.type : '',
    annotations: Array.isArray(raw.annotations) ? raw.annotations.flatMap(apiAnnotation) : [],
    attributes: splitAttributes(raw, BLOCK_CORE_KEYS),
  };
  if (typeof raw.text === 'string') block.text = raw.text;
  if (typeof raw.link === 'string' && raw.link !== '') block.link = raw.link;
  return block;
}

/** The stored (wire) form of an API block: attributes inlined, empty fields left out. */
export function storedBlockFromApi(block: ApiBlock): AttrMap {
  const out: AttrMap = { id: block.id, type: block.type };
  if (typeof block.text === 'string' && block.text !== '') out.text = block.text;
  if (typeof block.link === 'string' && block.link !== '') out.link = block.link;
  if (block.annotations.length > 0) out.annotations = block.annotations.map(storedAnnotation);
  inlineAttributes(out, block.attributes, BLOCK_CORE_KEYS);
  return out;
}

function apiAnnotation(raw: unknown): AttrMap[] {
  if (!isPlainObject(raw) || typeof raw.type !== 'string') return [];
  const out: AttrMap = { type: raw.type };
  out.starts = numberList(raw.starts);
  out.ends = numberList(raw.ends);
  if (typeof raw.link === 'string' && raw.link !== '') out.link = raw.link;
  const attributes = splitAttributes(raw, ANNOTATION_CORE_KEYS);
  if (Object.keys(attributes).length > 0) out.attributes = attributes;
  return [out];
}

function storedAnnotation(annotation: AttrMap): AttrMap {
  const out: AttrMap = { type: annotation.type };
  if (typeof annotation.link === 'string' && annotation.link !== '') out.link = annotation.link;
  const starts = numberList(annotation.starts);
  const ends = numberList(annotation.ends);
  if (starts.length > 0) out.starts = starts;
  if (ends.length > 0) out.ends = ends;
  if (isPlainObject(annotation.attributes)) {
    inlineAttributes(out, annotation.attributes, ANNOTATION_CORE_KEYS);
  }
  return out;
}

/** Attributes of a stored map: the inline extra fields, overlaid by an old nested `attributes`. */
function splitAttributes(raw: AttrMap, coreKeys: Set<string>): AttrMap {
  const out: AttrMap = {};
  for (const [key, value] of Object.entries(raw)) {
    if (coreKeys.has(key) || key === '__proto__') continue;
    const plain = toPlain(value);
    if (plain !== undefined && plain !== null) out[key] = plain;
  }
  if (isPlainObject(raw.attributes)) {
    for (const [key, value] of Object.entries(raw.attributes)) {
      const plain = toPlain(value);
      if (key !== '__proto__' && plain !== undefined && plain !== null) out[key] = plain;
    }
  }
  return out;
}

function inlineAttributes(out: AttrMap, attributes: AttrMap, coreKeys: Set<string>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (coreKeys.has(key) || key === '__proto__') continue;
    if (value !== null && value !== undefined) out[key] = value;
  }
}

function numberList(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  return value.filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
}
