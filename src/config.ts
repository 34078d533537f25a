import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { INTAKE_ENV_NAMES, INTAKE_SETTINGS } from './config-intake.js';
import { KbError } from './errors.js';

/**
 * The one configuration schema. It is parsed once at start-up from the
 * environment plus command-line overrides; nothing else reads process.env.
 */
const intFromEnv = (min: number) => z.coerce.number().int().min(min);
const boolFromEnv = z
  .union([z.boolean(), z.string()])
  .transform((v) => (typeof v === 'boolean' ? v : ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())));

export const ConfigSchema = z.object({
  /** Folder holding the database, the vector index, models and stored originals. */
  dataDir: z.string().min(1).default('./data'),
  /** Largest file accepted for ingestion, in bytes. */
  maxFileBytes: intFromEnv(1).default(50 * 1024 * 1024),
  /** Longest a single document may take to parse before it is abandoned. */
  parseTimeoutMs: intFromEnv(100).default(60_000),
  /** Largest PDF accepted, in pages. */
  maxPdfPages: intFromEnv(1).default(2_000),
  /** Read pages that have no text layer (scans) by OCR: auto, or off to refuse them. */
  ocr: z.enum(['auto', 'off']).default('auto'),
  /** At most this many pages of one document are recognised (each takes a second or two). */
  ocrMaxPages: intFromEnv(1).default(50),
  /** Time limit for recognising one page. */
  ocrPageTimeoutMs: intFromEnv(1_000).default(15_000),
  /** Memory ceiling for the parsing workers (PDF, DOCX), in MiB. */
  parseMemoryMb: intFromEnv(64).default(1_024),
  /** Deepest HTML nesting read (real pages nest a few dozen levels). */
  maxHtmlDepth: intFromEnv(10).default(5_000),
  /** Most a DOCX may unpack to (its text parts), in bytes: stops zip bombs. */
  maxUnpackedBytes: intFromEnv(1_024).default(200 * 1024 * 1024),
  /** Passage size, in words. */
  passageMinWords: intFromEnv(1).default(80),
  passageTargetWords: intFromEnv(1).default(180),
  passageMaxWords: intFromEnv(1).default(300),
  /** Which embedder: a transformers.js model when one is installed (auto), or forced. */
  embedder: z.enum(['auto', 'builtin', 'transformers']).default('auto'),
  /** Model id, or a local model folder. */
  model: z.string().min(1).default('Xenova/bge-small-en-v1.5'),
  /** Where downloaded and imported models live (default: <data>/models). */
  modelsDir: z.string().min(1).optional(),
  /** Never download models. */
  offline: boolFromEnv.default(false),
  /** Where models are downloaded from (a mirror or proxy may stand in for the Hugging Face hub). */
  modelHost: z.string().url().default('https://huggingface.co/'),
  /** After a failed download, hours before a command tries again (0: every command tries). */
  modelRetryHours: z.coerce.number().min(0).default(24),
  /** The model revision downloaded: a branch, tag or commit (a commit pins exactly what is installed). */
  modelRevision: z.string().min(1).default('main'),
  /** Use the quantized ONNX file (onnx/model_quantized.onnx). */
  quantized: boolFromEnv.default(true),
  /** Query instruction for the model (default: bge's instruction for bge models, else none). */
  queryInstruction: z.string().optional(),
  /** Prefix for passages (default: the model's files or family, e.g. "passage: " for e5). */
  passagePrefix: z.string().optional(),
  /** Pooling: auto (the model's files or family: CLS for bge, else mean), cls or mean. */
  pooling: z.enum(['auto', 'cls', 'mean']).default('auto'),
  /** onnxruntime threads for embedding (1 leaves the other cores to searches; more on a machine that only ingests). */
  embedThreads: intFromEnv(1).max(64).default(1),
  /** The server embeds queries in a process of their own, so they never wait for passages being embedded. */
  queryProcess: boolFromEnv.default(true),
  /** Passages embedded per call. */
  embedBatch: intFromEnv(1).default(32),
  /** HNSW search breadth (recall against speed): a number, or auto (by the collection's size, see efForSize). */
  hnswEf: z.union([z.literal('auto'), intFromEnv(10)]).default('auto'),
  /** HNSW graph degree (recall against build time and size; applies when the index is next built). */
  hnswM: intFromEnv(4).max(128).default(48),
  /** HNSW build breadth (graph quality against build time; applies when the index is next built). */
  hnswEfConstruction: intFromEnv(10).default(300),
  /** Postings a lexical OR query may score before search asks for passages with all the words first. */
  lexicalBudget: intFromEnv(1_000).default(100_000),
  /** Collections of at least this many passages get an impact index beside FTS5 (0: every collection). */
  impactMinPassages: intFromEnv(0).default(50_000),
  /** Postings the impact index reads for a query of free words, at most (0: FTS5 always). */
  impactBudget: intFromEnv(0).default(50_000),
  /** Pseudo-relevance feedback (RM3): the first passages found that lend their words to the query (0 = off). */
  feedbackDocs: intFromEnv(0).max(100).default(10),
  /** Pseudo-relevance feedback: the words added to the query from those passages (0 = off). */
  feedbackTerms: intFromEnv(0).max(200).default(20),
  /** Pseudo-relevance feedback: the weight of the query as typed against the added words (1 = feedback off). */
  feedbackWeight: z.coerce.number().min(0).max(1).default(0.5),
  /** The knowledge base is the demo of fictional samples (`kb demo`): the page says so. */
  demo: boolFromEnv.default(false),
  /** Where `kb serve` listens. */
  host: z.string().min(1).default('127.0.0.1'),
  port: intFromEnv(0).max(65535).default(3000),
  /** Origins allowed to call the API from other sites' pages (CORS); none by default. */
  corsOrigins: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(z.string().url('each origin must be a URL such as https://intranet.example')).default([]),
  ),
  /** Other names the service answers to (the Host header), comma-separated; its listen address and localhost always. */
  allowedHosts: z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z
      .array(z.string().regex(/^[\w.:\[\]-]+$/, 'each must be a host name or address such as kb.council.example'))
      .default([]),
  ),
  /** Bearer token required by write routes (upload, delete); unset = writes open on loopback only. */
  apiToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Longest query accepted, in characters. */
  maxQueryChars: intFromEnv(1).default(1_000),
  /** Largest k (results) a search may ask for. */
  maxK: intFromEnv(1).default(100),
  /** Largest JSON request body, in bytes. */
  maxBodyBytes: intFromEnv(1_024).default(1024 * 1024),
  /** Passages a timeline lists at most. */
  maxTimeline: intFromEnv(1).default(1_000),
  /** Text found in at least this many documents is standing text: collapsed and ranked below original text. */
  repeatMinDocuments: intFromEnv(2).default(3),
  /** Files per upload request. */
  maxUploadFiles: intFromEnv(1).default(20),
  /** Requests per minute per client: reads (search, ask, documents) and writes (upload, delete). */
  rateLimitReads: intFromEnv(1).default(1_200),
  rateLimitWrites: intFromEnv(1).default(60),
  /** Search workers of `kb serve` (threads answering searches, each with its own copy of the index). */
  searchWorkers: intFromEnv(1).max(64).default(os.availableParallelism()),
  /** Searches that may wait for a free worker; past it the server answers 503 SEARCH_BUSY at once. */
  searchQueue: intFromEnv(0).default(64),
  /** Heap ceiling of each search worker, in MiB (a query that needs more fails alone). */
  searchMemoryMb: intFromEnv(64).default(2_048),
  /** How long requests in flight may run once the server is told to stop (SIGTERM, Ctrl+C), in ms. */
  shutdownGraceMs: intFromEnv(0).default(10_000),
  /** Emit machine-readable output. */
  json: boolFromEnv.default(false),
  /** Log level on stderr. */
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ...INTAKE_SETTINGS,
});

