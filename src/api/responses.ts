import { z } from 'zod';
import { DOCUMENT_KINDS, type DocumentKind } from '../store/types.js';

/**
 * The shapes of what the API (and `kb --json`) answers: the single source
 * of them. Route schemas, the OpenAPI document and the TypeScript types the
 * core returns are all made from these. JSON keys are snake_case throughout.
 */
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
export const Kind = z.enum(DOCUMENT_KINDS as [DocumentKind, ...DocumentKind[]]);
export const Mode = z.enum(['hybrid', 'semantic', 'lexical']);
export type SearchMode = z.infer<typeof Mode>;

export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), hint: z.string() }),
  })
  .describe('Every error: a stable code, what was wrong, and what to do');

export const Citation = z.object({
  document_id: z.number().int(),
  title: z.string(),
  date: isoDate.nullable(),
  page: z.number().int().nullable(),
  section: z.string().nullable(),
  start: z.number().int(),
  end: z.number().int(),
  kind: Kind,
  source: z.string(),
  url: z.string(),
  raw_url: z.string(),
  attached_to: z.object({ document_id: z.number().int(), title: z.string() }).nullable(),
  ocr: z
    .object({ confidence: z.number().int().min(0).max(100) })
    .nullable()
    .describe('The text was recognised from a scan of its page, with this mean confidence; null for a text layer'),
});

export const Repeated = z
  .object({
    documents: z.number().int().describe('Documents that carry this text'),
    passages: z.number().int(),
    first: isoDate.nullable().describe('Date of the first document that carries it'),
    last: isoDate.nullable().describe('Date of the last'),
    standing: z.boolean().describe('In enough documents to be standing text, ranked below original text'),
    url: z.string().describe('Every passage with this text'),
  })
  .nullable()
  .describe(
    'Where else the same words (ignoring case, spacing and punctuation) appear; null when in one document only',
  );

export const Match = z
  .enum(['words', 'meaning'])
  .describe(
    'words: has words of the query (for the copies of a text: the same words); meaning: none of them, but close in ' +
      'meaning (above the meaning floor; for related passages: near in meaning)',
  );

export const Hit = z.object({
  passage_id: z.number().int(),
  score: z.number(),
  match: Match,
  text: z.string().describe('The exact stored words'),
  snippet: z.string().describe('HTML: the text escaped, matched words in <mark>'),
  citation: Citation,
  repeated: Repeated,
  more_in_document: z
    .object({
      count: z.number().int().describe('Passages of this document that matched but were held back by per_doc'),
      url: z.string().describe('The page, searching this document only (the API takes the same document= filter)'),
    })
    .nullable()
    .describe('On the last hit shown from a document, when the per-document cap held back others'),
});

export const Repeats = z
  .enum(['collapse', 'all'])
  .describe(
    'collapse (default): one hit per repeated text, standing text below original text; all: every copy at its own rank',
  );

export const Corrected = z
  .object({
    query: z.string().describe('What was searched: the typed text with each change made'),
    changes: z.array(
      z.object({
        typed: z.string(),
        searched: z.array(z.string()).describe('The completions of a word being typed, or the one correction'),
        kind: z.enum(['completion', 'spelling']),
      }),
    ),
  })
  .nullable()
  .describe(
    "Words no passage has, completed (the last word typed) or corrected from the collection's own vocabulary; " +
      'null when the query was searched as typed. Ask again with as_typed=true to search exactly what was typed.',
  );
export type Corrected = z.infer<typeof Corrected>;

export const Mention = z
  .object({ passage_id: z.number().int(), date: isoDate, document_id: z.number().int(), title: z.string() })
  .nullable();
export const TimelineEntry = Hit.extend({
  match: z
    .enum(['words', 'meaning'])
    .describe('words: a mention, with every word of the query; meaning: close in meaning without them, never counted'),
  is_first: z.boolean(),
  is_latest: z.boolean(),
});
export const TimelineResponse = z.object({
  query: z.string(),
  mode: Mode,
  took_ms: z.number(),
  corrected: Corrected,
  total: z.number().int().describe('Mentions: passages with every word of the query in their text or heading'),
  truncated: z.boolean().describe('More passages have the words than the limit allowed'),
  first: Mention,
  latest: Mention,
  months: z
    .array(
      z.object({
        month: z.string().describe('YYYY-MM'),
        count: z.number().int().describe('Mentions this month'),
        passages: z.array(TimelineEntry),
      }),
    )
    .describe('Oldest first, with empty months between mentions'),
  undated: z.array(TimelineEntry).describe('Mentions in documents with no date'),
  meaning: z
    .array(TimelineEntry)
    .describe('Close in meaning but without the words (above the meaning floor), closest first; not mentions'),
  meaning_floor: z.number().nullable(),
});

export const PassageList = z.object({ passage_id: z.number().int(), total: z.number().int(), results: z.array(Hit) });

export const EmbedderRef = z.object({ id: z.string(), dim: z.number().int(), builtin: z.boolean() }).nullable();

