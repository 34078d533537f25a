import type { Embedder } from '../embed/embedder.js';
import { dot, isNonZero } from '../vector/codec.js';
import { sentenceSpans } from '../text/sentences.js';
import { stemOf } from '../text/terms.js';
import type { Searcher } from './searcher.js';
import type { Citation, Corrected, Filters, Hit } from './types.js';

export interface AskRequest {
  question: string;
  /** Passages to draw sentences from (more are read: see CANDIDATE_PASSAGES). */
  k: number;
  filters: Filters;
  asTyped?: boolean;
}

export interface Answer {
  /** The sentences that best answer the question, each with the numbers of the citations it comes from. */
  answer: { text: string; cites: number[] }[];
  /** Numbered 1.. in the order the answer cites them. */
  citations: (Citation & { n: number; passage_id: number; text: string })[];
  corrected: Corrected | null;
  took_ms: number;
}

/** Passages read for sentences: at least this many, or three times k. */
export const CANDIDATE_PASSAGES = 20;

/**
 * A sentence answers when it carries at least this share of the question's
 * weight in words (IDF-weighted), or comes from a passage shown for its
 * meaning and itself clears the meaning floor. When no sentence does, the answer is "nothing answers this".
 */
export const MIN_COVERAGE = 0.5;

/** How the parts of a sentence's score are weighed (they sum to 1, the rank prior comes on top). */
export const WEIGHTS = { coverage: 0.55, proximity: 0.15, meaning: 0.3, rank: 0.05 };

interface Candidate {
  text: string;
  hit: Hit;
  rank: number;
  coverage: number;
  proximity: number;
  meaning: number;
  score: number;
}

/**
 * An extractive answer, no language model. The passages that match the
 * question best (words and meaning, CANDIDATE_PASSAGES of them, not only
 * the top few) are cut into sentences, and each sentence is scored by how
 * well it answers:
 * - coverage: the share of the question's terms it has, each weighed by its
 *   IDF in the collection (a sentence with "apprenticeships" beats one with
 *   "people");
 * - proximity: how close together those terms are (a sentence that has them
 *   in one clause beats one that scatters them), times their coverage;
 * - meaning: its similarity to the question, above the meaning floor,
 *   when an embedder is active;
 * - a small prior for the rank of its passage.
 * The best two or three sentences are the answer, at most two from one
 * passage. When no sentence covers half the question's weight, and none
 * without its words clears the meaning floor, nothing answers: the answer
 * is empty.
 */
export async function ask(searcher: Searcher, embedder: Embedder | null, req: AskRequest): Promise<Answer> {
  const started = performance.now();
  const { query, corrected } = searcher.interpret(req.question, req.asTyped);
  const found = await searcher.search({
    q: req.question,
    k: Math.max(CANDIDATE_PASSAGES, req.k * 3),
    mode: 'hybrid',
    // The answer takes at most two sentences from a passage; documents are not capped.
    perDoc: Math.max(CANDIDATE_PASSAGES, req.k * 3),
    asTyped: req.asTyped,
    ...req.filters,
  });
  const done = (chosen: Candidate[]): Answer => ({
    ...numbered(chosen),
    corrected,
    took_ms: Math.round(performance.now() - started),
  });
  const candidates = sentencesOf(found.results);
  if (!candidates.length) return done([]);

  const stems = [...query.stems];
  const total = searcher.parts.store.passages.count();
  const weights = new Map(stems.map((s) => [s, idf(searcher.lexical.postings(s), total)]));
  for (const c of candidates) {
    const words = (c.text.match(/[\p{L}\p{N}]+/gu) ?? []).map(stemOf);
    c.coverage = coverage(words, weights);
    c.proximity = c.coverage * proximity(words, weights);
  }
  const floor = found.meaning_floor;
  if (embedder && floor !== null) {
    const q = await embedder.embedQuery(query.text);
    if (isNonZero(q)) {
      const vectors = await embedder.embedDocuments(candidates.map((c) => c.text));
      candidates.forEach((c, i) => (c.meaning = Math.max(0, (dot(q, vectors[i]!) - floor) / (1 - floor))));
    }
  }
  for (const c of candidates)
    c.score =
      WEIGHTS.coverage * c.coverage +
      WEIGHTS.proximity * c.proximity +
      WEIGHTS.meaning * c.meaning +
      WEIGHTS.rank / (1 + c.rank);
  candidates.sort((a, b) => b.score - a.score);
  // Meaning alone answers only in a passage shown for its meaning (none of the question's words, above the floor),
  // and only a sentence that is itself above the floor: words shared with the question raise similarity too.
  const answers = (c: Candidate) =>
    c.coverage >= MIN_COVERAGE || (c.hit.match === 'meaning' && c.coverage === 0 && c.meaning > 0);
  const chosen: Candidate[] = [];
  for (const c of candidates) {
    if (chosen.length >= 3) break;
    if (!answers(c)) continue;
    if (chosen.filter((x) => x.hit === c.hit).length >= 2 || chosen.some((x) => x.text === c.text)) continue;
    if (chosen.length >= 2 && c.score < chosen[0]!.score * 0.6) break;
    chosen.push(c);
  }
  return done(chosen);
}

