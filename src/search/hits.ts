import type { Hit, RepeatsMode } from '../api/responses.js';
import type { PassageReads } from '../store/passage-reads.js';
import type { PassageRecord } from '../store/types.js';
import { citationOf, repeatedOf } from './citation.js';
import type { Ranked } from './fusion.js';
import { escapeHtml, snippet } from './highlight.js';
import { hasMatch } from './matches.js';
import type { ParsedQuery } from './query.js';
import { collapseRepeatedText } from './repeated-text.js';

/** What a page of hits knows of how each candidate was found. */
export interface Evidence {
  /** Passages the lexical leg returned (they have the query's words, in some indexed column). */
  lexical: Set<number>;
  /** Cosine similarity to the query, for passages the semantic leg returned. */
  similarity: Map<number, number>;
  /** A passage without the query's words is shown only at this similarity or above (null: never). */
  floor: number | null;
}

/** A page of hits, and how many candidates it held back for having no word of the query and too little meaning. */
export interface Page {
  hits: Hit[];
  belowFloor: number;
}

/**
 * Ranked passage ids into results: repeated text collapsed, at most so many
 * per document, each with its words, a highlighted snippet, its citation,
 * how it matched, where else its text appears, and how many more passages
 * of its document the cap held back.
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

  /**
   * The first k passages of a ranking as hits, at most perDoc from each
   * document. With evidence, a passage that has none of the query's words
   * is shown only when its similarity clears the floor; the last hit shown
   * from a document says how many more of the candidates came from it.
   */
  page(
    ranked: Ranked[],
    k: number,
    perDoc: number,
    query: ParsedQuery | null,
    snippets = true,
    evidence?: Evidence,
  ): Page {
    const shown = new Map<number, Hit[]>();
    const held = new Map<number, number>();
    const results: Hit[] = [];
    let belowFloor = 0;
    // Fetch passages a chunk at a time: usually the first chunk fills k. The
    // rest of the ranking is read only to count what the cap held back.
    const chunk = Math.max(20, k * 2);
    for (let at = 0; at < ranked.length; at += chunk) {
      const slice = ranked.slice(at, at + chunk);
      const records = this.passages.records(slice.map((r) => r.id));
      for (const r of slice) {
        const rec = records.get(r.id);
        if (!rec) continue; // deleted since the index was read
        const match = matchOf(rec, query, evidence);
        if (match === 'meaning' && evidence && !clears(evidence, rec.id)) {
          belowFloor++;
          continue;
        }
        const mine = shown.get(rec.doc_id) ?? [];
        if (mine.length >= perDoc || results.length >= k) {
          if (mine.length) held.set(rec.doc_id, (held.get(rec.doc_id) ?? 0) + 1);
          continue;
        }
        const hit = this.hit(rec, r.score, query, snippets, match);
        mine.push(hit);
        shown.set(rec.doc_id, mine);
        results.push(hit);
      }
    }
    for (const [docId, count] of held) {
      const last = shown.get(docId)!.at(-1)!;
      last.more_in_document = { count, url: moreUrl(query, docId) };
    }
    return { hits: results, belowFloor };
  }

  /** A passage as a hit: its words, a highlighted snippet, its citation, how it matched, where its text recurs. */
  hit(
    rec: PassageRecord,
    score: number,
    query: ParsedQuery | null,
    snippets = true,
    match: 'words' | 'meaning' = matchOf(rec, query),
  ): Hit {
    return {
      passage_id: rec.id,
      score: round(score),
      match,
      text: rec.text,
      snippet: !snippets ? '' : query ? snippet(rec.text, query.stems, query.phrases) : escapeHtml(rec.text),
      citation: citationOf(rec),
      repeated: repeatedOf(rec, this.standingMinDocuments),
      more_in_document: null,
    };
  }

  records(ids: readonly number[]): Map<number, PassageRecord> {
    return this.passages.records(ids);
  }
}

/** Whether a passage has the query's words (found by the lexical leg, or seen in its text, section or title). */
export function matchOf(rec: PassageRecord, query: ParsedQuery | null, evidence?: Evidence): 'words' | 'meaning' {
  if (!query) return 'meaning';
  if (evidence?.lexical.has(rec.id)) return 'words';
  const has = (text: string | null) => text !== null && hasMatch(text, query.stems);
  return has(rec.text) || has(rec.section) || has(rec.title) ? 'words' : 'meaning';
}

function clears(evidence: Evidence, id: number): boolean {
  const similarity = evidence.similarity.get(id);
  return evidence.floor !== null && similarity !== undefined && similarity >= evidence.floor;
}

/** The page's search for the same query in one document. */
function moreUrl(query: ParsedQuery | null, documentId: number): string {
  return `/?${new URLSearchParams({ q: query?.typed ?? '', document: String(documentId) })}`;
}

export function round(x: number, digits = 6): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}
