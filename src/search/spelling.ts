import { normaliseWord, stemOf } from '../text/terms.js';
import type { ParsedQuery } from './query.js';
import { stemmer } from 'stemmer';

/**
 * Completing the word being typed and correcting typos, from this
 * collection's own vocabulary (never a fixed word list). Pure: the
 * vocabulary comes in as a Lexicon.
 *
 * A free word (not quoted) that no passage has is
 * - completed, when it is the last word typed, at least MIN_PREFIX
 *   letters, and the collection has every other word of the query: it becomes the words of the collection that start
 *   with it (one per stem, the most common stems first, at most
 *   MAX_COMPLETIONS), as results-as-you-type need;
 * - otherwise corrected, when it has at least 5 letters: to the word of
 *   the collection nearest to it, at most one edit away (two for words of 9
 *   letters or more; an edit is a letter added, dropped, changed, or two
 *   neighbours swapped), with the same first letter; among equally near
 *   words, the one most passages have.
 * Words the collection has are never changed, and quoted words never are.
 */
export interface Correction {
  typed: string;
  /** What was searched instead: the completions, or the one correction. */
  searched: string[];
  kind: 'completion' | 'spelling';
}

export interface Lexicon {
  /** Passages with this stem (0: the collection does not have it). */
  postings(stem: string): number;
  /** Words that start with a prefix, in order, at most `limit`. */
  startingWith(prefix: string, limit: number): { word: string; stem: string }[];
  /** Words with the same first letter and a length within `spread`. */
  alike(word: string, spread: number): Iterable<{ word: string; stem: string }>;
}

export const MIN_PREFIX = 3;
export const MAX_COMPLETIONS = 8;
/** Words read from the vocabulary for one completion (the most common stems among them are kept). */
const COMPLETION_SCAN = 2_000;

/** How many edits a word of this length may be corrected by. */
export function allowedEdits(word: string): number {
  return word.length >= 9 ? 2 : word.length >= 5 ? 1 : 0;
}

/**
 * Optimal string alignment distance (Levenshtein with adjacent
 * transpositions), or max + 1 as soon as it must exceed max.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The collection's words that start with `prefix`: one per stem, the stems most passages have first. */
export function completionsOf(prefix: string, lexicon: Lexicon): string[] {
  const byStem = new Map<string, { word: string; postings: number }>();
  for (const { word, stem } of lexicon.startingWith(prefix, COMPLETION_SCAN)) {
    const known = byStem.get(stem);
    // The shortest word stands for its stem ("apprenticeship" for -s, -'s).
    if (known) {
      if (word.length < known.word.length) known.word = word;
      continue;
    }
    const postings = lexicon.postings(stem);
    if (postings > 0) byStem.set(stem, { word, postings });
  }
  return [...byStem.values()]
    .sort((a, b) => b.postings - a.postings || a.word.localeCompare(b.word))
    .slice(0, MAX_COMPLETIONS)
    .map((c) => c.word);
}

/** The collection's word nearest to `word` (see above), or null. */
export function correctionOf(word: string, lexicon: Lexicon): string | null {
  const max = allowedEdits(word);
  if (!max) return null;
  let best: { word: string; distance: number; postings: number } | null = null;
  for (const candidate of lexicon.alike(word, max)) {
    if (candidate.word === word) continue;
    const distance = editDistance(word, candidate.word, best ? Math.min(max, best.distance) : max);
    if (distance > max || (best && distance > best.distance)) continue;
    const postings = lexicon.postings(candidate.stem);
    if (!postings) continue;
    if (!best || distance < best.distance || postings > best.postings)
      best = { word: candidate.word, distance, postings };
  }
  return best?.word ?? null;
}

/**
 * The query with its unknown free words completed or corrected (see above),
 * and what was changed. The last word typed is completed only when it ends
 * the query (not inside quotes, not followed by an exclusion).
 */
export function interpret(query: ParsedQuery, lexicon: Lexicon): { query: ParsedQuery; corrections: Correction[] } {
  const corrections: Correction[] = [];
  const replaced = new Map<string, string[]>();
  // Completing the last word helps only a query whose other words the collection has ("what about apprent"), not
  // one about things it does not ("zebra crossings on mars" is not about Ms Marsh).
  const known = (w: string) => lexicon.postings(stemOf(w)) > 0;
  const typed = lastTypedWord(query);
  const last = typed && query.words.every((w) => w === typed || known(w)) ? typed : null;
  for (const word of query.words) {
    if (!/^\p{L}+$/u.test(word) || lexicon.postings(stemOf(word)) > 0) continue;
    if (word === last && word.length >= MIN_PREFIX) {
      const completions = completionsOf(word, lexicon);
      if (completions.length) {
        corrections.push({ typed: word, searched: completions, kind: 'completion' });
        replaced.set(word, completions);
        continue;
      }
    }
    const corrected = correctionOf(word, lexicon);
    if (corrected) {
      corrections.push({ typed: word, searched: [corrected], kind: 'spelling' });
      replaced.set(word, [corrected]);
    }
  }
  if (!corrections.length) return { query, corrections };
  const seen = new Set<string>();
  const groups = query.groups
    .map((g) => g.flatMap((w) => replaced.get(w) ?? [w]).filter((w) => !seen.has(w) && (seen.add(w), true)))
    .filter((g) => g.length > 0);
  const words = groups.flat();
  const text = query.text.replace(/[\p{L}\p{N}'’]+/gu, (raw) => {
    const instead = replaced.get(normaliseWord(raw));
    return instead ? instead[0]! : raw;
  });
  const stems = new Set([...words, ...query.required.flat(2)].map((w) => stemmer(w)));
  return { query: { ...query, groups, words, text, stems }, corrections };
}

/** The last free word of what was typed, when nothing but spaces follows it. */
function lastTypedWord(query: ParsedQuery): string | null {
  const m = /([\p{L}\p{N}'’]+)\s*$/u.exec(query.typed);
  if (!m) return null;
  const word = normaliseWord(m[1]!);
  return query.words.includes(word) ? word : null;
}

/** The query as it was searched: the typed text with each change made, for "Showing results for …". */
export function searchedText(typed: string, corrections: Correction[]): string {
  let out = typed;
  for (const c of corrections) {
    out = out.replace(
      new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(c.typed)}(?![\\p{L}\\p{N}])`, 'giu'),
      c.searched[0]!,
    );
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
