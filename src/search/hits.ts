import type { Hit, RepeatsMode } from '../api/responses.js';
import type { PassageReads } from '../store/passage-reads.js';
import type { PassageRecord } from '../store/types.js';
import { citationOf, repeatedOf } from './citation.js';
import type { Ranked } from './fusion.js';
import { escapeHtml, snippet } from './highlight.js';
import type { ParsedQuery } from './query.js';
import { collapseRepeatedText } from './repeated-text.js';

/**
 * Ranked passage ids into results: repeated text collapsed, at most so many
 * per document, each with its words, a highlighted snippet, its citation and
 * where else its text appears.
 */
export class Hits {
  private readonly passages: PassageReads;
  private readonly standingMinDocuments: number;

  constructor(passages: PassageReads, standingMinDocuments: number) {
    this.passages = passages;
    this.standingMinDocuments = standingMinDocuments;
  }

  /** Repeated text collapsed to its best-ranked passage (same fingerprint); with 'all', the ranking as it is. */
  collapse(ranked: Ranked[], repeats: RepeatsMode): Ranked[] {
    if (repeats === 'all' || ranked.length < 2) return ranked;
    const fingerprints = this.passages.fingerprints(ranked.map((r) => r.id));
    const candidates = ranked.flatMap((r) => {
      const fingerprint = fingerprints.get(r.id);
      return fingerprint === undefined ? [] : [{ ...r, fingerprint }];
    });
    return collapseRepeatedText(candidates).map(({ id, score }) => ({ id, score }));
  }

  /** The first k passages of a ranking as hits, at most perDoc from each document. */
  page(ranked: Ranked[], k: number, perDoc: number, query: ParsedQuery | null, snippets = true): Hit[] {
    const seen = new Map<number, number>();
    const results: Hit[] = [];
    // Fetch passages a chunk at a time: usually the first chunk fills k.
    const chunk = Math.max(20, k * 2);
    for (let at = 0; at < ranked.length && results.length < k; at += chunk) {
      const slice = ranked.slice(at, at + chunk);
      const records = this.passages.records(slice.map((r) => r.id));
      for (const r of slice) {
        const rec = records.get(r.id);
        if (!rec) continue; // deleted since the index was read
        const n = seen.get(rec.doc_id) ?? 0;
        if (n >= perDoc) continue;
        seen.set(rec.doc_id, n + 1);
        results.push(this.hit(rec, r.score, query, snippets));
        if (results.length >= k) break;
      }
    }
    return results;
  }

  /** A passage as a hit: its words, a highlighted snippet, its citation, where else its text appears. */
  hit(rec: PassageRecord, score: number, query: ParsedQuery | null, snippets = true): Hit {
    return {
      passage_id: rec.id,
      score: round(score),
      text: rec.text,
      snippet: !snippets ? '' : query ? snippet(rec.text, query.stems, query.phrases) : escapeHtml(rec.text),
      citation: citationOf(rec),
      repeated: repeatedOf(rec, this.standingMinDocuments),
    };
  }

  records(ids: readonly number[]): Map<number, PassageRecord> {
    return this.passages.records(ids);
  }
}

export function round(x: number, digits = 6): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}
