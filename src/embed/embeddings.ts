import type { Config } from '../config.js';
import { KbError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RecordedEmbedder } from '../store/meta.js';
import type { Store } from '../store/store.js';
import { vectorToBlob } from '../vector/codec.js';
import { BUILTIN_FAMILY, BuiltinEmbedder } from './builtin.js';
import type { Embedder } from './embedder.js';
import { deserialiseLsa, fitLsa, serialiseLsa, type LsaModel } from './lsa/lsa-model.js';
import { chooseModel } from './choose-model.js';
import type { TransformersEmbedder } from './transformers.js';

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

/** What the embeddings keeper needs of the configuration. */
export type EmbeddingsOptions = Pick<
  Config,
  | 'embedder'
  | 'model'
  | 'modelsDir'
  | 'offline'
  | 'modelHost'
  | 'modelRetryHours'
  | 'modelRevision'
  | 'quantized'
  | 'queryInstruction'
  | 'passagePrefix'
  | 'pooling'
  | 'embedThreads'
  | 'embedBatch'
>;

/** The built-in embedder is fitted on at most this many passages (a random sample beyond). */
const FIT_SAMPLE = 20_000;
/** Passages read and embedded per step. */
const BATCH = 256;

/**
 * Keeps every passage's vector in step with the active embedder. Vectors
 * are derived data: computed after passages are committed (`sync`), and
 * whatever a crash left without a vector is filled in by the next sync.
 * Changing embedder goes through `reindex`, which computes the new vectors
 * beside the old ones and switches in one transaction. All SQL is the
 * store's (store.embeddings, store.meta).
 */
export class Embeddings {
  private readonly store: Store;
  private readonly log: Logger;
  /** The transformers embedder in use, or null for the built-in one. */
  private readonly model: TransformersEmbedder | null;
  private builtinEmbedder: BuiltinEmbedder | null = null;

  private constructor(store: Store, log: Logger, model: TransformersEmbedder | null) {
    this.store = store;
    this.log = log;
    this.model = model;
    if (!model) {
      const fitted = store.read(() => store.embeddings.latestFit(BUILTIN_FAMILY));
      if (fitted) this.builtinEmbedder = new BuiltinEmbedder(deserialiseLsa(fitted));
    }
  }

  /**
   * Chooses and opens the configured embedder. With `allowSwitch` false (all
   * commands but reindex), an embedder different from the one whose vectors
   * are stored is refused, never silently used.
   */
  static async open(
    options: EmbeddingsOptions,
    store: Store,
    log: Logger,
    open: { allowSwitch?: boolean } = {},
  ): Promise<Embeddings> {
    const model = await chooseModel(options, log);
    const kind = model ? model.id : 'builtin';
    const stored = store.meta.embedderKind();
    if (stored && stored !== kind && store.embeddings.hasAny() && !open.allowSwitch) {
      await model?.close();
      throw new KbError('EMBEDDER_MISMATCH', { stored: describeKind(stored), configured: describeKind(kind) });
    }
    const embeddings = new Embeddings(store, log, model);
    log.info(`embedder: ${embeddings.describe()}`);
    return embeddings;
  }

  get kind(): string {
    return this.model ? this.model.id : 'builtin';
  }

