import path from 'node:path';
import { loaderLimits, type Config } from '../src/config.js';
import { KbError } from '../src/errors.js';
import type { Logger } from '../src/log.js';
import type { Store } from '../src/store/store.js';
import type { DocumentKind, DocumentRow } from '../src/store/types.js';
import { sha256 } from '../src/text/words.js';
import { assemble } from './assemble.js';
import { commit, type PreparedTree } from './commit.js';
import type { Attachment, LoaderLimits, RawFile } from './document.js';
import { EXTENSIONS } from './loaders/index.js';
import { textToBlocks } from './loaders/text.js';
import { normaliseBlocks } from './normalise.js';
import { prepareHost } from './prepare-host.js';
import { readBounded } from './read.js';
import { blockFingerprints } from './repeated-text.js';
import { failure, unchangedResult, type IngestResult } from './results.js';
import type { SplitOptions } from './split.js';
import { expandPaths, sourceIdForPath } from './walk.js';
import { ingestArchive } from './loaders/mbox.js';

const isMbox = (name: string) => path.extname(name).toLowerCase() === '.mbox';

export type { IngestResult, IngestSummary } from './results.js';
export { summarise } from './results.js';

export interface IngestOptions {
  /** Identity to use instead of the path (uploads, URLs). */
  sourceId?: string;
  /** Kind to record instead of the detected one. */
  kind?: DocumentKind;
  /** Where the document lives on the web (a page's canonical address), over what the file says. */
  sourceUrl?: string;
  /** Date to use when the document states none (a feed's publication date). */
  fallbackDate?: string | null;
  /** Documents that come with this one from elsewhere (files a web page links), read as attachments. */
  attachments?: Attachment[];
  /** Write even when the bytes are the ones stored (what came with them changed). */
  force?: boolean;
  /** What was left unread, said on the result (linked files of a kind not read). */
  notes?: string[];
}

/** What the pipeline needs of the configuration. */
export type PipelineOptions = Pick<
  Config,
  | 'maxFileBytes'
  | 'ocr'
  | 'ocrMaxPages'
  | 'ocrPageTimeoutMs'
  | 'parseTimeoutMs'
  | 'maxPdfPages'
  | 'parseMemoryMb'
  | 'maxHtmlDepth'
  | 'maxUnpackedBytes'
  | 'passageMinWords'
  | 'passageTargetWords'
  | 'passageMaxWords'
>;

export interface PipelineDeps {
  store: Store;
  config: PipelineOptions;
  log: Logger;
}

/**
 * The ingestion pipeline: read (bounded), detect unchanged files, prepare
 * (load, normalise, lay out: in the prepare worker, within the parse time
 * and memory limits), then commit each document with its attachments in one
 * transaction. Unchanged files (same identity, same bytes) are not parsed
 * and nothing is written for them. A failure affects only its own file.
 */
export class Pipeline {
  private readonly store: Store;
  private readonly config: PipelineOptions;
  private readonly log: Logger;

  constructor(deps: PipelineDeps) {
    this.store = deps.store;
    this.config = deps.config;
    this.log = deps.log;
  }

  private get limits(): LoaderLimits {
    return loaderLimits(this.config);
  }

  private get splitOptions(): SplitOptions {
    return {
      minWords: this.config.passageMinWords,
      targetWords: this.config.passageTargetWords,
      maxWords: this.config.passageMaxWords,
    };
  }

  /**
   * Ingests files and folders. Yields the results of each file as it is
   * done (a file with attachments yields several), so callers can report
   * progress; `onFile` is told before each file starts.
   */
  async *ingestPaths(
    paths: string[],
    onFile?: (index: number, total: number, file: string) => void,
    options: IngestOptions = {},
  ): AsyncGenerator<IngestResult[]> {
    const { files, missing } = expandPaths(paths);
    for (const p of missing) yield [failure(sourceIdForPath(p), new KbError('FILE_NOT_FOUND', { file: p }))];
    for (let i = 0; i < files.length; i++) {
      onFile?.(i, files.length, files[i]!);
      yield await this.ingestFile(files[i]!, options);
    }
  }

  async ingestFile(file: string, options: IngestOptions = {}): Promise<IngestResult[]> {
    const sourceId = options.sourceId ?? sourceIdForPath(file);
    if (isMbox(file)) return this.ingestMbox(file, file, sourceId, options);
    let bytes: Uint8Array;
    try {
      bytes = readBounded(file, this.config.maxFileBytes);
    } catch (err) {
      return [failure(sourceId, err)];
    }
    return this.ingestBytes({ name: file, bytes }, { ...options, sourceId });
  }

  /** Ingests one file's bytes under the given identity. */
  async ingestBytes(file: RawFile, options: IngestOptions & { sourceId: string }): Promise<IngestResult[]> {
    const sourceId = options.sourceId;
    if (isMbox(file.name)) return this.ingestMbox(file.bytes, file.name, sourceId, options);
    try {
      this.checkSize(file);
      const hash = sha256(file.bytes);
      const known = options.force ? undefined : this.unchanged(sourceId, hash, file.name);
      if (known) return [known];
      const tree = await this.prepare(file, hash, sourceId, options.kind, options.fallbackDate, options.attachments);
      if (options.sourceUrl) tree.file.source_url = options.sourceUrl;
      if (options.notes) tree.notes.push(...options.notes);
      return commit(this.store, tree, this.splitOptions, this.log, { force: options.force ?? false });
    } catch (err) {
      const error = failure(sourceId, err);
      if (error.error?.code === 'INTERNAL')
        this.log.error(`${file.name}: ${error.error.message}\n${(err as Error)?.stack ?? ''}`);
      return [error];
    }
  }

