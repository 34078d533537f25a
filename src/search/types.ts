import type { RepeatsMode, SearchMode } from '../api/responses.js';
import type { Filters } from '../store/passage-reads.js';

export type { Filters } from '../store/passage-reads.js';
export type {
  Citation,
  Hit,
  Repeated,
  RepeatsMode,
  SearchMode,
  SearchResponse,
  Corrected,
  TimelineEntry,
  TimelineResponse,
} from '../api/responses.js';

/** A search as the core takes it (the API's query string, parsed and checked). */
export interface SearchRequest extends Filters {
  q: string;
  k: number;
  mode: SearchMode;
  /** At most this many passages per document. */
  perDoc: number;
  /** A query vector computed beforehand (benchmarks measure search without the embedding). */
  vector?: Float32Array;
  /** Build snippets (default true; evaluation and benchmarks skip them). */
  snippets?: boolean;
  /** Default 'collapse'. */
  repeats?: RepeatsMode;
  /** Search exactly the words typed: no completion, no correction. */
  asTyped?: boolean;
}

export interface TimelineRequest extends Filters {
  q: string;
  mode: SearchMode;
  /** Passages at most. */
  limit: number;
  repeats?: RepeatsMode;
  asTyped?: boolean;
}
