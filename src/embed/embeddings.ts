import type { Config } from '../config.js';
import { KbError, toKbError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { BUILTIN_FAMILY, BuiltinEmbedder } from './builtin.js';
import { vectorToBlob, type Embedder } from './embedder.js';
import { deserialiseLsa, fitLsa, serialiseLsa, type LsaModel } from './lsa/lsa-model.js';
import { isModelInstalled, locateModel } from './model-files.js';
import { TransformersEmbedder, defaultQueryInstruction } from './transformers.js';

/** The embedder kind recorded in the store: 'builtin', or a transformers embedder's id. */
export type EmbedderKind = string;

export interface EmbedderInfo {
  id: string;
  dim: number;
  description: string;
  builtin: boolean;
}

export interface SyncReport {
  embedded: number;
  /** The built-in embedder was (re)fitted, so every vector was recomputed. */
  refitted: boolean;
  switched: boolean;
}

/** The built-in embedder is fitted on at most this many passages (a random sample beyond). */
const FIT_SAMPLE = 20_000;
const BATCH = 256;

/**
 * Keeps every passage's vector in step with the active embedder. Vectors
 * are derived data: they are computed right after passages are committed
 * (`sync`), and whatever a crash left without a vector is filled in on the
 * next sync. Changing embedder goes through `reindex`, which computes the new
 * vectors beside the old ones and switches in one transaction.
 */
export class Embeddings {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly config: Config;
  /** 'builtin', or the transformers embedder in use. */
  private readonly model: TransformersEmbedder | null;
  private builtinEmbedder: BuiltinEmbedder | null = null;

  private constructor(config: Config, store: Store, log: Logger, model: TransformersEmbedder | null) {
    this.config = config;
    this.store = store;
    this.log = log;
    this.model = model;
    if (!model) {
      const fitted = this.latestBuiltin();
      if (fitted) this.builtinEmbedder = new BuiltinEmbedder(fitted);
    }
  }

  /**
   * Chooses and opens the configured embedder. With `allowSwitch` false (all
   * commands but reindex), an embedder different from the one whose vectors
   * are stored is refused, never silently used.
   */
  static async open(config: Config, store: Store, log: Logger, options: { allowSwitch?: boolean } = {}): Promise<Embeddings> {
    const model = await chooseModel(config, log);
    const kind = model ? model.id : 'builtin';
    const stored = store.getMeta('embedder_kind');
    const hasVectors = store.db.prepare('SELECT 1 FROM embeddings LIMIT 1').get() !== undefined;
    if (stored && stored !== kind && hasVectors && !options.allowSwitch) {
      await model?.close();
      throw new KbError('EMBEDDER_MISMATCH', { stored: describeKind(stored), configured: describeKind(kind) });
    }
    const embeddings = new Embeddings(config, store, log, model);
    log.info(`embedder: ${embeddings.describe()}`);
    return embeddings;
  }

  get kind(): EmbedderKind {
    return this.model ? this.model.id : 'builtin';
  }

  /** The embedder that computes query vectors now (null: built-in, not yet fitted). */
  active(): Embedder | null {
    return this.model ?? this.builtinEmbedder;
  }

  /**
   * The embedder whose vectors the index holds, for query vectors. Another
   * process may have refitted the built-in embedder since this one opened:
   * its fit is loaded from the store. A different embedder altogether is an
   * error, never silently used.
   */
  queryEmbedder(): Embedder | null {
    const recorded = this.store.getMeta('embedder_id') || null;
    if (!recorded) return null;
    const current = this.active();
    if (current?.id === recorded) return current;
    if (!this.model && recorded.startsWith(BUILTIN_FAMILY)) {
      const row = this.store.db.prepare('SELECT data FROM embedder_models WHERE id = ?').get(`${BUILTIN_FAMILY}@${recorded.split('@')[1]}`) as { data: Buffer } | undefined;
      if (row) {
        this.builtinEmbedder = new BuiltinEmbedder(deserialiseLsa(row.data));
        return this.builtinEmbedder;
      }
    }
    throw new KbError('EMBEDDER_MISMATCH', { stored: recorded, configured: current?.id ?? describeKind(this.kind) });
  }

  info(): EmbedderInfo | null {
    const e = this.active();
    return e ? { id: e.id, dim: e.dim, description: e.description, builtin: e.builtin } : null;
  }

  describe(): string {
    const e = this.active();
    if (e) return `${e.id} (${e.dim} dimensions): ${e.description}`;
    return 'built-in (latent semantic analysis, fitted once passages are stored)';
  }

  /** Embeds every passage that lacks a vector for the active embedder (fitting the built-in one as needed). */
  async sync(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    let refitted = false;
    if (!this.model) refitted = this.refitIfDue();
    const embedder = this.active();
    if (!embedder) return { embedded: 0, refitted, switched: false };
    const embedded = await this.embedMissing(embedder, onProgress);
    const switched = this.switchTo(embedder);
    return { embedded, refitted, switched };
  }

  /** Re-embeds every passage with the configured embedder (refitting the built-in one), then switches. */
  async reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    if (!this.model) {
      this.builtinEmbedder = null;
      this.fitBuiltin();
    } else {
      this.store.db.prepare('DELETE FROM embeddings WHERE model = ?').run(this.model.id);
    }
    const embedder = this.active();
    if (!embedder) {
      this.store.transaction(() => {
        this.store.db.prepare('DELETE FROM embeddings').run();
        this.recordKind(null);
      });
      return { embedded: 0, refitted: !this.model, switched: true };
    }
    const embedded = await this.embedMissing(embedder, onProgress);
    this.switchTo(embedder, true);
    return { embedded, refitted: !this.model, switched: true };
  }

  async close(): Promise<void> {
    await this.model?.close();
  }

  private latestBuiltin(): LsaModel | null {
    const row = this.store.db
      .prepare('SELECT data FROM embedder_models WHERE family = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get(BUILTIN_FAMILY) as { data: Buffer } | undefined;
    return row ? deserialiseLsa(row.data) : null;
  }

  /**
   * The built-in embedder learns from the collection, so it is fitted when
   * the first passages arrive and refitted while the collection is small and
   * has doubled since (a fit on a handful of passages knows few words).
   */
  private refitIfDue(): boolean {
    const passages = (this.store.db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    if (passages === 0) return false;
    const current = this.builtinEmbedder?.model;
    if (current && (current.fittedOn >= FIT_SAMPLE || passages < current.fittedOn * 2)) return false;
    this.fitBuiltin();
    return true;
  }

  private fitBuiltin(): void {
    const total = (this.store.db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    if (total === 0) return;
    const started = Date.now();
    // A deterministic sample: every passage when few, else an even spread of ids.
    const rows = this.store.db
      .prepare(`SELECT title || ' ' || coalesce(section, '') || ' ' || text AS t FROM passages WHERE (id * 2654435761) % ? < ? ORDER BY id`)
      .all(Math.max(total, 1), Math.min(total, FIT_SAMPLE)) as { t: string }[];
    const model = fitLsa(rows.map((r) => r.t));
    this.store.db
      .prepare('INSERT OR REPLACE INTO embedder_models (id, family, created_at, fitted_on, data) VALUES (?, ?, ?, ?, ?)')
      .run(`${BUILTIN_FAMILY}@${model.fit}`, BUILTIN_FAMILY, new Date().toISOString(), model.fittedOn, serialiseLsa(model));
    this.builtinEmbedder = new BuiltinEmbedder(model);
    this.log.info(`built-in embedder fitted on ${model.fittedOn} passages (${model.vocab.size} terms, ${model.dim} dimensions) in ${Date.now() - started} ms`);
  }

  private async embedMissing(embedder: Embedder, onProgress?: (done: number, total: number) => void): Promise<number> {
    const missing = this.store.db.prepare(
      `SELECT count(*) AS n FROM passages p WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id AND e.model = ?)`,
    );
    const total = (missing.get(embedder.id) as { n: number }).n;
    if (total === 0) return 0;
    const select = this.store.db.prepare(
      `SELECT p.id, p.title, p.section, p.text FROM passages p
       WHERE p.id > ? AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.passage_id = p.id AND e.model = ?)
       ORDER BY p.id LIMIT ?`,
    );
    const insert = this.store.db.prepare('INSERT OR REPLACE INTO embeddings (passage_id, model, dim, vector) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM passages WHERE id = ?)');
    let done = 0;
    let after = 0;
    for (;;) {
      const rows = select.all(after, embedder.id, BATCH) as { id: number; title: string; section: string | null; text: string }[];
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      // The title and section give a passage its context ("Apprenticeships" heading above a paragraph about starts).
      const vectors = await embedder.embedDocuments(rows.map((r) => passageForEmbedding(r.title, r.section, r.text)));
      this.store.transaction(() => {
        rows.forEach((r, i) => insert.run(r.id, embedder.id, embedder.dim, vectorToBlob(vectors[i]!), r.id));
      });
      done += rows.length;
      onProgress?.(done, total);
    }
    return done;
  }

  /** Makes `embedder` the one on record and drops every other vector, in one transaction. */
  private switchTo(embedder: Embedder, force = false): boolean {
    if (!force && this.store.getMeta('embedder_id') === embedder.id) return false;
    this.store.transaction(() => {
      this.store.db.prepare('DELETE FROM embeddings WHERE model <> ?').run(embedder.id);
      this.recordKind(embedder);
    });
    this.log.info(`vectors now come from ${embedder.id}`);
    return true;
  }

  private recordKind(embedder: Embedder | null): void {
    this.store.setMeta('embedder_kind', this.kind);
    this.store.setMeta('embedder_id', embedder?.id ?? '');
    this.store.setMeta('embedder_dim', String(embedder?.dim ?? 0));
    this.store.setMeta('embedder_description', embedder?.description ?? '');
  }
}

/** What a passage is embedded as: its document title and section, then its text. */
export function passageForEmbedding(title: string, section: string | null, text: string): string {
  const head = section && !text.startsWith(section.split(' > ').pop()!) ? `${title}. ${section}.` : `${title}.`;
  return `${head}\n${text}`;
}

function describeKind(kind: string): string {
  return kind === 'builtin' ? 'the built-in embedder' : kind;
}

/**
 * The transformers.js model to use, or null for the built-in embedder:
 * forced by KB_EMBEDDER, or (auto) the model when it is installed, or when
 * downloads are allowed and the download works. Falling back is logged.
 */
async function chooseModel(config: Config, log: Logger): Promise<TransformersEmbedder | null> {
  if (config.embedder === 'builtin') return null;
  const location = locateModel(config.model, config.modelsDir);
  const installed = isModelInstalled(location, config.quantized);
  if (config.embedder === 'auto' && !installed && (config.offline || location.isPath)) {
    log.info(`no model installed (${config.model}) and downloads are off: using the built-in embedder`);
    return null;
  }
  try {
    return await TransformersEmbedder.open({
      model: config.model,
      modelsDir: config.modelsDir,
      offline: config.offline,
      quantized: config.quantized,
      threads: config.embedThreads,
      batchSize: config.embedBatch,
      queryInstruction: config.queryInstruction ?? defaultQueryInstruction(config.model),
    });
  } catch (err) {
    if (config.embedder === 'transformers') throw err;
    log.warn(`${toKbError(err).message}: using the built-in embedder`);
    return null;
  }
}
