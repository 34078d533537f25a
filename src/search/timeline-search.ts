import type { TimelineEntry, TimelineResponse } from '../api/responses.js';
import { matchOf, round } from './hits.js';
import { hasTerms, type ParsedQuery } from './query.js';
import { collapseRepeatedText } from './repeated-text.js';
import type { Searcher } from './searcher.js';
import { bucketByMonth } from './timeline.js';
import type { TimelineRequest } from './types.js';

/** Passages close in meaning (without the query's words) that a timeline lists apart, at most. */
export const TIMELINE_MEANING = 20;

/** Where a mention must have the words: the passage's text or the heading over it (not only its document's title). */
const MENTION_COLUMNS = ['section', 'text'];

/**
 * What the collection says about a query over time. A mention is a passage
 * that has the query's words (all of them: one of each OR group, every
 * quoted term, none excluded) in its text or its heading, up to `limit`;
 * mentions are grouped by the month of their document's date, and only they
 * are counted or dated. Unless the mode is lexical, the passages closest in
 * meaning that have none of the words follow apart (TIMELINE_MEANING at
 * most, each above the meaning floor), labelled and never counted. Repeated text counts
 * once, at its earliest date among the mentions, unless repeats is 'all'.
 */
export async function timeline(searcher: Searcher, req: TimelineRequest): Promise<TimelineResponse> {
  const started = performance.now();
  const { query, corrected } = searcher.interpret(req.q, req.asTyped);
  const found = hasTerms(query)
    ? searcher.lexical.rank(query, req.limit + 1, req, {
        operator: 'AND',
        prune: false,
        exhaustive: true,
        columns: MENTION_COLUMNS,
      })
    : [];
  const words = found.slice(0, req.limit);
  const records = searcher.hits.records(words.map((r) => r.id));
  let entries = words.flatMap((r) => {
    const rec = records.get(r.id);
    return rec ? [{ rec, score: r.score }] : [];
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
    ...searcher.hits.hit(e.rec, e.score, query, true, 'words'),
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
  const meaning =
    req.mode === 'lexical' ? null : await closeInMeaning(searcher, query, req, new Set(found.map((r) => r.id)));
  return {
    query: req.q,
    mode: req.mode,
    took_ms: round(performance.now() - started, 1),
    corrected,
    total: items.length,
    truncated: found.length > req.limit,
    first: mention(t.first),
    latest: mention(t.latest),
    months: t.months.map((m) => ({ month: m.month, count: m.count, passages: m.items.map(mark) })),
    undated: t.undated.map(mark),
    meaning: meaning?.hits ?? [],
    meaning_floor: meaning?.floor ?? null,
  };
}

/** The passages closest in meaning that are not mentions, above the meaning floor, closest first. */
async function closeInMeaning(
  searcher: Searcher,
  query: ParsedQuery,
  req: TimelineRequest,
  mentions: Set<number>,
): Promise<{ hits: TimelineEntry[]; floor: number | null }> {
  const embedder = searcher.parts.queryEmbedder();
  if (!embedder || !hasTerms(query)) return { hits: [], floor: null };
  const constraint = searcher.lexical.constraint(query) ?? undefined;
  const near = await searcher.semantic.rank(query.text, TIMELINE_MEANING + mentions.size, req, undefined, constraint);
  if (!near.length) return { hits: [], floor: null };
  const floor = await searcher.floors.floor(embedder);
  const above = near.filter((r) => !mentions.has(r.id) && floor !== null && r.score >= floor);
  const records = searcher.hits.records(above.map((r) => r.id));
  // A passage with some of the words but not all is neither a mention nor a meaning match: it is left out.
  const hits = above
    .flatMap((r) => {
      const rec = records.get(r.id);
      return rec && matchOf(rec, query) === 'meaning'
        ? [{ ...searcher.hits.hit(rec, r.score, query, true, 'meaning'), is_first: false, is_latest: false }]
        : [];
    })
    .slice(0, TIMELINE_MEANING);
  return { hits, floor: floor === null ? null : round(floor, 4) };
}

/** Oldest first, undated last. */
function byDate(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
