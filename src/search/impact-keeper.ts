import type { Logger } from '../log.js';
import type { ImpactState } from '../store/impact-rows.js';
import { BM25_WEIGHTS } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { stemsOf } from '../text/terms.js';
import { bandOf, decodePostings, encodePostings, passageLevels } from './impacts.js';

export interface ImpactOptions {
  /** Collections smaller than this have no impact index (FTS5 alone is quick there). */
  minPassages: number;
}

/** Passages read and tokenised at a time. */
const READ = 2_000;
/** Passages whose postings are written as one group (fewer, larger rows). */
const GROUP = 20_000;
/** Ids in one stored chunk: a traversal reads at most this many past its budget. */
export const CHUNK = 4_096;

/**
 * Keeps the impact index (see impacts.ts) in step with the passages, in the
 * writer, after each write: new passages are indexed; it is built again from
 * scratch when a quarter of what it indexed has been deleted, when the
 * collection has doubled since it was built (the impacts were computed with
 * that collection's mean passage length), or when writes in small batches
 * have made its rows four times as many as a build would. Until it covers
 * every passage, the lexical leg uses FTS5 alone.
 */
export class ImpactKeeper {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly options: ImpactOptions;

  constructor(store: Store, log: Logger, options: ImpactOptions) {
    this.store = store;
    this.log = log;
    this.options = options;
  }

  /** Brings the index up to date; returns the passages indexed. */
  catchUp(): number {
    const { store } = this;
    const rows = store.impacts;
    const count = store.passages.count();
    let state = rows.state();
    if (!state && count < this.options.minPassages) return 0;
    if (state && count < this.options.minPassages / 2) {
      store.transaction(() => rows.drop());
      return 0;
    }
    const why = state ? this.staleBecause(state, count) : 'it is built for the first time';
    if (why) {
      const averageLength = store.passages.averageLength();
      state = { upTo: 0, passages: 0, postings: 0, averageLength, builtWith: count, rows: 0, compactRows: 0 };
      const fresh = state;
      store.transaction(() => {
        rows.clear();
        rows.setState(fresh);
      });
      this.log.info(`impact index: building it again over ${count} passages (${why})`);
    } else if (store.impacts.anyChanged()) state = this.replaceChanged(state!);
    const indexed = this.indexFrom(state!);
    if (why) {
      const built = rows.state()!;
      store.transaction(() => rows.setState({ ...built, compactRows: built.rows }));
    }
    return indexed;
  }

  private staleBecause(state: ImpactState, count: number): string | null {
    const rows = this.store.impacts;
    const dead = state.passages - rows.livingUpTo(state.upTo);
    if (dead > state.passages / 4) return `${dead} of the ${state.passages} passages it indexed are deleted`;
    if (count > state.builtWith * 2) return `the collection has grown from ${state.builtWith} to ${count} passages`;
    if (state.rows > Math.max(10_000, state.compactRows * 4)) return `${state.rows} rows from many small writes`;
    return null;
  }

  /**
   * Passages whose indexed columns changed in place (a kept passage under a
   * new heading): their postings for the terms they had are taken out, and
   * postings for what they have now put in, in one transaction.
   */
  private replaceChanged(initial: ImpactState): ImpactState {
    const { store } = this;
    const rows = store.impacts;
    let state = initial;
    store.transaction(() => {
      const changed = rows.changed();
      const old = new Map<string, Set<number>>();
      for (const p of changed)
        for (const term of passageLevels(this.columnsOf(p), BM25_WEIGHTS, 1).keys()) {
          let ids = old.get(term);
          if (!ids) old.set(term, (ids = new Set()));
          ids.add(p.id);
        }
      let removed = 0;
      let emptied = 0;
      for (const [term, ids] of old)
        for (const row of rows.rowsOf(term)) {
          const kept: number[] = [];
          const levels: number[] = [];
          let total = 0;
          decodePostings(row.ids, (id, level) => {
            total++;
            if (!ids.has(id)) (kept.push(id), levels.push(level));
          });
          if (kept.length === total) continue;
          removed += total - kept.length;
          if (!kept.length) emptied++;
          rows.rewrite(row.id, kept.length, encodePostings(kept, levels));
        }
      let added = 0;
      for (const { id } of changed) {
        const now = rows.passage(id);
        if (!now) continue;
        for (const [term, level] of passageLevels(this.columnsOf(now), BM25_WEIGHTS, state.averageLength)) {
          rows.insert(term, bandOf(level), 1, encodePostings([id], [level]));
          added++;
        }
      }
      rows.clearChanged();
      state = { ...state, postings: state.postings - removed + added, rows: state.rows - emptied + added };
      rows.setState(state);
    });
    return state;
  }

  private columnsOf(p: { title: string; section: string | null; text: string }): string[][] {
    return [p.title, p.section ?? '', p.text].map(stemsOf);
  }

  /** Indexes the passages after state.upTo, a group at a time, each group in one transaction. */
  private indexFrom(initial: ImpactState): number {
    const { store } = this;
    const rows = store.impacts;
    let state = initial;
    let indexed = 0;
    for (;;) {
      // Per term, per band: the passages and their levels.
      const postings = new Map<string, { ids: number[]; levels: number[] }[]>();
      let upTo = state.upTo;
      let passages = 0;
      while (passages < GROUP) {
        const batch = store.read(() => rows.passagesAfter(upTo, READ));
        if (!batch.length) break;
        for (const p of batch) {
          const columns = this.columnsOf(p);
          for (const [term, level] of passageLevels(columns, BM25_WEIGHTS, state.averageLength)) {
            let bands = postings.get(term);
            if (!bands) postings.set(term, (bands = []));
            const band = (bands[bandOf(level)] ??= { ids: [], levels: [] });
            band.ids.push(p.id);
            band.levels.push(level);
          }
        }
        passages += batch.length;
        upTo = batch[batch.length - 1]!.id;
      }
      if (!passages) return indexed;
      let written = 0;
      let stored = 0;
      store.transaction(() => {
        for (const [term, bands] of postings)
          bands.forEach(({ ids, levels }, band) => {
            for (let i = 0; i < ids.length; i += CHUNK) {
              const chunk = ids.slice(i, i + CHUNK);
              rows.insert(term, band, chunk.length, encodePostings(chunk, levels.slice(i, i + CHUNK)));
              written++;
            }
            stored += ids.length;
          });
        state = { ...state, upTo, passages: state.passages + passages, postings: state.postings + stored };
        state.rows += written;
        rows.setState(state);
      });
      indexed += passages;
    }
  }
}