  /**
   * Ingests text that needs no loader (test collections, generated corpora):
   * the same normalising, splitting and one-transaction write as a file,
   * in this thread, with no original file kept.
   */
  ingestText(doc: {
    sourceId: string;
    title: string;
    text: string;
    publishedAt?: string | null;
    kind?: DocumentKind;
  }): IngestResult {
    try {
      const bytes = Buffer.from(`${doc.title}\n${doc.text}`, 'utf8');
      const hash = sha256(bytes);
      const known = this.unchanged(doc.sourceId, hash, doc.sourceId);
      if (known) return known;
      const blocks = normaliseBlocks(textToBlocks(doc.text));
      if (blocks.length === 0) throw new KbError('NO_TEXT', { file: doc.sourceId });
      const { text, blocks: placed } = assemble(blocks);
      const tree: PreparedTree = {
        file: {
          sourceId: null,
          mime: 'text/plain',
          title: doc.title || doc.sourceId,
          published_at: doc.publishedAt ?? null,
          author: null,
          kind: doc.kind ?? 'other',
          source_url: null,
          pages: null,
          ocrPages: null,
          unreadablePages: [],
          fileName: `${doc.sourceId.replace(/[^\w.-]+/g, '_')}.txt`,
          text,
          blocks: placed,
          fingerprints: blockFingerprints(placed),
          attachments: [],
        },
        raw: bytes,
        sha256: hash,
        sourceId: doc.sourceId,
        children: [],
        failed: [],
        notes: [],
      };
      return commit(this.store, tree, this.splitOptions, this.log, { keepOriginals: false })[0]!;
    } catch (err) {
      return failure(doc.sourceId, err);
    }
  }

  /** An mbox archive: each message its own document (see mbox.ts). */
  private ingestMbox(source: string | Uint8Array, name: string, sourceId: string, options: IngestOptions) {
    return ingestArchive(source, name, sourceId, this.config.maxFileBytes, (file, id) =>
      this.ingestBytes(file, { ...options, sourceId: id }),
    );
  }

  /** Deletes a document and what came with it; their originals are removed once no backup needs them. */
  delete(id: number): DocumentRow[] {
    const deleted = this.store.transaction(() => this.store.documents.delete(id));
    this.store.sweepOriginals();
    return deleted;
  }

  private checkSize(file: RawFile): void {
    if (file.bytes.length === 0) throw new KbError('FILE_EMPTY', { file: file.name });
    if (file.bytes.length > this.config.maxFileBytes)
      throw new KbError('FILE_TOO_LARGE', {
        file: file.name,
        size: file.bytes.length,
        limit: this.config.maxFileBytes,
      });
  }

  /** The stored document, reported as unchanged, when identity and bytes match. */
  private unchanged(sourceId: string, hash: string, name: string): IngestResult | undefined {
    const { documents } = this.store;
    let existing = documents.bySource(sourceId);
    // An e-mail's identity is its Message-ID, known only after parsing; the same bytes stored as a top-level e-mail are
    // the same message.
    if (!existing && path.extname(name).toLowerCase() === '.eml') existing = documents.storedEmail(hash);
    if (!existing || existing.sha256 !== hash) return undefined;
    return unchangedResult(existing, documents.passageCount(existing.id));
  }

  /** The file prepared in the prepare worker, and its readable attachments, each within its own limits. */
  private async prepare(
    file: RawFile,
    hash: string,
    sourceId: string,
    kind?: DocumentKind,
    fallbackDate?: string | null,
    extra: Attachment[] = [],
  ): Promise<PreparedTree> {
    const prepared = await prepareHost(this.config.parseMemoryMb).prepare(file, this.limits);
    prepared.attachments.push(...extra);
    const tree: PreparedTree = {
      file: prepared,
      raw: file.bytes,
      sha256: hash,
      sourceId: prepared.sourceId ?? sourceId,
      children: [],
      failed: [],
      notes: [],
    };
    if (kind) tree.kind = kind;
    if (fallbackDate !== undefined) tree.fallbackDate = fallbackDate;
    for (const attachment of prepared.attachments) {
      const childId = attachment.sourceId ?? `${tree.sourceId}#attachment/${attachment.fileName}`;
      const ext = path.extname(attachment.fileName).toLowerCase();
      if (!(ext in EXTENSIONS)) {
        tree.notes.push(`attachment ${attachment.fileName} not read: not a format the knowledge base reads`);
        continue;
      }
      if (EXTENSIONS[ext] === 'image') {
        // Pictures in e-mails are logos, signatures and photos, not scanned documents.
        tree.notes.push(`attachment ${attachment.fileName} not read: pictures in e-mails are not scans`);
        continue;
      }
      try {
        const bytes = new Uint8Array(attachment.bytes);
        const childName = `${file.name} › ${attachment.fileName}`;
        this.checkSize({ name: childName, bytes });
        const child = await this.prepare(
          { name: childName, bytes },
          sha256(bytes),
          childId,
          undefined,
          prepared.published_at,
        );
        child.file.fileName = attachment.fileName;
        if (attachment.sourceUrl) child.file.source_url = attachment.sourceUrl;
        // A message attached to a message: what it carries is attached to the message ingested (one level).
        tree.children.push(child, ...child.children);
        tree.failed.push(...child.failed);
        tree.notes.push(...child.notes.map((n) => `${attachment.fileName}: ${n}`));
        child.children = [];
        child.failed = [];
      } catch (err) {
        tree.failed.push(failure(childId, err));
      }
    }
    return tree;
  }
}