  /** The embedder that computes vectors now (null: built-in, not yet fitted). */
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
    const recorded = this.store.meta.embedder();
    if (!recorded) return null;
    const current = this.active();
    if (current?.id === recorded.id) return current;
    if (!this.model && recorded.id.startsWith(BUILTIN_FAMILY)) {
      const fit = this.store.read(() => this.store.embeddings.fit(`${BUILTIN_FAMILY}@${recorded.id.split('@')[1]}`));
      if (fit) {
        this.builtinEmbedder = new BuiltinEmbedder(deserialiseLsa(fit));
        return this.builtinEmbedder;
      }
    }
    throw new KbError('EMBEDDER_MISMATCH', { stored: recorded.id, configured: current?.id ?? describeKind(this.kind) });
  }

  /** The embedder on record in the store (whose vectors are stored), without loading anything. */
  recorded(): RecordedEmbedder | null {
    return this.store.meta.embedder();
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

  /**
   * Re-embeds every passage with the configured embedder (refitting the
   * built-in one), then switches. A model's reindex that was interrupted
   * resumes where it stopped: its vectors are kept batch by batch, and the
   * model's id (its ONNX file and settings) says they are still right.
   */
  async reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    if (!this.model) {
      this.builtinEmbedder = null;
      this.fitBuiltin();
    } else if (this.store.meta.get('reindexProgress') === this.model.id) {
      const have = this.store.embeddings.count(this.model.id);
      this.log.info(`reindex: resuming with ${this.model.id}, ${have} of ${this.store.passages.count()} passages done`);
    } else {
      this.store.transaction(() => {
        this.store.embeddings.deleteModel(this.model!.id);
        this.store.meta.set('reindexProgress', this.model!.id);
      });
    }
    const embedder = this.active();
    if (!embedder) {
      this.store.transaction(() => {
        this.store.embeddings.deleteAll();
        this.store.meta.setEmbedder(this.kind, null);
      });
      return { embedded: 0, refitted: !this.model, switched: true };
    }
    const embedded = await this.embedMissing(embedder, onProgress);
    this.switchTo(embedder, true);
    if (this.model) this.store.transaction(() => this.store.meta.set('reindexProgress', ''));
    return { embedded, refitted: !this.model, switched: true };
  }

  /** Passages without a vector from the embedder on record, and vectors of the wrong shape (for `kb verify`). */
  problems(): string[] {
    const recorded = this.store.meta.embedder();
    const passages = this.store.passages.count();
    if (!recorded) return passages ? [`vectors: ${passages} passages and no embedder on record`] : [];
    const problems: string[] = [];
    const without = this.store.embeddings.missingCount(recorded.id);
    if (without) problems.push(`vectors: ${without} passages have no vector from ${recorded.id}`);
    const others = this.store.embeddings.othersCount(recorded.id);
    if (others) problems.push(`vectors: ${others} vectors from another embedder`);
    const wrongDim = this.store.embeddings.wrongDimensionCount(recorded.id, recorded.dim);
    if (wrongDim) problems.push(`vectors: ${wrongDim} vectors of the wrong dimension`);
    return problems;
  }

  async close(): Promise<void> {
    await this.model?.close();
  }

  /**
   * The built-in embedder learns from the collection, so it is fitted when
   * the first passages arrive and refitted while the collection is small and
   * has doubled since (a fit on a handful of passages knows few words).
   */
  private refitIfDue(): boolean {
    const passages = this.store.passages.count();
    if (passages === 0) return false;
    const current = this.builtinEmbedder?.model;
    if (current && (current.fittedOn >= FIT_SAMPLE || passages < current.fittedOn * 2)) return false;
    this.fitBuiltin();
    return true;
  }

  private fitBuiltin(): void {
    const sample = this.store.read(() => this.store.embeddings.fitSample(FIT_SAMPLE));
    if (!sample.length) return;
    const started = Date.now();
    const model: LsaModel = fitLsa(sample);
    this.store.transaction(() =>
      this.store.embeddings.saveFit(
        `${BUILTIN_FAMILY}@${model.fit}`,
        BUILTIN_FAMILY,
        model.fittedOn,
        serialiseLsa(model),
      ),
    );
    this.builtinEmbedder = new BuiltinEmbedder(model);
    this.log.info(
      `built-in embedder fitted on ${model.fittedOn} passages ` +
        `(${model.vocab.size} terms, ${model.dim} dimensions) in ${Date.now() - started} ms`,
    );
  }

  private async embedMissing(embedder: Embedder, onProgress?: (done: number, total: number) => void): Promise<number> {
    const total = this.store.embeddings.missingCount(embedder.id);
    if (total === 0) return 0;
    let done = 0;
    let after = 0;
    const cutBefore = embedder.overLimit?.texts ?? 0;
    for (;;) {
      const rows = this.store.read(() => this.store.embeddings.missing(embedder.id, after, BATCH));
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      // The title and section give a passage its context ("Apprenticeships" heading above a paragraph about starts).
      const vectors = await embedder.embedDocuments(rows.map((r) => passageForEmbedding(r.title, r.section, r.text)));
      this.store.transaction(() =>
        this.store.embeddings.insert(
          embedder.id,
          embedder.dim,
          rows.map((r, i) => ({ id: r.id, vector: vectorToBlob(vectors[i]!) })),
        ),
      );
      done += rows.length;
      onProgress?.(done, total);
    }
    const split = (embedder.overLimit?.texts ?? 0) - cutBefore;
    if (split > 0)
      this.log.info(
        `${split} of ${done} passages are longer than the ${embedder.overLimit!.tokens} tokens ${embedder.id} ` +
          'reads: each was embedded in parts that fit, and its vector is their mean (weighted by length). ' +
          'Smaller passages (KB_PASSAGE_MAX_WORDS) keep one vector per part of the text.',
      );
    return done;
  }

  /** Makes `embedder` the one on record and drops every other vector, in one transaction. */
  private switchTo(embedder: Embedder, force = false): boolean {
    if (!force && this.store.meta.embedder()?.id === embedder.id) return false;
    this.store.transaction(() => {
      this.store.embeddings.deleteOthers(embedder.id);
      this.store.meta.setEmbedder(this.kind, embedder);
    });
    this.log.info(`vectors now come from ${embedder.id}`);
    return true;
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