export type Config = z.infer<typeof ConfigSchema> & { modelsDir: string };

/**
 * Every default, from the schema: the one place defaults are written.
 * Components that can be used without a configuration (tests, tools) take
 * theirs from here through the narrow option builders below.
 */
export const DEFAULTS: Readonly<z.infer<typeof ConfigSchema>> = ConfigSchema.parse({});

type Settings = Pick<z.infer<typeof ConfigSchema>, keyof z.infer<typeof ConfigSchema>>;

/** What the loaders need: the parse limits. */
export function loaderLimits(
  c: Pick<
    Settings,
    | 'ocr'
    | 'ocrMaxPages'
    | 'ocrPageTimeoutMs'
    | 'parseTimeoutMs'
    | 'maxPdfPages'
    | 'parseMemoryMb'
    | 'maxHtmlDepth'
    | 'maxUnpackedBytes'
  >,
) {
  return {
    ocr: c.ocr === 'auto',
    ocrMaxPages: c.ocrMaxPages,
    ocrPageTimeoutMs: c.ocrPageTimeoutMs,
    parseTimeoutMs: c.parseTimeoutMs,
    maxPdfPages: c.maxPdfPages,
    parseMemoryMb: c.parseMemoryMb,
    maxHtmlDepth: c.maxHtmlDepth,
    maxUnpackedBytes: c.maxUnpackedBytes,
  };
}

/** What the splitter needs: passage sizes in words. */
export function splitOptions(c: Settings) {
  return { minWords: c.passageMinWords, targetWords: c.passageTargetWords, maxWords: c.passageMaxWords };
}

/** What the vector index needs: HNSW's parameters. */
export function hnswOptions(c: Settings) {
  return { efSearch: c.hnswEf, m: c.hnswM, efConstruction: c.hnswEfConstruction };
}

