import * as chrono from 'chrono-node';
import type { DocumentKind } from '../src/store/types.js';
import type { Block, LoadedDocument } from './document.js';

/**
 * Metadata found in a document: title, publication date, author and kind.
 * The text is trusted before headers, headers before file properties. Pure.
 */
export interface DocumentMetadata {
  title: string;
  published_at: string | null;
  author: string | null;
  kind: DocumentKind;
}

/** How far into the document the title and date are looked for. */
const HEAD_BLOCKS = 8;
const HEAD_CHARS = 1_500;

const MESSAGE_FROM = /^(?:an? )?(?:message|update|note) from ([^:]{2,80}?):?$/i;
const BULLETIN = /\b(weekly update|weekly bulletin|bulletin|newsletter|message from|briefing)\b/i;
const STRATEGY = /\b(strateg(y|ies|ic)|plan|priorities|vision|framework|policy|commissioning|action plan)\b/i;
const GENERIC_TITLE = /^(untitled|document\d*|microsoft word|new document|slide \d+)$/i;

export function extractMetadata(loaded: LoadedDocument, blocks: Block[], fileName: string): DocumentMetadata {
  const head = headBlocks(blocks);
  const title = findTitle(loaded, head, fileName);
  const published_at =
    findDate([title, ...head.map((b) => b.text)].join('\n')) ??
    loaded.headerDate ??
    loaded.createdDate ??
    dateInFileName(fileName);
  const author = findAuthor(head) ?? cleanName(loaded.author) ?? null;
  const kind = findKind(loaded, title, head);
  return { title, published_at, author, kind };
}

function headBlocks(blocks: Block[]): Block[] {
  const out: Block[] = [];
  let chars = 0;
  for (const b of blocks) {
    if (out.length >= HEAD_BLOCKS || chars > HEAD_CHARS) break;
    out.push(b);
    chars += b.text.length;
  }
  return out;
}

/** A full calendar date (day, month and year all stated) as YYYY-MM-DD. */
export function findDate(text: string): string | null {
  for (const result of chrono.en.GB.parse(text.slice(0, HEAD_CHARS * 2))) {
    const s = result.start;
    if (!/\d{4}/.test(result.text)) continue; // "now", "last year": relative, not a date the document states
    if (s.isCertain('day') && s.isCertain('month') && s.isCertain('year')) {
      const y = s.get('year')!;
      if (y < 1900 || y > 2200) continue;
      return isoDate(y, s.get('month')!, s.get('day')!);
    }
  }
  return null;
}

export function isoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function dateInFileName(fileName: string): string | null {
  const m = /(?:^|[^\d])((?:19|20|21)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)/.exec(fileName);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

function isBareDate(text: string): boolean {
  const results = chrono.en.GB.parse(text);
  if (results.length !== 1) return false;
  return text.replace(results[0]!.text, '').replace(/[\s,.]/g, '').length === 0;
}

function usableTitle(text: string | undefined): string | undefined {
  const t = text
    ?.replace(/^Microsoft (Word|PowerPoint) - /i, '')
    .replace(/\.(docx?|pdf)$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!t || t.length < 3 || GENERIC_TITLE.test(t)) return undefined;
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

function findTitle(loaded: LoadedDocument, head: Block[], fileName: string): string {
  const candidates = head.filter((b) => {
    const words = b.text.split(/\s+/).length;
    return (
      !b.text.includes('\n') &&
      words <= 15 &&
      !MESSAGE_FROM.test(b.text) &&
      !isBareDate(b.text) &&
      !/[.,;]$/.test(b.text)
    );
  });
  const bulletinLine = candidates.find((b) => BULLETIN.test(b.text));
  return (
    usableTitle(bulletinLine?.text) ??
    usableTitle(loaded.formatTitle) ??
    usableTitle(candidates.find((b) => b.kind === 'heading')?.text) ??
    usableTitle(candidates[0]?.text) ??
    usableTitle(fileName.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ')) ??
    fileName
  );
}

function findAuthor(head: Block[]): string | undefined {
  for (const b of head) {
    const m = MESSAGE_FROM.exec(b.text);
    if (m) return cleanName(m[1]);
  }
  return undefined;
}

function cleanName(name: string | undefined): string | undefined {
  const n = name?.replace(/["<>]/g, '').replace(/\s+/g, ' ').trim();
  return n ? n : undefined;
}

function findKind(loaded: LoadedDocument, title: string, head: Block[]): DocumentKind {
  const opening = head
    .map((b) => b.text)
    .join(' ')
    .slice(0, 600);
  if (BULLETIN.test(title)) return 'bulletin';
  if (STRATEGY.test(title)) return 'strategy';
  if (BULLETIN.test(opening)) return 'bulletin';
  if (loaded.mime === 'message/rfc822') return 'bulletin';
  return 'other';
}