/** Sentences of 6 to 80 words from the passages' paragraphs (a heading is no answer). */
function sentencesOf(hits: Hit[]): Candidate[] {
  const out: Candidate[] = [];
  hits.forEach((hit, rank) => {
    const paragraphs = hit.text
      .split(/\n\s*\n/)
      .filter((p) => /[.!?]["'”’)]?$/.test(p.trim()) || p.split(/\s+/).length > 15);
    for (const span of paragraphs.flatMap((p) => sentenceSpans(p).map((s) => p.slice(s.start, s.end)))) {
      const text = span.replace(/\s+/g, ' ').trim();
      const words = text.split(' ').length;
      if (words < 6 || words > 80) continue;
      out.push({ text, hit, rank, coverage: 0, proximity: 0, meaning: 0, score: 0 });
    }
  });
  return out;
}

/** BM25's IDF of a term in df of n passages (never below a small positive weight). Pure. */
export function idf(df: number, n: number): number {
  return Math.log(1 + (Math.max(n, df) - df + 0.5) / (df + 0.5));
}

/** The share of the terms' weight that the words have. Pure. */
export function coverage(words: string[], weights: Map<string, number>): number {
  const total = [...weights.values()].reduce((s, w) => s + w, 0);
  if (!total) return 0;
  const have = new Set(words.filter((w) => weights.has(w)));
  return [...have].reduce((s, w) => s + weights.get(w)!, 0) / total;
}

/**
 * How tightly the words hold the terms they have: the weight of the terms
 * in the shortest stretch of words that has every one of them once, per
 * word of that stretch, scaled so terms side by side score 1. Pure.
 */
export function proximity(words: string[], weights: Map<string, number>): number {
  const present = new Set(words.filter((w) => weights.has(w)));
  if (present.size < 2) return present.size ? 1 : 0;
  const need = present.size;
  const counts = new Map<string, number>();
  let best = Infinity;
  let start = 0;
  let have = 0;
  for (let end = 0; end < words.length; end++) {
    const w = words[end]!;
    if (!present.has(w)) continue;
    counts.set(w, (counts.get(w) ?? 0) + 1);
    if (counts.get(w) === 1) have++;
    while (have === need) {
      best = Math.min(best, end - start + 1);
      const s = words[start++]!;
      if (present.has(s)) {
        counts.set(s, counts.get(s)! - 1);
        if (counts.get(s) === 0) have--;
      }
    }
  }
  return Math.min(1, need / best);
}

/** The chosen sentences with their citations numbered in the order they are first cited. */
function numbered(chosen: Candidate[]): Pick<Answer, 'answer' | 'citations'> {
  const numbers = new Map<number, number>();
  const citations: Answer['citations'] = [];
  const answer = chosen.map((c) => {
    let n = numbers.get(c.hit.passage_id);
    if (n === undefined) {
      n = citations.length + 1;
      numbers.set(c.hit.passage_id, n);
      citations.push({ ...c.hit.citation, n, passage_id: c.hit.passage_id, text: c.hit.text });
    }
    return { text: c.text, cites: [n] };
  });
  return { answer, citations };
}
