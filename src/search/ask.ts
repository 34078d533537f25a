import type { Embedder } from '../embed/embedder.js';
import { dot, isNonZero } from '../vector/codec.js';
import { sentenceSpans } from '../text/sentences.js';
import type { Searcher } from './searcher.js';
import { parseQuery, stemOf } from './query.js';
import type { Citation, Filters, Hit } from './types.js';

export interface AskRequest {
  question: string;
  /** Passages to draw sentences from. */
  k: number;
  filters: Filters;
}

export interface Answer {
  /** The sentences that best answer the question, each with the numbers of the citations it comes from. */
  answer: { text: string; cites: number[] }[];
  /** Numbered 1.. in the order the answer cites them. */
  citations: (Citation & { n: number; passage_id: number; text: string })[];
  took_ms: number;
}

interface Candidate {
  text: string;
  hit: Hit;
  rank: number;
  score: number;
}

/**
 * An extractive answer, no language model: the passages that answer the
 * question best, cut into sentences, each sentence scored by the question's
 * words it contains, its meaning (when an embedder is active) and its
 * passage's rank; the best two or three, each with its citation number.
 */
export async function ask(searcher: Searcher, embedder: Embedder | null, req: AskRequest): Promise<Answer> {
  const started = performance.now();
  const found = await searcher.search({ q: req.question, k: req.k, mode: 'hybrid', perDoc: 2, ...req.filters });
  const query = parseQuery(req.question);
  const candidates: Candidate[] = [];
  found.results.forEach((hit, rank) => {
    // Paragraph by paragraph (a heading is no answer), then sentence by sentence.
    const paragraphs = hit.text
      .split(/\n\s*\n/)
      .filter((p) => /[.!?]["'”’)]?$/.test(p.trim()) || p.split(/\s+/).length > 15);
    for (const span of paragraphs.flatMap((p) => sentenceSpans(p).map((s) => p.slice(s.start, s.end)))) {
      const text = span.replace(/\s+/g, ' ');
      const words = text.split(' ').length;
      if (words < 6 || words > 80) continue;
      candidates.push({ text, hit, rank, score: 0 });
    }
  });
  if (!candidates.length) return { answer: [], citations: [], took_ms: Math.round(performance.now() - started) };

  const stems = [...query.stems];
  for (const c of candidates) {
    const own = new Set((c.text.match(/[\p{L}\p{N}]+/gu) ?? []).map(stemOf));
    const overlap = stems.length ? stems.filter((s) => own.has(s)).length / stems.length : 0;
    c.score = overlap + 0.3 / (1 + c.rank);
  }
  if (embedder) {
    const q = await embedder.embedQuery(req.question);
    if (isNonZero(q)) {
      const vectors = await embedder.embedDocuments(candidates.map((c) => c.text));
      candidates.forEach((c, i) => (c.score += Math.max(0, dot(q, vectors[i]!))));
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const chosen: Candidate[] = [];
  for (const c of candidates) {
    if (chosen.length >= 3) break;
    if (chosen.filter((x) => x.hit === c.hit).length >= 2 || chosen.some((x) => x.text === c.text)) continue;
    if (chosen.length >= 2 && c.score < chosen[0]!.score * 0.6) break;
    chosen.push(c);
  }
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
  return { answer, citations, took_ms: Math.round(performance.now() - started) };
}
