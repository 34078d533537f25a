import type { Statement } from 'better-sqlite3';
import type { KnowledgeBase } from '../knowledge-base.js';
import { blobToVector } from '../embed/embedder.js';
import { citationOf, PASSAGE_RECORD_SQL, repeatedOf, type PassageRecord } from './citation.js';
import { reciprocalRankFusion, weightedFusion, type Ranked } from './fusion.js';
import { escapeHtml, snippet } from './highlight.js';
import { collapseRepeats, STANDING_MIN_DOCUMENTS, standingLast } from './repeats.js';
import { bucketByMonth } from './timeline.js';
import { coordinate, planLexical, type LexicalPlan } from './lexical-plan.js';
import { parseQuery, stemOf, toFtsQuery, type ParsedQuery } from './query.js';
import type { Filters, Hit, RepeatsMode, SearchRequest, SearchResponse, TimelineEntry, TimelineRequest, TimelineResponse } from './types.js';

export interface SearchOptions {
  fusion: 'rrf' | 'weighted';
  /** RRF's k: how fast credit falls with rank. */
  rrfK: number;
  /** Weighted fusion: the lexical share (semantic gets the rest). */
  lexicalWeight: number;
  /** See withoutCommonWords. */
  commonWordShare: number;
  commonWordPostings: number;
  /** Postings an OR query may score before the lexical leg asks for all the words first (see planLexical). */
  lexicalBudget: number;
  /** See STANDING_MIN_DOCUMENTS. */
  standingMinDocuments: number;
}

/** Passages nearest in meaning (without the query's words) that a timeline adds at most. */
export const TIMELINE_MEANING = 20;

/** A word in more than this share of passages is left out of a lexical query that has rarer words. */
export const COMMON_WORD_SHARE = 0.2;
/** …and in more passages than this (below it, scoring the word is cheap whatever its share). */
export const COMMON_WORD_POSTINGS = 10_000;

export const DEFAULT_SEARCH: SearchOptions = {
  fusion: 'rrf',
  rrfK: 60,
  lexicalWeight: 0.5,
  commonWordShare: COMMON_WORD_SHARE,
  commonWordPostings: COMMON_WORD_POSTINGS,
  lexicalBudget: 100_000,
  standingMinDocuments: STANDING_MIN_DOCUMENTS,
};

/**
 * Hybrid retrieval: FTS5 bm25 and HNSW k-NN, each over-fetching candidates,
 * fused (RRF by default), filtered, capped per document, and returned with
 * snippets and citations. Reads only; never imports the server or the CLI.
 */
export class Searcher {
  private readonly kb: KnowledgeBase;
  private readonly options: SearchOptions;

  constructor(kb: KnowledgeBase, options: Partial<SearchOptions> = {}) {
    this.kb = kb;
    this.options = { ...DEFAULT_SEARCH, standingMinDocuments: kb.config.repeatMinDocuments, lexicalBudget: kb.config.lexicalBudget, ...options };
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const query = parseQuery(req.q);
    const repeats = req.repeats ?? 'collapse';
    const ranked = this.collapse(await this.rank(req, query), repeats);
    const page = this.hits(ranked, req.k, req.perDoc, query, req.snippets !== false);
    const results = repeats === 'collapse' ? standingLast(page, (h) => h.repeated?.standing === true) : page;
    const info = req.mode === 'lexical' ? this.kb.embedderInfo() : this.embedderInfoForQuery();
    return {
      query: req.q,
      mode: req.mode,
      embedder: info ? { id: info.id, dim: info.dim, builtin: info.builtin } : null,
      took_ms: round(performance.now() - started, 1),
      results,
    };
  }

