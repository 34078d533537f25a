import { stemmer } from 'stemmer';
import { wordsOf } from '../text/terms.js';
import { isStopWord } from '../text/stop-words.js';

export { isStopWord } from '../text/stop-words.js';

/**
 * A user's search text, parsed. Pure. The syntax is the one people know
 * from web search engines, and nothing else the user types reaches FTS5's
 * MATCH as syntax (every word and phrase becomes a quoted string, so AND,
 * NEAR, :, *, ^ and unbalanced quotes are just text):
 *
 * - `"exact phrase"`: every result contains the phrase (a quoted single word
 *   too), in the lexical and the semantic leg alike;
 * - `-word`, `-"a phrase"`: no result contains it;
 * - `OR` (capitals) between two words or phrases: either will do;
 * - everything else is free text, searched by its words and its meaning.
 */
export interface ParsedQuery {
  /** Every free word (lower-cased, normalised, stop words removed unless nothing else is left), once. */
  words: string[];
  /** The free words as alternatives: `levy OR funding schools` is [['levy', 'funding'], ['schools']]. */
  groups: string[][];
  /** What every result must contain: each clause a list of alternatives, each a word list. */
  required: string[][][];
  /** Every quoted word list (of the required clauses), for marking the words in snippets. */
  phrases: string[][];
  /** Word lists no result may contain. */
  excluded: string[][];
  /** Porter stems of the free words and the required words, for highlighting and scoring. */
  stems: Set<string>;
  /** The query as an embedder reads it: what was typed, without operators and exclusions. */
  text: string;
  /** What was typed. */
  typed: string;
}

/** One thing typed: free words, a quoted term, an excluded term, or OR. */
type Item =
  | { kind: 'free'; words: string[]; raw: string }
  | { kind: 'quoted'; words: string[] }
  | { kind: 'excluded'; words: string[] }
  | { kind: 'or' };

