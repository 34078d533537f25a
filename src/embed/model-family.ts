import fs from 'node:fs';
import path from 'node:path';

/**
 * How a sentence-embedding model must be run: the pooling it was trained
 * with and the prefixes its queries and passages carry. From the model's
 * own sentence-transformers files when the folder has them
 * (1_Pooling/config.json, config_sentence_transformers.json, and the
 * length it was trained on from sentence_bert_config.json), else from its
 * family, as the model cards state:
 *
 *   bge (BAAI)      CLS pooling; queries prefixed "Represent this sentence for searching relevant passages: " (English)
 *   e5 (intfloat)   mean pooling; "query: " and "passage: "
 *   nomic-embed     mean pooling; "search_query: " and "search_document: "
 *   gte, MiniLM, mpnet and others: mean pooling, no prefix
 *
 * Settings (KB_POOLING, KB_QUERY_INSTRUCTION, KB_PASSAGE_PREFIX) win over both. Pure but for reading the two files.
 */
export type Pooling = 'cls' | 'mean';

export interface ModelSettings {
  pooling: Pooling;
  queryPrefix: string;
  passagePrefix: string;
  /**
   * The tokens the model was trained to read, when its sentence_bert_config.json
   * says (all-MiniLM-L6-v2: 256, under a position table of 512); else the tokenizer's limit applies.
   */
  maxTokens: number | null;
  /** Where the settings came from, for `kb model status` and the logs. */
  source: 'model files' | 'model family' | 'default';
}

export interface SettingOverrides {
  pooling?: Pooling | 'auto';
  queryPrefix?: string;
  passagePrefix?: string;
}

/** The instruction bge English models expect before a search query. */
export const BGE_QUERY_INSTRUCTION = 'Represent this sentence for searching relevant passages: ';

interface Family {
  test: RegExp;
  pooling: Pooling;
  queryPrefix: string;
  passagePrefix: string;
}

const FAMILIES: Family[] = [
  { test: /bge-(small|base|large)-en/i, pooling: 'cls', queryPrefix: BGE_QUERY_INSTRUCTION, passagePrefix: '' },
  { test: /(^|[/_-])bge-/i, pooling: 'cls', queryPrefix: '', passagePrefix: '' },
  { test: /(^|[/_-])e5-/i, pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  { test: /nomic-embed/i, pooling: 'mean', queryPrefix: 'search_query: ', passagePrefix: 'search_document: ' },
];

/** The family's settings for a model id or folder name, or null when its family is not known. */
export function familySettings(model: string): Omit<ModelSettings, 'source' | 'maxTokens'> | null {
  const name = model.replace(/\\/g, '/');
  const family = FAMILIES.find((f) => f.test.test(name));
  return family
    ? { pooling: family.pooling, queryPrefix: family.queryPrefix, passagePrefix: family.passagePrefix }
    : null;
}

const readJson = (file: string): Record<string, unknown> | null => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
};

/** What the folder's sentence-transformers files say, where they exist. */
export function fileSettings(dir: string): Partial<Omit<ModelSettings, 'source'>> {
  const out: Partial<Omit<ModelSettings, 'source'>> = {};
  const pooling = readJson(path.join(dir, '1_Pooling', 'config.json'));
  if (pooling?.pooling_mode_cls_token === true) out.pooling = 'cls';
  else if (pooling?.pooling_mode_mean_tokens === true) out.pooling = 'mean';
  const bert = readJson(path.join(dir, 'sentence_bert_config.json'));
  if (typeof bert?.max_seq_length === 'number' && bert.max_seq_length > 0) out.maxTokens = bert.max_seq_length;
  const st = readJson(path.join(dir, 'config_sentence_transformers.json'));
  const prompts = st?.prompts as Record<string, unknown> | undefined;
  if (prompts && typeof prompts === 'object') {
    if (typeof prompts.query === 'string') out.queryPrefix = prompts.query;
    const passage = prompts.passage ?? prompts.document ?? prompts.search_document;
    if (typeof passage === 'string') out.passagePrefix = passage;
  }
  return out;
}

/** The settings a model runs with: the settings given, then its files, then its family, then mean and no prefix. */
export function modelSettings(model: string, dir: string, overrides: SettingOverrides = {}): ModelSettings {
  const { maxTokens, ...files } = fileSettings(dir);
  const family = familySettings(model);
  const source: ModelSettings['source'] = Object.keys(files).length
    ? 'model files'
    : family
      ? 'model family'
      : 'default';
  const pick = <K extends 'pooling' | 'queryPrefix' | 'passagePrefix'>(key: K, fallback: ModelSettings[K]) =>
    (files[key] ?? family?.[key] ?? fallback) as ModelSettings[K];

  return {
    pooling: overrides.pooling && overrides.pooling !== 'auto' ? overrides.pooling : pick('pooling', 'mean'),
    queryPrefix: overrides.queryPrefix ?? pick('queryPrefix', ''),
    passagePrefix: overrides.passagePrefix ?? pick('passagePrefix', ''),
    maxTokens: maxTokens ?? null,
    source,
  };
}
