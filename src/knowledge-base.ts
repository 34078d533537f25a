import type { Config } from './config.js';
import type { Logger } from './log.js';
import { Embeddings, type EmbedderInfo, type SyncReport } from './embed/embeddings.js';
import { Store } from './store/store.js';
import { Vectors } from './vector/vectors.js';

/**
 * The core opened as one unit: the store, the active embedder and the
 * vector index derived from the stored vectors. The CLI and the server open
 * one; nothing here knows about either.
 */
export class KnowledgeBase {
  readonly config: Config;
  readonly store: Store;
  readonly embeddings: Embeddings;
  readonly vectors: Vectors;
  readonly log: Logger;

  private constructor(config: Config, store: Store, embeddings: Embeddings, vectors: Vectors, log: Logger) {
    this.config = config;
    this.store = store;
    this.embeddings = embeddings;
    this.vectors = vectors;
    this.log = log;
  }

  /**
   * Opens the store and the embedder, then brings vectors and index up to
   * date (a crash may have left passages without vectors, or an index behind
   * the database). `allowSwitch` is for reindexing to another embedder.
   */
  static async open(config: Config, log: Logger, options: { allowSwitch?: boolean } = {}): Promise<KnowledgeBase> {
    const store = Store.open(config.dataDir);
    try {
      const embeddings = await Embeddings.open(config, store, log, options);
      const vectors = new Vectors(config.dataDir, store, log, { efSearch: config.hnswEf, m: config.hnswM, efConstruction: config.hnswEfConstruction });
      const kb = new KnowledgeBase(config, store, embeddings, vectors, log);
      if (!options.allowSwitch) await kb.refresh();
      return kb;
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** After writes: embed passages that lack a vector, update the index, persist it. */
  async refresh(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    const report = await this.embeddings.sync(onProgress);
    this.vectors.sync();
    this.vectors.save();
    return report;
  }

  /** Re-embeds everything with the configured embedder and rebuilds the index. */
  async reindex(onProgress?: (done: number, total: number) => void): Promise<SyncReport> {
    const report = await this.embeddings.reindex(onProgress);
    const info = this.embeddings.info();
    if (info) this.vectors.rebuild(info.id, info.dim, 'kb reindex');
    else this.vectors.sync();
    this.vectors.save();
    return report;
  }

  embedderInfo(): EmbedderInfo | null {
    return this.embeddings.info();
  }

  async close(): Promise<void> {
    await this.embeddings.close();
    this.store.close();
  }
}

/** The embedder on record in a store, without loading it (for `kb stats`). */
export function recordedEmbedder(store: Store): { id: string; dim: number; description: string; builtin: boolean } | null {
  const id = store.getMeta('embedder_id');
  if (!id) return null;
  return {
    id,
    dim: Number(store.getMeta('embedder_dim') ?? 0),
    description: store.getMeta('embedder_description') ?? '',
    builtin: store.getMeta('embedder_kind') === 'builtin',
  };
}