function itemsOf(input: string): Item[] {
  // A quote left open is text, not the start of a phrase.
  const quotes = (input.match(/"/g) ?? []).length;
  const text =
    quotes % 2 ? input.slice(0, input.lastIndexOf('"')) + ' ' + input.slice(input.lastIndexOf('"') + 1) : input;
  const items: Item[] = [];
  for (const m of text.matchAll(/(-?)"([^"]*)"|(\S+)/g)) {
    if (m[2] !== undefined) {
      const words = wordsOf(m[2]);
      if (words.length) items.push({ kind: m[1] ? 'excluded' : 'quoted', words });
    } else if (m[3] === 'OR') items.push({ kind: 'or' });
    else if (/^-[\p{L}\p{N}]/u.test(m[3]!)) items.push({ kind: 'excluded', words: wordsOf(m[3]!) });
    else {
      const words = wordsOf(m[3]!);
      if (words.length) items.push({ kind: 'free', words, raw: m[3]! });
    }
  }
  return items;
}

/** Alternatives joined by OR: a quoted term among them makes the unit required. */
interface Unit {
  alternatives: string[][];
  quoted: boolean;
}

export function parseQuery(raw: string): ParsedQuery {
  // Compatibility forms and decomposed accents as the documents store them (NFKC at ingest).
  const input = /^[\x00-\x7f]*$/.test(raw) ? raw : raw.normalize('NFKC');
  const items = itemsOf(input);
  const units: Unit[] = [];
  const excluded: string[][] = [];
  let joining = false;
  for (const item of items) {
    if (item.kind === 'or') {
      joining = units.length > 0;
      continue;
    }
    if (item.kind === 'excluded') {
      excluded.push(item.words);
      joining = false;
      continue;
    }
    const terms = item.kind === 'quoted' ? [item.words] : item.words.map((w) => [w]);
    const quoted = item.kind === 'quoted';
    const first = terms[0]!;
    const last = units[units.length - 1];
    if (joining && last) {
      last.alternatives.push(first);
      last.quoted ||= quoted;
    } else units.push({ alternatives: [first], quoted });
    for (const t of terms.slice(1)) units.push({ alternatives: [t], quoted });
    joining = false;
  }

  const required = units.filter((u) => u.quoted).map((u) => u.alternatives);
  const free = units.filter((u) => !u.quoted).map((u) => u.alternatives.map((t) => t[0]!));
  let groups = dedupe(free.map((g) => g.filter((w) => !isStopWord(w))));
  // A query of stop words only ("the who") is searched as typed.
  if (!groups.length && !required.length) groups = dedupe(free);
  const words = groups.flat();
  const stems = new Set([...words, ...required.flat(2)].map((w) => stemmer(w)));
  const text = items
    .map((i) => (i.kind === 'free' ? i.raw : i.kind === 'quoted' ? i.words.join(' ') : ''))
    .filter(Boolean)
    .join(' ');
  return { words, groups, required, phrases: required.flat(), excluded, stems, text, typed: raw };
}

/** Each word once, in the first group that has it; empty groups dropped. */
function dedupe(groups: string[][]): string[][] {
  const seen = new Set<string>();
  return groups.map((g) => g.filter((w) => !seen.has(w) && (seen.add(w), true))).filter((g) => g.length > 0);
}

/** Whether the query asks for anything (words or required terms): exclusions alone find nothing. */
export function hasTerms(q: ParsedQuery): boolean {
  return q.words.length > 0 || q.required.length > 0;
}

/** Whether the query constrains results beyond ranking them: required terms or exclusions. */
export function isConstrained(q: ParsedQuery): boolean {
  return q.required.length > 0 || q.excluded.length > 0;
}

const term = (words: string[]) => `"${words.join(' ')}"`;
const anyOf = (terms: string[][]) => (terms.length === 1 ? term(terms[0]!) : `(${terms.map(term).join(' OR ')})`);

/**
 * The FTS5 expression for a query, or null when it asks for nothing.
 *
 * With 'OR' (ranking), a passage needs any free word; with 'AND', one word
 * of every group. Either way it needs every required clause and none of the
 * excluded terms; `columns` limits where (all the indexed columns otherwise).
 * Required clauses are repeated inside the ranked part
 * (`R AND (R OR w1 OR w2)`, which matches exactly what R matches) so that
 * bm25 scores the free words of the passages that have the phrase.
 */
export function toFtsQuery(q: ParsedQuery, operator: 'OR' | 'AND' = 'OR', columns?: string[]): string | null {
  const expression = ftsExpression(q, operator);
  return expression && columns ? `{${columns.join(' ')}} : (${expression})` : expression;
}

function ftsExpression(q: ParsedQuery, operator: 'OR' | 'AND'): string | null {
  const required = q.required.map(anyOf);
  const free = operator === 'AND' ? q.groups.map((g) => anyOf(g.map((w) => [w]))) : q.words.map((w) => term([w]));
  let positive: string;
  if (required.length && free.length)
    positive =
      operator === 'AND'
        ? [...required, ...free].join(' AND ')
        : `${required.join(' AND ')} AND (${[...required, ...free].join(' OR ')})`;
  else if (required.length || free.length)
    positive = [...required, ...free].join(` ${required.length ? 'AND' : operator} `);
  else return null;
  if (!q.excluded.length) return positive;
  return `(${positive}) NOT ${anyOf(q.excluded)}`;
}

/** The FTS5 expression for the passages a query's quoted and excluded terms allow; null when it has no quoted term. */
export function toConstraintQuery(q: ParsedQuery): string | null {
  if (!q.required.length) return null;
  const positive = q.required.map(anyOf).join(' AND ');
  return q.excluded.length ? `(${positive}) NOT ${anyOf(q.excluded)}` : positive;
}

/** The FTS5 expression for passages that contain an excluded term, or null when there is none. */
export function toExcludedQuery(q: ParsedQuery): string | null {
  return q.excluded.length ? anyOf(q.excluded) : null;
}