/** Environment variable for each setting. */
const ENV_NAMES: Record<keyof Config, string> = {
  dataDir: 'KB_DATA_DIR',
  maxFileBytes: 'KB_MAX_FILE_BYTES',
  parseTimeoutMs: 'KB_PARSE_TIMEOUT_MS',
  maxPdfPages: 'KB_MAX_PDF_PAGES',
  ocr: 'KB_OCR',
  ocrMaxPages: 'KB_OCR_MAX_PAGES',
  ocrPageTimeoutMs: 'KB_OCR_PAGE_TIMEOUT_MS',
  parseMemoryMb: 'KB_PARSE_MEMORY_MB',
  maxHtmlDepth: 'KB_MAX_HTML_DEPTH',
  maxUnpackedBytes: 'KB_MAX_UNPACKED_BYTES',
  passageMinWords: 'KB_PASSAGE_MIN_WORDS',
  passageTargetWords: 'KB_PASSAGE_TARGET_WORDS',
  passageMaxWords: 'KB_PASSAGE_MAX_WORDS',
  embedder: 'KB_EMBEDDER',
  model: 'KB_MODEL',
  modelsDir: 'KB_MODELS_DIR',
  offline: 'KB_OFFLINE',
  modelHost: 'KB_MODEL_HOST',
  modelRetryHours: 'KB_MODEL_RETRY_HOURS',
  modelRevision: 'KB_MODEL_REVISION',
  quantized: 'KB_QUANTIZED',
  queryInstruction: 'KB_QUERY_INSTRUCTION',
  passagePrefix: 'KB_PASSAGE_PREFIX',
  pooling: 'KB_POOLING',
  embedThreads: 'KB_EMBED_THREADS',
  embedBatch: 'KB_EMBED_BATCH',
  queryProcess: 'KB_QUERY_PROCESS',
  hnswEf: 'KB_HNSW_EF',
  hnswM: 'KB_HNSW_M',
  hnswEfConstruction: 'KB_HNSW_EF_CONSTRUCTION',
  lexicalBudget: 'KB_LEXICAL_BUDGET',
  impactMinPassages: 'KB_IMPACT_MIN_PASSAGES',
  impactBudget: 'KB_IMPACT_BUDGET',
  feedbackDocs: 'KB_FEEDBACK_DOCS',
  feedbackTerms: 'KB_FEEDBACK_TERMS',
  feedbackWeight: 'KB_FEEDBACK_WEIGHT',
  demo: 'KB_DEMO',
  host: 'KB_HOST',
  port: 'KB_PORT',
  apiToken: 'KB_API_TOKEN',
  corsOrigins: 'KB_CORS_ORIGINS',
  allowedHosts: 'KB_ALLOWED_HOSTS',
  maxQueryChars: 'KB_MAX_QUERY_CHARS',
  maxK: 'KB_MAX_K',
  maxBodyBytes: 'KB_MAX_BODY_BYTES',
  maxUploadFiles: 'KB_MAX_UPLOAD_FILES',
  maxTimeline: 'KB_MAX_TIMELINE',
  repeatMinDocuments: 'KB_REPEAT_MIN_DOCUMENTS',
  rateLimitReads: 'KB_RATE_LIMIT_READS',
  rateLimitWrites: 'KB_RATE_LIMIT_WRITES',
  shutdownGraceMs: 'KB_SHUTDOWN_GRACE_MS',
  searchWorkers: 'KB_SEARCH_WORKERS',
  searchQueue: 'KB_SEARCH_QUEUE',
  searchMemoryMb: 'KB_SEARCH_MEMORY_MB',
  json: 'KB_JSON',
  logLevel: 'KB_LOG_LEVEL',
  ...INTAKE_ENV_NAMES,
};

export function envName(key: keyof Config): string {
  return ENV_NAMES[key];
}

/**
 * Builds the configuration: environment first, then explicit overrides
 * (command-line options, test settings). Undefined overrides are ignored.
 */
export function loadConfig(
  env: Record<string, string | undefined> = {},
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => {
        const key = issue.path.join('.') as keyof Config;
        return `${key} (${ENV_NAMES[key] ?? key}): ${issue.message}`;
      })
      .join('; ');
    throw new KbError('INVALID_CONFIG', { detail });
  }
  const config = parsed.data;
  if (!(config.passageMinWords <= config.passageTargetWords && config.passageTargetWords <= config.passageMaxWords)) {
    throw new KbError('INVALID_CONFIG', {
      detail: 'passage sizes must satisfy min <= target <= max words',
    });
  }
  const dataDir = path.resolve(config.dataDir);
  return { ...config, dataDir, modelsDir: path.resolve(config.modelsDir ?? path.join(dataDir, 'models')) };
}
