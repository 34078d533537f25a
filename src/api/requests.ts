import { z } from 'zod';
import { isoDate, Kind, Mode, Repeats } from './responses.js';

/**
 * What a search, a timeline, an answer or a listing may ask for: the one
 * definition, used by the HTTP routes (query strings and bodies) and by the
 * CLI (its options, checked the same way), with the limits of the
 * configuration. Names are the API's (snake_case).
 */
export interface RequestLimits {
  maxK: number;
  maxTimeline: number;
}

export function filterFields() {
  return {
    from: isoDate.optional().describe('Published on or after'),
    to: isoDate.optional().describe('Published on or before'),
    kind: Kind.optional(),
    document: z.coerce.number().int().positive().optional().describe('Only this document (and its attachments)'),
  };
}

const query = () => z.string().trim().min(1, 'type something to search for');

/** A yes/no query-string option: true, false, 1 or 0. */
const flag = () =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .transform((v) => v === true || v === 'true' || v === '1')
    .default(false);

const asTyped = () =>
  flag().describe('Search exactly the words typed: no completion of the last word, no correction of typos');

export function requestSchemas(limits: RequestLimits) {
  const k = (fallback: number) => z.coerce.number().int().min(1).max(limits.maxK).default(fallback);
  const timelineLimit = z.coerce
    .number()
    .int()
    .min(1)
    .max(limits.maxTimeline)
    .default(Math.min(200, limits.maxTimeline));
  return {
    search: z.object({
      q: query(),
      k: k(10),
      mode: Mode.default('hybrid'),
      per_doc: k(3).describe('At most this many passages per document'),
      repeats: Repeats.default('collapse'),
      as_typed: asTyped(),
      ...filterFields(),
    }),
    timeline: z.object({
      q: query(),
      mode: Mode.default('hybrid'),
      limit: timelineLimit,
      repeats: Repeats.default('collapse'),
      as_typed: asTyped(),
      ...filterFields(),
    }),
    ask: z.object({
      question: z.string().trim().min(1, 'ask a question'),
      k: z.number().int().min(1).max(limits.maxK).default(5),
      filters: z.object(filterFields()).default({}),
      as_typed: asTyped(),
    }),
    documents: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      offset: z.coerce.number().int().min(0).default(0),
      kind: Kind.optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
    }),
    repeats: z.object({ limit: timelineLimit }),
    feed: z.object({
      q: query(),
      since: isoDate.optional().describe('Only passages published on or after (the same as from)'),
      as_typed: asTyped(),
      ...filterFields(),
    }),
    briefing: z.object({
      title: z.string().trim().max(200).default('Briefing'),
      format: z.enum(['docx', 'md']).default('docx'),
      items: z
        .array(
          z.object({
            passage_id: z.number().int().positive(),
            note: z.string().max(2_000).optional(),
            text: z.string().max(20_000).optional().describe('The sentences chosen from the passage (its own words)'),
          }),
        )
        .min(1, 'add at least one quote')
        .max(200),
    }),
    similar: z.object({
      k: k(5),
      per_doc: k(1).describe('At most this many passages per document'),
    }),
  };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;
export type SearchQuery = z.infer<RequestSchemas['search']>;
export type TimelineQuery = z.infer<RequestSchemas['timeline']>;
export type AskBody = z.infer<RequestSchemas['ask']>;
export type BriefingBody = z.infer<RequestSchemas['briefing']>;
export type FeedQuery = z.infer<RequestSchemas['feed']>;
export type DocumentsQuery = z.infer<RequestSchemas['documents']>;

/** A passage or document id in a route. */
export const IdParams = z.object({ id: z.coerce.number().int().positive() });

/** A search request as the core takes it (camelCase, filters flat). */
export function searchRequestOf(req: SearchQuery) {
  return {
    q: req.q,
    k: req.k,
    mode: req.mode,
    perDoc: req.per_doc,
    repeats: req.repeats,
    asTyped: req.as_typed,
    from: req.from,
    to: req.to,
    kind: req.kind,
    document: req.document,
  };
}

/** A timeline request as the core takes it. */
export function timelineRequestOf(req: TimelineQuery) {
  return {
    q: req.q,
    mode: req.mode,
    limit: req.limit,
    repeats: req.repeats,
    asTyped: req.as_typed,
    from: req.from,
    to: req.to,
    kind: req.kind,
    document: req.document,
  };
}