  /**
   * Repeated text collapsed to its best-ranked passage (passages with the
   * same fingerprint); with 'all', the ranking as it is.
   */
  collapse(ranked: Ranked[], repeats: RepeatsMode): Ranked[] {
    if (repeats === 'all' || ranked.length < 2) return ranked;
    const fingerprints = new Map<number, string>();
    for (let i = 0; i < ranked.length; i += 500) {
      const chunk = ranked.slice(i, i + 500).map((r) => r.id);
      const rows = this.statement(`SELECT id, fingerprint FROM passages WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as { id: number; fingerprint: string }[];
      for (const row of rows) fingerprints.set(row.id, row.fingerprint);
    }
    const candidates = ranked.flatMap((r) => {
      const fingerprint = fingerprints.get(r.id);
      return fingerprint === undefined ? [] : [{ ...r, fingerprint }];
    });
    return collapseRepeats(candidates).map(({ id, score }) => ({ id, score }));
  }

  /** The first k passages of a ranking as hits, at most perDoc from each document. */
  hits(ranked: Ranked[], k: number, perDoc: number, query: ParsedQuery | null, snippets = true): Hit[] {
    const seen = new Map<number, number>();
    const results: Hit[] = [];
    // Fetch passages a chunk at a time: usually the first chunk fills k.
    const chunk = Math.max(20, k * 2);
    for (let at = 0; at < ranked.length && results.length < k; at += chunk) {
      const slice = ranked.slice(at, at + chunk);
      const records = this.records(slice.map((r) => r.id));
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
      repeated: repeatedOf(rec, this.options.standingMinDocuments),
    };
  }

  /**
   * What the collection says about a query over time: every passage that
   * has all the query's words (stemmed), up to `limit`, and the passages
   * nearest in meaning that lack them (TIMELINE_MEANING at most), grouped
   * by the month of their document's date. Repeated text counts once, at
   * its earliest date among the matches, unless repeats is 'all'.
   */
  async timeline(req: TimelineRequest): Promise<TimelineResponse> {
    const started = performance.now();
    const query = parseQuery(req.q);
    const found = req.mode === 'semantic' ? [] : this.lexical(query, req.limit + 1, req, { operator: 'AND', prune: false, exhaustive: true });
    const words = found.slice(0, req.limit);
    const byWords = new Set(words.map((r) => r.id));
    const meaning = req.mode === 'lexical'
      ? []
      : (await this.semantic(req.q, Math.min(req.limit, TIMELINE_MEANING), req)).filter((r) => !byWords.has(r.id));
    const ranked = [...words, ...meaning].slice(0, req.limit);
    const records = this.records(ranked.map((r) => r.id));
    let entries = ranked.flatMap((r) => {
      const rec = records.get(r.id);
      return rec ? [{ rec, score: r.score, match: byWords.has(r.id) ? ('words' as const) : ('meaning' as const) }] : [];
    });
    if ((req.repeats ?? 'collapse') === 'collapse') {
      const earliestFirst = [...entries].sort((a, b) => byDate(a.rec.published_at, b.rec.published_at));
      const kept = new Set(collapseRepeats(earliestFirst.map((e) => ({ id: e.rec.id, fingerprint: e.rec.fingerprint }))).map((c) => c.id));
      entries = entries.filter((e) => kept.has(e.rec.id));
    }
    const items = entries.map((e) => ({ ...this.hit(e.rec, e.score, query), match: e.match, date: e.rec.published_at }));
    const t = bucketByMonth(items);
    const mark = (item: (typeof items)[number]): TimelineEntry => {
      const { date: _date, ...hit } = item;
      return { ...hit, is_first: item === t.first, is_latest: item === t.latest };
    };
    const mention = (item: (typeof items)[number] | null) => (item ? { passage_id: item.passage_id, date: item.date!, document_id: item.citation.document_id, title: item.citation.title } : null);
    return {
      query: req.q,
      mode: req.mode,
      took_ms: round(performance.now() - started, 1),
      total: items.length,
      by_words: items.filter((i) => i.match === 'words').length,
      truncated: found.length > req.limit,
      first: mention(t.first),
      latest: mention(t.latest),
      months: t.months.map((m) => ({ month: m.month, count: m.count, by_words: m.items.filter((i) => i.match === 'words').length, passages: m.items.map(mark) })),
      undated: t.undated.map(mark),
    };
  }

  /**
   * The passages nearest in meaning to a stored passage, in other
   * documents, leaving out copies of its own text and collapsing repeats
   * among them. Null when the passage does not exist.
   */
  async similar(passageId: number, k: number, perDoc = 1): Promise<Hit[] | null> {
    const source = this.records([passageId]).get(passageId);
    if (!source) return null;
    const model = this.kb.store.getMeta('embedder_id');
    const index = this.kb.vectors.current();
    if (!model || !index) return [];
    const row = this.statement('SELECT vector FROM embeddings WHERE passage_id = ? AND model = ?').get(passageId, model) as { vector: Buffer } | undefined;
    if (!row) return [];
    const vector = blobToVector(row.vector);
    if (!vector.some((x) => x !== 0)) return [];
    const others = this.statement('SELECT id FROM passages WHERE doc_id = ? OR fingerprint = ?').pluck().all(source.doc_id, source.fingerprint) as number[];
    const excluded = new Set(others);
    const ranked = index.search(vector, Math.max(50, k * 10), (id) => !excluded.has(id));
    return this.hits(this.collapse(ranked, 'collapse'), k, perDoc, null);
  }

  /** Every passage with the same text as this one, oldest document first (null: no such passage). */
  repeatsOf(passageId: number, limit: number): { total: number; results: Hit[] } | null {
    const source = this.records([passageId]).get(passageId);
    if (!source) return null;
    const ids = this.kb.store.repeatsOf(source.fingerprint, limit);
    const records = this.records(ids);
    const results = ids.flatMap((id) => {
      const rec = records.get(id);
      return rec ? [this.hit(rec, 0, null)] : [];
    });
    return { total: source.repeat_passages ?? 1, results };
  }

  /** Candidate passage ids, best first, before the per-document cap. */
  async rank(req: SearchRequest, query: ParsedQuery = parseQuery(req.q)): Promise<Ranked[]> {
    // Enough candidates to fill k after the per-document cap and filters.
    const depth = Math.max(50, req.k * 5);
    const lexical = req.mode === 'semantic' ? [] : this.lexical(query, depth, req);
    const semantic = req.mode === 'lexical' ? [] : await this.semantic(req.q, depth, req, req.vector);
    if (req.mode === 'lexical') return lexical;
    if (req.mode === 'semantic') return semantic;
    const fused =
      this.options.fusion === 'rrf'
        ? reciprocalRankFusion([lexical, semantic], { k: this.options.rrfK })
        : weightedFusion([lexical, semantic], [this.options.lexicalWeight, 1 - this.options.lexicalWeight]);
    return fused.map((f) => ({ id: f.id, score: f.score }));
  }

  /**
   * FTS5 bm25 over title, section and text, asked as `planLexical` decides
   * (the plain OR query unless that would score more than the budget). Each
   * MATCH runs first with its own LIMIT, filters are applied to what it
   * returns, and the limit grows only when filters leave too few.
   */
  lexical(query: ParsedQuery, depth: number, filters: Filters = {}, how: { operator?: 'OR' | 'AND'; prune?: boolean; exhaustive?: boolean } = {}): Ranked[] {
    if (how.prune === false || how.operator === 'AND') {
      const fts = toFtsQuery(query, how.operator ?? 'OR');
      return fts ? this.match(fts, depth, filters, how.exhaustive) : [];
    }
    const plan = this.plan(query);
    const any = toFtsQuery(plan.any);
    if (!plan.all) return any ? this.match(any, depth, filters, how.exhaustive) : [];
    const all = this.match(toFtsQuery(plan.all, 'AND')!, depth, filters, how.exhaustive);
    if (all.length >= depth || !any) return all;
    return coordinate(all, this.match(any, depth, filters, how.exhaustive), depth);
  }

  /** One FTS5 MATCH, best first, filtered, at most `depth`. */
  private match(fts: string, depth: number, filters: Filters, exhaustive = false): Ranked[] {
    // rank is bm25() with the column weights of BM25_WEIGHTS (set in the schema).
    const stmt = this.statement('SELECT rowid AS id, -rank AS score FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?');
    const filtered = hasFilters(filters);
    let limit = filtered ? depth * 4 : depth;
    for (;;) {
      const rows = stmt.all(fts, limit) as Ranked[];
      if (!filtered) return rows;
      const allowed = this.allowedAmong(rows.map((r) => r.id), filters);
      const kept = rows.filter((r) => allowed.has(r.id));
      if (kept.length >= depth || rows.length < limit || (limit >= 100_000 && !exhaustive)) return kept.slice(0, depth);
      limit *= 4;
    }
  }

  /** How the lexical leg will ask FTS5 for this query (see planLexical); `budget` defaults to the configured one. */
  plan(query: ParsedQuery, budget = this.options.lexicalBudget): LexicalPlan {
    const total = this.passageCount();
    const { commonWordShare, commonWordPostings } = this.options;
    // Nothing to plan where no word could be common or costly.
    if (total * commonWordShare < commonWordPostings) return { all: null, any: query, cost: 0 };
    const df = this.statement('SELECT doc FROM passages_vocab WHERE term = ?').pluck();
    const postings = (w: string) => (df.get(stemOf(w)) as number | undefined) ?? 0;
    return planLexical(query, postings, total, { commonWordShare, commonWordPostings, budget });
  }

  /** The lexical query without its common words (see planLexical, step 1). */
  withoutCommonWords(query: ParsedQuery): ParsedQuery {
    return this.plan(query, Infinity).any;
  }

  private counted = { generation: '', count: 0 };

  /** Passages stored, recounted only when the store has changed. */
  private passageCount(): number {
    const generation = this.kb.store.getMeta('vectors_generation') ?? '';
    if (generation !== this.counted.generation || !this.counted.count) {
      this.counted = { generation, count: (this.statement('SELECT count(*) AS n FROM passages').get() as { n: number }).n };
    }
    return this.counted.count;
  }

  /** HNSW k-NN with the query vector; with filters, only passages that pass them are accepted. */
  async semantic(text: string, depth: number, filters: Filters = {}, precomputed?: Float32Array): Promise<Ranked[]> {
    const embedder = this.kb.embeddings.queryEmbedder();
    const index = this.kb.vectors.current();
    if (!embedder || !index || index.size() === 0) return [];
    const vector = precomputed ?? (await embedder.embedQuery(text));
    if (!vector.some((x) => x !== 0)) return [];
    if (!hasFilters(filters)) return index.search(vector, depth);
    const allowed = this.allowed(filters);
    return index.search(vector, depth, (id) => allowed.has(id));
  }

  private embedderInfoForQuery() {
    const e = this.kb.embeddings.queryEmbedder();
    return e ? { id: e.id, dim: e.dim, builtin: e.builtin } : null;
  }

  private filterSql(filters: Filters): { where: string; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filters.from) { where.push('d.published_at >= ?'); params.push(filters.from); }
    if (filters.to) { where.push('d.published_at <= ?'); params.push(filters.to); }
    if (filters.kind) { where.push('d.kind = ?'); params.push(filters.kind); }
    if (filters.document !== undefined) { where.push('(d.id = ? OR d.parent_id = ?)'); params.push(filters.document, filters.document); }
    return { where: where.join(' AND ') || '1', params };
  }

  /** Every passage id that passes the filters. */
  private allowed(filters: Filters): Set<number> {
    const { where, params } = this.filterSql(filters);
    return new Set(this.kb.store.db.prepare(`SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE ${where}`).pluck().all(...params) as number[]);
  }

  private allowedAmong(ids: number[], filters: Filters): Set<number> {
    if (!ids.length) return new Set();
    const { where, params } = this.filterSql(filters);
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.kb.store.db
        .prepare(`SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.id IN (${chunk.map(() => '?').join(',')}) AND ${where}`)
        .pluck()
        .all(...chunk, ...params) as number[];
      for (const id of rows) out.add(id);
    }
    return out;
  }

  private readonly statements = new Map<string, Statement>();

  /** A prepared statement, prepared once per SQL text. */
  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.kb.store.db.prepare(sql);
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Passages with their documents, by id. */
  records(ids: number[]): Map<number, PassageRecord> {
    const out = new Map<number, PassageRecord>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      if (!chunk.length) break;
      const rows = this.statement(`${PASSAGE_RECORD_SQL} WHERE p.id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as PassageRecord[];
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  }
}

/** Oldest first, undated last. */
function byDate(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function hasFilters(f: Filters): boolean {
  return Boolean(f.from || f.to || f.kind || f.document !== undefined);
}

function round(x: number, digits = 6): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}
