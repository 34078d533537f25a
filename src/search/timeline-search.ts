import type { TimelineEntry, TimelineResponse } from '../api/responses.js';
import { round } from './hits.js';
import { parseQuery } from './query.js';
import { collapseRepeatedText } from './repeated-text.js';
import type { Searcher } from './searcher.js';
import { bucketByMonth } from './timeline.js';
import type { TimelineRequest } from './types.js';

/** Passages nearest in meaning (without the query's words) that a timeline adds at most. */
export const TIMELINE_MEANING = 20;

/**
 * What the collection says about a query over time: every passage that
 * has all the query's words (stemmed), up to `limit`, and the passages
 * nearest in meaning that lack them (TIMELINE_MEANING at most), grouped by
 * the month of their document's date. Repeated text counts once, at its
 * earliest date among the matches, unless repeats is 'all'.
 */
export async function timeline(searcher: Searcher, req: TimelineRequest): Promise<TimelineResponse> {
  const started = performance.now();
  const query = parseQuery(req.q);
  const found =
    req.mode === 'semantic'
      ? []
      : searcher.lexical.rank(query, req.limit + 1, req, { operator: 'AND', prune: false, exhaustive: true });
  const words = found.slice(0, req.limit);
  const byWords = new Set(words.map((r) => r.id));
  const meaning =
    req.mode === 'lexical'
      ? []
      : (await searcher.semantic.rank(req.q, Math.min(req.limit, TIMELINE_MEANING), req)).filter(
          (r) => !byWords.has(r.id),
        );
  const ranked = [...words, ...meaning].slice(0, req.limit);
  const records = searcher.hits.records(ranked.map((r) => r.id));
  let entries = ranked.flatMap((r) => {
    const rec = records.get(r.id);
    return rec ? [{ rec, score: r.score, match: byWords.has(r.id) ? ('words' as const) : ('meaning' as const) }] : [];
  });
  if ((req.repeats ?? 'collapse') === 'collapse') {
    const earliestFirst = [...entries].sort((a, b) => byDate(a.rec.published_at, b.rec.published_at));
    const kept = new Set(
      collapseRepeatedText(earliestFirst.map((e) => ({ id: e.rec.id, fingerprint: e.rec.fingerprint }))).map(
        (c) => c.id,
      ),
    );
    entries = entries.filter((e) => kept.has(e.rec.id));
  }
  const items = entries.map((e) => ({
    ...searcher.hits.hit(e.rec, e.score, query),
    match: e.match,
    date: e.rec.published_at,
  }));
  const t = bucketByMonth(items);
  const mark = (item: (typeof items)[number]): TimelineEntry => {
    const { date: _date, ...hit } = item;
    return { ...hit, is_first: item === t.first, is_latest: item === t.latest };
  };
  const mention = (item: (typeof items)[number] | null) =>
    item
      ? {
          passage_id: item.passage_id,
          date: item.date!,
          document_id: item.citation.document_id,
          title: item.citation.title,
        }
      : null;
  return {
    query: req.q,
    mode: req.mode,
    took_ms: round(performance.now() - started, 1),
    total: items.length,
    by_words: items.filter((i) => i.match === 'words').length,
    truncated: found.length > req.limit,
    first: mention(t.first),
    latest: mention(t.latest),
    months: t.months.map((m) => ({
      month: m.month,
      count: m.count,
      by_words: m.items.filter((i) => i.match === 'words').length,
      passages: m.items.map(mark),
    })),
    undated: t.undated.map(mark),
  };
}

/** Oldest first, undated last. */
function byDate(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
