import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { parseDocument, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { KbError } from '../../src/errors.js';
import { DEFAULT_LIMITS, type Block, type LoadedDocument, type LoaderLimits, type RawFile } from '../document.js';
import { cleanLine, isChrome } from '../normalise.js';
import { findDate } from '../metadata.js';
import { decodeText } from './decode.js';
import { webUrl } from '../../src/text/web-url.js';
import { tick, type Meter } from '../../src/text/meter.js';

/** Elements that are never content. */
const DROP = [
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'canvas',
  'form',
  'button',
  'select',
  'nav',
  'header',
  'footer',
  'aside',
  '[role=navigation]',
  '[role=banner]',
  '[role=contentinfo]',
  '[role=search]',
  '[aria-hidden=true]',
  '[hidden]',
  '.skip-link',
  '.govuk-skip-link',
  '.breadcrumb',
  '.breadcrumbs',
  '.cookie-banner',
].join(',');

const HEADING = /^h([1-6])$/;
/** Elements that end the text run before them and start a new block. */
const BLOCK_TAGS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'table',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'blockquote',
  'pre',
  'figure',
  'figcaption',
  'address',
  'hr',
  'br',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'body',
  'html',
]);

/** HTML: the main content only, headings kept as sections. */
export function loadHtml(file: RawFile, limits: Pick<LoaderLimits, 'maxHtmlDepth'> = DEFAULT_LIMITS): LoadedDocument {
  return htmlToDocument(decodeText(file.bytes, file.name), file.name, limits);
}

/** Elements that never hold others, so never deepen the nesting. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/**
 * How deep the markup nests (open tags not yet closed, at most), found by
 * the tokenizer alone: linear, where building the tree and querying it take
 * time that grows with the square of the depth. Tags left open count, as a
 * parser would nest them.
 */
export function htmlDepth(html: string): number {
  let depth = 0;
  let max = 0;
  let name = '';
  const noop = () => {};
  const callbacks: TokenizerCallbacks = {
    onattribdata: noop,
    onattribentity: noop,
    onattribend: noop,
    onattribname: noop,
    oncdata: noop,
    oncomment: noop,
    ondeclaration: noop,
    onend: noop,
    onprocessinginstruction: noop,
    ontext: noop,
    ontextentity: noop,
    onopentagname: (start, end) => {
      name = html.slice(start, end).toLowerCase();
    },
    onopentagend: () => {
      if (!VOID.has(name)) max = Math.max(max, ++depth);
    },
    onselfclosingtag: noop,
    onclosetag: (start, end) => {
      if (!VOID.has(html.slice(start, end).toLowerCase()) && depth > 0) depth--;
    },
  };
  const tokenizer = new Tokenizer({ decodeEntities: false }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  return max;
}

export function htmlToDocument(
  html: string,
  fileName = 'HTML',
  limits: Pick<LoaderLimits, 'maxHtmlDepth'> = DEFAULT_LIMITS,
): LoadedDocument {
  const depth = htmlDepth(html);
  if (depth > limits.maxHtmlDepth) {
    throw new KbError('MALFORMED', {
      file: fileName,
      format: 'HTML',
      detail:
        `markup nested ${depth.toLocaleString('en-GB')} levels deep, over the limit of ` +
        `${limits.maxHtmlDepth.toLocaleString('en-GB')} (KB_MAX_HTML_DEPTH)`,
    });
  }
  const $ = cheerio.load(parseDocument(html));
  const meta = (sel: string) => $(sel).first().attr('content')?.trim() || undefined;
  const h1 = cleanLine($('h1').first().text());
  const formatTitle = h1 || cleanLine($('title').first().text()) || undefined;
  const sourceUrl = webUrl($('link[rel=canonical]').attr('href')) ?? webUrl(meta('meta[property="og:url"]'));
  const dateText =
    meta('meta[property="article:published_time"]') ??
    meta('meta[name=date]') ??
    $('time[datetime]').first().attr('datetime');
  const author = meta('meta[name=author]');
  const { roots, dropped } = mainContent($);
  const doc: LoadedDocument = { mime: 'text/html', blocks: domToBlocks(roots, dropped) };
  if (formatTitle) doc.formatTitle = formatTitle;
  if (sourceUrl) doc.sourceUrl = sourceUrl;
  if (author) doc.author = author;
  const date = dateText ? (/^\d{4}-\d{2}-\d{2}/.exec(dateText)?.[0] ?? findDate(dateText)) : null;
  if (date) doc.headerDate = date;
  return doc;
}

/**
 * A page's main content: the first main, [role=main] or article element
 * (else the body), and the elements inside it that are not content
 * (navigation, footers, skip links). Dropped elements are skipped by the
 * walk, not removed from the tree: removing each of many siblings costs
 * time in proportion to all of them.
 */
export function mainContent($: cheerio.CheerioAPI): { roots: AnyNode[]; dropped: Set<AnyNode> } {
  const dropped = new Set<AnyNode>($(DROP).toArray());
  $('a').each((_, el) => {
    if (isChrome($(el).text())) dropped.add(el);
  });
  const main = $('main, [role=main], article')
    .filter((_, el) => !dropped.has(el))
    .first();
  const roots: AnyNode[] = main.length ? main.toArray() : $('body').length ? $('body').toArray() : $.root().toArray();
  return { roots, dropped };
}

/**
 * Walks the tree without recursion (documents nest deeply), collecting text
 * runs into paragraphs and headings into heading blocks.
 */
export function domToBlocks(roots: AnyNode[], skip: ReadonlySet<AnyNode> = new Set(), meter?: Meter): Block[] {
  const blocks: Block[] = [];
  let run = '';
  const flush = () => {
    const text = cleanLine(run);
    if (text) blocks.push({ kind: 'paragraph', text });
    run = '';
  };
  type Step = { node: AnyNode } | { close: string };
  const stack: Step[] = [...roots].reverse().map((node) => ({ node }));
  while (stack.length) {
    tick(meter);
    const step = stack.pop()!;
    if ('close' in step) {
      if (BLOCK_TAGS.has(step.close)) flush();
      continue;
    }
    const node = step.node;
    if (skip.has(node)) continue;
    if (node.type === 'text') {
      const data = (node as unknown as { data: string }).data;
      tick(meter, data.length);
      run += data;
      continue;
    }
    if (node.type !== 'tag' && node.type !== 'root') continue;
    const el = node as Element;
    const name = el.name?.toLowerCase() ?? '';
    const heading = HEADING.exec(name);
    if (heading) {
      flush();
      const text = cleanLine(textOf(el, skip));
      if (text) blocks.push({ kind: 'heading', text, level: Number(heading[1]) });
      continue;
    }
    if (BLOCK_TAGS.has(name)) flush();
    if (name === 'li') run += '• ';
    if (name === 'td' || name === 'th') run += ' ';
    stack.push({ close: name });
    const children = el.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]! });
  }
  flush();
  return blocks;
}

/** The text of an element's descendants, gathered without recursion. */
function textOf(root: AnyNode, skip: ReadonlySet<AnyNode>): string {
  let text = '';
  const stack: AnyNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (skip.has(node)) continue;
    if (node.type === 'text') text += (node as unknown as { data: string }).data;
    else if (node.type === 'tag' || node.type === 'root') {
      const children = (node as Element).children ?? [];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return text;
}
