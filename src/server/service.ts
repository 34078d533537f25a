import type { AskBody, DocumentsQuery, SearchQuery, TimelineQuery } from '../api/requests.js';
import type { AskResponse, Hit, SearchResponse, TimelineResponse } from '../api/responses.js';
import type { Encoded } from '../api/encoded.js';
import type { KnowledgeBase } from '../knowledge-base.js';

type Awaitable<T> = T | Promise<T>;
type Of<K extends keyof KnowledgeBase> = KnowledgeBase[K] extends (...args: infer A) => infer R
  ? (...args: A) => Awaitable<Awaited<R>>
  : never;

/**
 * What the HTTP routes ask of the knowledge base. The knowledge base itself
 * is one (tests serve it in-process); `kb serve` puts a pool of search
 * workers and a writer in front of it with the same operations.
 */
export interface KnowledgeService {
  /** The heavy reads may come back already written as JSON (from a search worker). */
  search(req: SearchQuery): Promise<SearchResponse | Encoded<SearchResponse>>;
  timeline(req: TimelineQuery): Promise<TimelineResponse | Encoded<TimelineResponse>>;
  ask(body: AskBody): Promise<AskResponse | Encoded<AskResponse>>;
  similar(passageId: number, k: number, perDoc: number): Awaitable<Hit[] | null>;
  repeats: Of<'repeats'>;
  quotes: Of<'quotes'>;
  documents(query: DocumentsQuery): Awaitable<ReturnType<KnowledgeBase['documents']>>;
  document: Of<'document'>;
  original: Of<'original'>;
  stats: Of<'stats'>;
  health: Of<'health'>;
  upload: Of<'upload'>;
  fetchWeb: Of<'fetchWeb'>;
  delete: Of<'delete'>;
  close(graceMs?: number): Promise<void>;
}