export const SearchResponse = z.object({
  query: z.string(),
  mode: Mode,
  embedder: EmbedderRef,
  took_ms: z.number(),
  corrected: Corrected,
  meaning_floor: z
    .number()
    .nullable()
    .describe(
      "The similarity a passage without the query's words needs to be shown, measured for this embedder on this " +
        'collection; null when no meaning search ran',
    ),
  below_floor: z.number().int().describe('Candidates held back: none of the words, and too far in meaning'),
  results: z.array(Hit),
});

export const AskResponse = z.object({
  answer: z.array(z.object({ text: z.string(), cites: z.array(z.number().int()) })),
  citations: z.array(Citation.extend({ n: z.number().int(), passage_id: z.number().int(), text: z.string() })),
  corrected: Corrected,
  took_ms: z.number(),
});

export const DocumentMeta = z.object({
  id: z.number().int(),
  source_id: z.string(),
  kind: Kind,
  mime: z.string(),
  title: z.string(),
  published_at: isoDate.nullable(),
  author: z.string().nullable(),
  source_url: z.string().nullable(),
  file_name: z.string(),
  parent_id: z.number().int().nullable(),
  pages: z.number().int().nullable(),
  bytes: z.number().int(),
  ingested_at: z.string(),
  updated_at: z.string(),
});

export const DocumentList = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  documents: z.array(DocumentMeta.extend({ passages: z.number().int().describe('Passages stored from it') })),
});

export const DocumentFull = z.object({
  document: DocumentMeta,
  parent: DocumentMeta.nullable(),
  attachments: z.array(DocumentMeta),
  text: z.string(),
  passages: z.array(
    z.object({
      id: z.number().int(),
      ord: z.number().int(),
      start: z.number().int(),
      end: z.number().int(),
      page: z.number().int().nullable(),
      section: z.string().nullable(),
      text: z.string(),
    }),
  ),
});

export const IngestResult = z.object({
  source_id: z.string(),
  document_id: z.number().int().nullable(),
  status: z
    .enum(['added', 'updated', 'unchanged', 'failed', 'skipped'])
    .describe('skipped: not fetched on purpose (robots.txt, a limit), with the reason in error'),
  title: z.string().nullable(),
  published_at: isoDate.nullable(),
  kind: Kind.nullable(),
  passages: z.number().int(),
  parent_id: z.number().int().nullable().optional(),
  file: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string() }).optional(),
  ocr: z
    .object({
      pages: z.number().int().describe('Pages whose text was recognised from a scan'),
      confidence: z.number().int().describe('Their mean confidence, 0–100'),
      unreadable: z.array(z.object({ page: z.number().int(), reason: z.string() })),
    })
    .optional()
    .describe('Only for documents with scanned pages'),
  notes: z.array(z.string()).optional().describe('What was not read, and why (attachments that are pictures, …)'),
});

export const UploadResponse = z.object({
  results: z.array(IngestResult),
  summary: z.object({
    files: z.number().int(),
    added: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    passages: z.number().int(),
  }),
});

export const Stats = z.object({
  documents: z.number().int(),
  passages: z.number().int(),
  pages: z.number().int(),
  bytes: z.number().int(),
  by_kind: z.record(z.string(), z.number().int()),
  date_range: z.object({ from: isoDate.nullable(), to: isoDate.nullable() }),
  embedder: z
    .object({ id: z.string(), dim: z.number().int(), builtin: z.boolean(), description: z.string() })
    .nullable(),
});

export const Health = z.object({
  status: z.enum(['ok']),
  embedder: z
    .object({ id: z.string(), dim: z.number().int(), builtin: z.boolean(), description: z.string() })
    .nullable(),
  counts: z.object({ documents: z.number().int(), passages: z.number().int(), vectors: z.number().int() }),
  index: z.object({
    embedder: z.string().nullable(),
    count: z.number().int(),
    opened: z.string(),
    reason: z.string().optional(),
  }),
  writes: z.enum(['token', 'loopback-only']),
  /** A demo of fictional documents (`kb demo`, `npm start`), not a real record. */
  demo: z.boolean(),
});

export type ErrorBody = z.infer<typeof ErrorBody>;
export type Citation = z.infer<typeof Citation>;
export type Repeated = NonNullable<z.infer<typeof Repeated>>;
export type Hit = z.infer<typeof Hit>;
export type RepeatsMode = z.infer<typeof Repeats>;
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export type Mention = NonNullable<z.infer<typeof Mention>>;
export type TimelineResponse = z.infer<typeof TimelineResponse>;
export type SearchResponse = z.infer<typeof SearchResponse>;
export type PassageList = z.infer<typeof PassageList>;
export type AskResponse = z.infer<typeof AskResponse>;
export type IngestResult = z.infer<typeof IngestResult>;
export type IngestStatus = IngestResult['status'];
export type UploadResponse = z.infer<typeof UploadResponse>;
export type IngestSummary = UploadResponse['summary'];
export type Stats = z.infer<typeof Stats>;
export type Health = z.infer<typeof Health>;
