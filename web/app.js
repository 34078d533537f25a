// The search page: plain DOM, no framework. Ingested text is only ever
// inserted as text nodes; the server's snippets (escaped, then marked) are
// rebuilt node by node, never assigned as HTML.
const $ = (id) => document.getElementById(id);
document.body.classList.add('js-enabled', 'govuk-frontend-supported');

import { addToBriefing, initBriefing } from './briefing.js';
import { hintFor } from './hints.js';
import { citationOf, longDate, markedWords, matchedSentences, MONTHS, quoteText } from './quote.js';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat())
    if (child !== null && child !== undefined && child !== false)
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m]);

/** The server's snippet (escaped text with <mark> tags) as DOM nodes. */
function snippetNodes(html) {
  const nodes = [];
  let marked = false;
  for (const part of html.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) nodes.push(marked ? el('mark', {}, unescape(part)) : document.createTextNode(unescape(part)));
  }
  return nodes;
}

function say(id, text) {
  $(id).textContent = text;
}

function showError(container, error) {
  const box = el(
    'div',
    { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1' },
    el(
      'div',
      { role: 'alert' },
      el('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      el(
        'div',
        { class: 'govuk-error-summary__body' },
        el('p', { class: 'govuk-body' }, error.message),
        el('p', { class: 'govuk-body' }, error.code ? hintFor(error) : error.hint),
      ),
    ),
  );
  $(container).replaceChildren(box);
  box.focus();
}

async function api(url, options = {}) {
  let res;
  try {
    res = await fetch(url, options);
  } catch {
    throw {
      message: 'The knowledge base could not be reached.',
      hint: 'Check that the service is running, then try again.',
    };
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw body?.error ?? { message: `The service answered ${res.status}.`, hint: 'Try again in a moment.' };
  return body;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el('textarea', { class: 'govuk-visually-hidden', 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

// ---- what this knowledge base is: its model, a demo, or empty -------------------
const NOTICE_HIDDEN = 'kb-builtin-notice-hidden';
let documentCount = null;
const loadHealth = () =>
  api('/api/health').then(
    (h) => {
      const e = h.embedder;
      say('embedder-name', e ? `Search model: ${e.builtin ? 'built-in (offline)' : e.id}` : 'Search model: none yet');
      $('builtin-notice').hidden = !(e && e.builtin) || sessionStorage.getItem(NOTICE_HIDDEN) === '1';
      $('demo-notice').hidden = !h.demo;
      documentCount = h.counts.documents;
      showEmpty();
    },
    () => say('embedder-name', 'Search model: unknown'),
  );
void loadHealth();
$('builtin-notice-close').addEventListener('click', () => {
  sessionStorage.setItem(NOTICE_HIDDEN, '1');
  $('builtin-notice').hidden = true;
  $('q').focus();
});
/** With no documents, the page says how to add them instead of searching nothing. */
function showEmpty() {
  $('empty').hidden = documentCount !== 0;
}

initBriefing(el, (text) => say('status', text));

// ---- search view ---------------------------------------------------------
const form = $('search-form');
const fields = ['q', 'from', 'to', 'kind'];

// Not in the form: which view of the results, how the timeline is ordered, whether to search exactly as typed (no
// completion or correction), and one document to search in.
let view = { view: '', order: '', as_typed: '', document: '' };

function readForm() {
  const p = { mode: form.elements.mode.value, ...view, repeats: $('all-repeats').checked ? 'all' : '' };
  for (const f of fields) p[f] = $(f).value.trim();
  return p;
}

function writeForm(p) {
  for (const f of fields) $(f).value = p[f] ?? '';
  (p.mode === 'ask' ? $('mode-ask') : $('mode-search')).checked = true;
  if (p.from || p.to || p.kind) $('filters').open = true;
  $('all-repeats').checked = p.repeats === 'all';
  view = {
    view: p.view === 'timeline' ? 'timeline' : '',
    order: p.order === 'oldest' ? 'oldest' : '',
    as_typed: p.as_typed === '1' ? '1' : '',
    document: /^\d+$/.test(p.document ?? '') ? p.document : '',
  };
}

function toQuery(p) {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v && !(k === 'mode' && v === 'search')) s.set(k, v);
  return s;
}

let latest = 0;
async function run(p, { push = true } = {}) {
  const url = `/${toQuery(p).size ? `?${toQuery(p)}` : ''}`;
  if (push && url !== location.pathname + location.search) history.pushState(p, '', url);
  else if (!push) history.replaceState(p, '', url);
  $('error-summary').replaceChildren();
  showViews(p);
  if (!p.q) {
    say('status', 'Type what you are looking for, then press Enter.');
    $('results').replaceChildren();
    return;
  }
  const ticket = ++latest;
  say(
    'status',
    { ask: 'Looking for an answer…', timeline: 'Finding mentions over time…' }[p.mode === 'ask' ? 'ask' : p.view] ??
      'Searching…',
  );
  $('results').setAttribute('aria-busy', 'true');
  try {
    const filters = {};
    for (const f of ['from', 'to', 'kind', 'document']) if (p[f]) filters[f] = p[f];
    const typed = p.as_typed ? { as_typed: 'true' } : {};
    if (p.mode === 'ask') {
      const res = await api('/api/ask', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: p.q, filters, as_typed: Boolean(p.as_typed) }),
      });
      if (ticket === latest) renderAnswer(res);
    } else if (p.view === 'timeline') {
      const repeats = p.repeats ? { repeats: p.repeats } : {};
      const res = await api(`/api/timeline?${new URLSearchParams({ q: p.q, ...filters, ...typed, ...repeats })}`);
      if (ticket === latest) renderTimeline(res, p);
    } else {
      const params = new URLSearchParams({
        q: p.q,
        k: '20',
        ...filters,
        ...typed,
        ...(p.repeats ? { repeats: p.repeats } : {}),
      });
      const res = await api(`/api/search?${params}`);
      if (ticket === latest) renderHits(res, p);
    }
  } catch (error) {
    if (ticket !== latest) return;
    say('status', '');
    $('results').replaceChildren();
    showError('error-summary', error);
  } finally {
    $('results').removeAttribute('aria-busy');
  }
}

function citationLine(c) {
  const bits = [
    longDate(c.date) ?? 'Undated',
    c.page ? `page ${c.page}` : null,
    c.section ? `section “${c.section}”` : null,
  ].filter(Boolean);
  return el(
    'p',
    { class: 'govuk-body-s kb-citation' },
    el('strong', {}, c.title),
    ` — ${bits.join(', ')}`,
    c.ocr
      ? [
          ' ',
          el(
            'span',
            { class: 'kb-tag kb-tag--scan' },
            `Text recognised from a scan (confidence ${c.ocr.confidence}%): check the original before quoting`,
          ),
        ]
      : null,
    c.attached_to
      ? [
          ' — came with ',
          el('a', { class: 'govuk-link', href: documentHref(c.attached_to.document_id) }, quoted(c.attached_to.title)),
        ]
      : null,
  );
}

/** "Same words in 10 documents, 9 January 2024 to 14 January 2025". */
function repeatText(r) {
  const span =
    r.first && r.last
      ? r.first === r.last
        ? `, ${longDate(r.first)}`
        : `, ${longDate(r.first)} to ${longDate(r.last)}`
      : '';
  return `Same words in ${r.documents} documents${span}`;
}

/** A button that fills `box` with a list fetched on first use, and hides it again. */
function expander(label, hiddenLabel, box, load) {
  let loaded = false;
  const button = el(
    'button',
    {
      type: 'button',
      class: 'govuk-button govuk-button--secondary',
      'aria-expanded': 'false',
      'data-module': 'govuk-button',
    },
    label,
    el('span', { class: 'govuk-visually-hidden' }, hiddenLabel),
  );
  box.hidden = true;
  button.addEventListener('click', async () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    box.hidden = !open;
    if (!open || loaded) return;
    box.replaceChildren(el('p', { class: 'govuk-body-s' }, 'Loading…'));
    try {
      box.replaceChildren(...(await load()));
      loaded = true;
    } catch (error) {
      box.replaceChildren(el('p', { class: 'govuk-body-s' }, `${error.message} ${error.code ? hintFor(error) : ''}`));
    }
  });
  return button;
}

function passageItem(hit) {
  return el(
    'li',
    {},
    el('p', { class: 'govuk-body-s kb-snippet' }, hit.text.length > 400 ? `${hit.text.slice(0, 400)}…` : hit.text),
    citationLine(hit.citation),
    documentLink(hit.citation, hit.passage_id),
  );
}

function repeatedNote(hit) {
  const r = hit.repeated;
  if (!r) return null;
  const box = el('ol', { class: 'govuk-list kb-copies', 'aria-label': `Every document with these words` });
  const show = expander(`Show all ${r.documents}`, ` documents with these words`, box, async () => {
    const res = await api(r.url);
    return res.results.map(passageItem);
  });
  return el(
    'div',
    { class: 'kb-repeated' },
    el(
      'p',
      { class: 'govuk-body-s' },
      r.standing ? el('span', { class: 'kb-tag kb-tag--standing' }, 'Standing text') : null,
      repeatText(r),
      '.',
    ),
    show,
    box,
  );
}

function relatedBox(hit) {
  const box = el('ol', { class: 'govuk-list kb-related', 'aria-label': `Passages related to this one` });
  const button = expander('Related', ` passages in other documents`, box, async () => {
    const res = await api(`/api/passages/${hit.passage_id}/similar?k=5`);
    return res.results.length
      ? res.results.map(passageItem)
      : [el('li', {}, 'No related passages in other documents.')];
  });
  return { button, box };
}

/** The text selected inside this result's passage, if any. */
function selectedIn(item) {
  const sel = document.getSelection();
  if (!sel || sel.isCollapsed || !sel.rangeCount) return '';
  const snippet = item.querySelector('.kb-snippet');
  const range = sel.getRangeAt(0);
  return snippet && snippet.contains(range.startContainer) && snippet.contains(range.endContainer)
    ? sel.toString().trim()
    : '';
}

/**
 * Copy quote, and Copy with link: the sentences that matched (or exactly
 * what the person selected in the passage) and the citation once.
 */
function copyButtonsFor(hit, item) {
  const link = new URL(hit.citation.url, location.origin).href;
  // Pressing a button can clear a selection: read it when the pointer goes down.
  let selected = '';
  const button = (label, withLink) => {
    const b = el(
      'button',
      { type: 'button', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' },
      label,
      el('span', { class: 'govuk-visually-hidden' }, ` from ${hit.citation.title}`),
    );
    b.addEventListener('pointerdown', () => (selected = selectedIn(item())));
    b.addEventListener('click', async () => {
      const words = selectedIn(item()) || selected || matchedSentences(hit.text, markedWords(hit.snippet));
      selected = '';
      await copy(quoteText(words, hit.citation, withLink ? link : null));
      say('status', `Quote copied${withLink ? ' with its link' : ''}: ${citationOf(hit.citation)}.`);
    });
    return b;
  };
  return [button('Copy quote', false), button('Copy with link', true), briefingButton(hit, hit.citation)];
}

/** Add to briefing: the passage's words, with its citation line, into the briefing panel. */
function briefingButton(hit, c) {
  return el(
    'button',
    {
      type: 'button',
      class: 'govuk-button govuk-button--secondary',
      'data-module': 'govuk-button',
      onclick: () => {
        const n = addToBriefing(hit, hit.text, `${citationOf(c)}${c.section ? `, section “${c.section}”` : ''}`);
        say('status', `Added to the briefing (${n} quote${n === 1 ? '' : 's'}).`);
      },
    },
    'Add to briefing',
    el('span', { class: 'govuk-visually-hidden' }, ` from ${c.title}`),
  );
}

function resultItem(hit, q, tags = []) {
  const related = relatedBox(hit);
  let item = null;
  item = el(
    'li',
    { class: 'kb-result' },
    tags.length ? el('p', { class: 'govuk-body-s' }, tags) : null,
    el('p', { class: 'govuk-body kb-snippet' }, snippetNodes(hit.snippet)),
    citationLine(hit.citation),
    repeatedNote(hit),
    moreNote(hit),
    el(
      'div',
      { class: 'kb-actions' },
      copyButtonsFor(hit, () => item),
      documentLink(hit.citation, hit.passage_id, q),
      related.button,
    ),
    related.box,
  );
  return item;
}

/** "2 more passages from this document match": a link to search that document alone. */
function moreNote(hit) {
  const more = hit.more_in_document;
  if (!more) return null;
  return el(
    'p',
    { class: 'govuk-body-s kb-more' },
    el(
      'a',
      { class: 'govuk-link', href: more.url },
      `${more.count} more passage${more.count === 1 ? '' : 's'} from this document`,
      el('span', { class: 'govuk-visually-hidden' }, ` (${hit.citation.title})`),
    ),
  );
}

// ---- views of the results: passages, or over time ------------------------------
function showViews(p) {
  $('views').hidden = p.mode === 'ask' || !p.q;
  for (const [id, name] of [
    ['view-passages', ''],
    ['view-timeline', 'timeline'],
  ]) {
    const link = $(id);
    link.setAttribute('href', `/?${toQuery({ ...p, view: name })}`);
    if (p.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
for (const [id, name] of [
  ['view-passages', ''],
  ['view-timeline', 'timeline'],
]) {
  $(id).addEventListener('click', (e) => {
    e.preventDefault();
    view = { ...view, view: name };
    void run(readForm());
  });
}
$('all-repeats').addEventListener('change', () => {
  if ($('q').value.trim()) void run(readForm());
});

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function monthLabel(month) {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/**
 * Mentions per month as bars: an SVG image whose title and description are
 * its text alternative. Drawn at the width it is shown at (`width`, CSS
 * pixels), so its 12 px labels stay 12 px on a phone; labels are spaced to
 * fit: months and their years over two years or less, else the years alone.
 */
export function chart(months, query, width = 960) {
  width = Math.max(280, Math.min(960, Math.round(width)));
  const height = 220;
  const top = 20;
  const bottom = 40;
  const left = 36;
  const max = Math.max(1, ...months.map((m) => m.count));
  const slot = (width - left - 10) / Math.max(1, months.length);
  const bar = Math.max(2, Math.min(40, slot * 0.7));
  const scale = (n) => (n / max) * (height - top - bottom);
  const busy = months.filter((m) => m.count);
  const alt = busy.length
    ? `Mentions per month of “${query}”: ` +
      busy.map((m) => `${monthLabel(m.month)}: ${m.count}`).join('; ') +
      `. Every other month from ${monthLabel(months[0].month)} to ${monthLabel(months[months.length - 1].month)}: none.`
    : `No dated mentions of “${query}”.`;
  const image = svg(
    'svg',
    {
      class: 'kb-chart',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-labelledby': 'chart-title chart-desc',
      focusable: 'false',
    },
    svg('title', { id: 'chart-title' }, `Mentions of “${query}” per month`),
    svg('desc', { id: 'chart-desc' }, alt),
    svg('line', { class: 'kb-axis', x1: left, y1: height - bottom, x2: width - 5, y2: height - bottom }),
    svg('text', { x: 5, y: top + 4 }, String(max)),
    svg('text', { x: 5, y: height - bottom }, '0'),
  );
  const label = (x, line, text) =>
    image.append(svg('text', { x, y: height - bottom + 16 * line, 'text-anchor': 'middle' }, text));
  // A label needs about 36 px (a month's three letters, or a year).
  const years = months.length > 24;
  const monthEvery = Math.max(1, Math.ceil(36 / slot));
  const yearEvery = Math.max(1, Math.ceil(40 / (slot * 12)));
  const firstYear = Number(months[0]?.month.slice(0, 4));
  let lastYearX = -Infinity;
  months.forEach((m, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    const h = scale(m.count);
    if (m.count) image.append(svg('rect', { class: 'kb-bar', x, y: height - bottom - h, width: bar, height: h }));
    const [y, mo] = m.month.split('-').map(Number);
    const centre = x + bar / 2;
    if (!years && i % monthEvery === 0) label(centre, 1, MONTHS[mo - 1].slice(0, 3));
    const startsYear = mo === 1 || i === 0;
    if (startsYear && (y - firstYear) % yearEvery === 0 && centre - lastYearX >= 40) {
      label(centre, years ? 1 : 2, String(y));
      lastYearX = centre;
    }
  });
  return { image, alt };
}

function renderTimeline(res, p) {
  if (!res.total && !res.meaning.length) {
    say('status', `No passage says “${res.query}”. Try other words, fewer words, or clear the filters.`);
    $('results').replaceChildren();
    return;
  }
  if (!res.total) {
    say(
      'status',
      `No passage has all the words “${res.query}”; ` +
        `${res.meaning.length} close in meaning are listed, not counted.`,
    );
    $('results').replaceChildren(meaningSection(res, p));
    return;
  }
  const busy = res.months.filter((m) => m.count);
  const mention = (m) => `${longDate(m.date)} (${m.title})`;
  say(
    'status',
    `${res.total} passage${res.total === 1 ? '' : 's'} say “${res.query}” in ${busy.length} ` +
      `month${busy.length === 1 ? '' : 's'}${res.undated.length ? `, ${res.undated.length} undated` : ''}`,
  );
  const { image } = chart(res.months, res.query, $('results').clientWidth);
  const table = el(
    'details',
    { class: 'govuk-details', 'data-module': 'govuk-details' },
    el(
      'summary',
      { class: 'govuk-details__summary' },
      el('span', { class: 'govuk-details__summary-text' }, 'Show the figures as a table'),
    ),
    el(
      'div',
      { class: 'govuk-details__text' },
      el(
        'table',
        { class: 'govuk-table', id: 'timeline-table' },
        el(
          'caption',
          { class: 'govuk-table__caption govuk-table__caption--s' },
          `Mentions of “${res.query}” per month`,
        ),
        el(
          'thead',
          { class: 'govuk-table__head' },
          el(
            'tr',
            { class: 'govuk-table__row' },
            el('th', { scope: 'col', class: 'govuk-table__header' }, 'Month'),
            el('th', { scope: 'col', class: 'govuk-table__header govuk-table__header--numeric' }, 'Mentions'),
          ),
        ),
        el(
          'tbody',
          { class: 'govuk-table__body' },
          busy.map((m) =>
            el(
              'tr',
              { class: 'govuk-table__row' },
              el('th', { scope: 'row', class: 'govuk-table__header' }, monthLabel(m.month)),
              el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, String(m.count)),
            ),
          ),
        ),
      ),
    ),
  );
  const summary = el(
    'ul',
    { class: 'govuk-list govuk-body' },
    res.first ? el('li', {}, el('strong', {}, 'First mention: '), mention(res.first)) : null,
    res.latest ? el('li', {}, el('strong', {}, 'Latest mention: '), mention(res.latest)) : null,
    el('li', {}, 'A mention is a passage with every word you typed.'),
    res.meaning.length
      ? el(
          'li',
          {},
          `${res.meaning.length} passages close in meaning, without the words, are listed after the mentions.`,
        )
      : null,
    res.truncated
      ? el('li', {}, 'More passages have these words than are shown: narrow the dates or the kind of document.')
      : null,
  );
  const oldest = p.order === 'oldest';
  const order = el(
    'p',
    { class: 'govuk-body kb-order' },
    'Quotes ',
    oldest ? 'oldest first' : 'newest first',
    ' — ',
    el(
      'a',
      {
        class: 'govuk-link',
        href: `/?${toQuery({ ...p, order: oldest ? '' : 'oldest' })}`,
        id: 'timeline-order',
        onclick: (e) => {
          e.preventDefault();
          view = { ...view, order: oldest ? '' : 'oldest' };
          void run(readForm());
        },
      },
      oldest ? 'show newest first' : 'show oldest first',
    ),
  );
  const months = oldest ? res.months : [...res.months].reverse();
  const sections = months
    .filter((m) => m.count)
    .map((m) =>
      el(
        'section',
        { class: 'kb-month', 'aria-label': monthLabel(m.month) },
        el('h3', { class: 'govuk-heading-s' }, `${monthLabel(m.month)} (${m.count})`),
        el(
          'ol',
          { class: 'govuk-list kb-results' },
          (oldest ? m.passages : [...m.passages].reverse()).map((hit) => resultItem(hit, p.q, timelineTags(hit))),
        ),
      ),
    );
  if (res.undated.length) {
    sections.push(
      el(
        'section',
        { class: 'kb-month', 'aria-label': 'Undated' },
        el('h3', { class: 'govuk-heading-s' }, `Undated (${res.undated.length})`),
        el(
          'ol',
          { class: 'govuk-list kb-results' },
          res.undated.map((hit) => resultItem(hit, p.q, timelineTags(hit))),
        ),
      ),
    );
  }
  $('results').replaceChildren(
    el('h2', { class: 'govuk-heading-m' }, `“${res.query}” over time`),
    image,
    table,
    summary,
    order,
    ...sections,
    res.meaning.length ? meaningSection(res, p) : '',
  );
}

/** Passages close in meaning that are not mentions: apart, labelled, never counted. */
function meaningSection(res, p) {
  return el(
    'section',
    { class: 'kb-meaning', 'aria-label': 'Close in meaning' },
    el('h3', { class: 'govuk-heading-s' }, `Close in meaning, without the words (${res.meaning.length}, not counted)`),
    el(
      'ol',
      { class: 'govuk-list kb-results' },
      res.meaning.map((hit) => resultItem(hit, p.q, timelineTags(hit))),
    ),
  );
}

function timelineTags(hit) {
  return [
    hit.is_first ? el('span', { class: 'kb-tag' }, 'First mention') : null,
    hit.is_latest ? el('span', { class: 'kb-tag' }, 'Latest mention') : null,
    hit.match === 'meaning' ? el('span', { class: 'kb-tag kb-tag--standing' }, 'Close in meaning') : null,
  ].filter(Boolean);
}

const documentHref = (id) => `/documents/${id}`;
const quoted = (title) => `“${title}”`;

function documentLink(c, passageId, q) {
  const query = q ? `&q=${encodeURIComponent(q)}` : '';
  const url = `/documents/${c.document_id}?passage=${passageId}${query}#passage-${passageId}`;
  const open = el(
    'a',
    { class: 'govuk-link', href: url },
    'Open in document',
    el('span', { class: 'govuk-visually-hidden' }, `: ${c.title}`),
  );
  // A document fetched from the web also links the page where it lives.
  if (!/^https?:\/\//.test(c.source)) return open;
  return [
    open,
    el(
      'a',
      { class: 'govuk-link', href: c.source, rel: 'noopener noreferrer', target: '_blank' },
      'Live page',
      el('span', { class: 'govuk-visually-hidden' }, `: ${c.title} (opens in a new tab)`),
    ),
  ];
}

function renderHits(res, p) {
  const n = res.results.length;
  const notes = [correctionNote(res.corrected, p), documentNote(p)].filter(Boolean);
  if (!n) {
    say(
      'status',
      res.below_floor
        ? `No passage has the words “${res.query}”, and none is close enough in meaning to show. Try other words.`
        : `No passages found for “${res.query}”. Try other words, fewer words, or clear the filters.`,
    );
    $('results').replaceChildren(...notes);
    return;
  }
  say('status', `${n} passage${n === 1 ? '' : 's'} found in ${Math.round(res.took_ms)} ms`);
  notes.push(followNote(p));
  const list = el(
    'ol',
    { class: 'govuk-list kb-results', 'aria-label': 'Search results' },
    res.results.map((hit) => resultItem(hit, p.q, searchTags(hit))),
  );
  $('results').replaceChildren(...notes, list);
}

/** "Showing results for apprenticeships — search instead for apprenticships", or the completions of the last word. */
function correctionNote(corrected, p) {
  if (!corrected) return null;
  const asTyped = el(
    'a',
    {
      class: 'govuk-link',
      id: 'search-as-typed',
      href: `/?${toQuery({ ...p, as_typed: '1' })}`,
      onclick: (e) => {
        e.preventDefault();
        view = { ...view, as_typed: '1' };
        void run(readForm());
      },
    },
    `search only for “${p.q}”`,
  );
  const spelling = corrected.changes.filter((c) => c.kind === 'spelling');
  const completion = corrected.changes.find((c) => c.kind === 'completion');
  return el(
    'p',
    { class: 'govuk-body kb-corrected', id: 'corrected' },
    spelling.length ? ['Showing results for ', el('strong', {}, corrected.query), '. '] : '',
    completion
      ? [
          `Including words that start with “${completion.typed}”: `,
          el('strong', {}, completion.searched.join(', ')),
          '. ',
        ]
      : '',
    spelling.length ? ['You can ', asTyped, ' instead.'] : ['Or ', asTyped, '.'],
  );
}

/** "Follow this search": its Atom feed, for Outlook or Teams, of the newest passages with its words. */
function followNote(p) {
  const feed = new URLSearchParams({ q: p.q });
  for (const f of ['from', 'to', 'kind', 'document']) if (p[f]) feed.set(f, p[f]);
  return el(
    'p',
    { class: 'govuk-body-s kb-follow' },
    el(
      'a',
      { class: 'govuk-link', id: 'follow', href: `/api/feed?${feed}`, type: 'application/atom+xml' },
      'Follow this search',
    ),
    ' (a feed of the newest passages with these words, for Outlook or Teams)',
  );
}

/** The one document searched, when a link from "more from this document" led here. */
function documentNote(p) {
  if (!p.document) return null;
  return el(
    'p',
    { class: 'govuk-body', id: 'one-document' },
    'Searching one document only. ',
    el('a', { class: 'govuk-link', href: `/?${toQuery({ ...p, document: '' })}` }, 'Search every document'),
    '.',
  );
}

function searchTags(hit) {
  return hit.match === 'meaning'
    ? [el('span', { class: 'kb-tag kb-tag--standing' }, 'Close in meaning, without your words')]
    : [];
}

function renderAnswer(res) {
  if (!res.answer.length) {
    say('status', 'No answer found in the documents. Try other words, or find passages instead.');
    $('results').replaceChildren();
    return;
  }
  say('status', `Answer from ${res.citations.length} passage${res.citations.length === 1 ? '' : 's'}`);
  const answer = el(
    'div',
    { class: 'govuk-inset-text kb-answer' },
    el('h2', { class: 'govuk-heading-m' }, 'Answer from the documents'),
    el(
      'ul',
      { class: 'govuk-list' },
      res.answer.map((a) =>
        el(
          'li',
          {},
          a.text,
          ' ',
          a.cites.map((n) =>
            el('a', { class: 'govuk-link kb-cite', href: `#cite-${n}`, 'aria-label': `source ${n}` }, `[${n}]`),
          ),
        ),
      ),
    ),
  );
  const sources = el(
    'ol',
    { class: 'govuk-list govuk-list--number' },
    res.citations.map((c) =>
      el(
        'li',
        { id: `cite-${c.n}` },
        citationLine(c),
        el(
          'div',
          { class: 'kb-actions' },
          documentLink(c, c.passage_id),
          briefingButton({ passage_id: c.passage_id, text: c.text }, c),
        ),
      ),
    ),
  );
  $('results').replaceChildren(answer, el('h2', { class: 'govuk-heading-s' }, 'Sources'), sources);
}

let timer;
form.addEventListener('submit', (e) => {
  e.preventDefault();
  clearTimeout(timer);
  void run(readForm());
});
$('q').addEventListener('input', () => {
  clearTimeout(timer);
  view = { ...view, as_typed: '' }; // new words: complete and correct them again
  const p = readForm();
  if (p.mode === 'ask') return; // questions are answered on Enter
  timer = setTimeout(() => {
    if (p.q.length >= 3 || !p.q) void run(readForm(), { push: false });
  }, 450);
});
for (const id of ['from', 'to', 'kind', 'mode-search', 'mode-ask'])
  $(id).addEventListener('change', () => {
    if ($('q').value.trim()) void run(readForm());
  });
$('clear-filters').addEventListener('click', () => {
  for (const f of ['from', 'to', 'kind']) $(f).value = '';
  void run(readForm());
});
window.addEventListener('popstate', () => route());

// ---- upload ------------------------------------------------------------------
$('token').value = sessionStorage.getItem('kb-token') ?? '';
$('token').addEventListener('change', () => sessionStorage.setItem('kb-token', $('token').value.trim()));
const drop = $('drop-zone');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('kb-drop--over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('kb-drop--over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('kb-drop--over');
  if (e.dataTransfer?.files.length) $('files').files = e.dataTransfer.files;
  say('upload-status', `${$('files').files.length} file(s) ready to add.`);
});
$('upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const files = [...$('files').files];
  const token = $('token').value.trim();
  sessionStorage.setItem('kb-token', token);
  if (!files.length) {
    say('upload-status', 'Choose one or more files first.');
    return;
  }
  const body = new FormData();
  for (const f of files) body.append('file', f, f.name);
  say('upload-status', `Adding ${files.length} file(s)…`);
  $('upload-results').replaceChildren();
  try {
    const res = await api('/api/documents', {
      method: 'POST',
      body,
      headers: { 'x-requested-with': 'kb-web', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const s = res.summary;
    say('upload-status', `${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed.`);
    $('upload-results').replaceChildren(
      ...res.results.map((r) =>
        el(
          'li',
          {},
          el('strong', {}, `${r.file ?? r.source_id}: `),
          r.status === 'failed'
            ? `not added. ${r.error.message} ${hintFor(r.error)}`
            : `${r.status} as “${r.title}”` +
                (r.published_at ? `, ${longDate(r.published_at)}` : '') +
                `, ${r.passages} passages.`,
        ),
      ),
    );
    $('files').value = '';
    void loadHealth();
  } catch (error) {
    say('upload-status', `Not added. ${error.message} ${error.code ? hintFor(error) : (error.hint ?? '')}`);
  }
});

// ---- documents list --------------------------------------------------------------
const KIND_NAMES = { bulletin: 'Bulletin', strategy: 'Strategy or plan', other: 'Document' };
const PAGE_SIZE = 50;
let listed = { query: null, offset: 0 };

async function showDocuments(params, { more = false } = {}) {
  for (const v of ['search-view', 'document-view']) $(v).hidden = true;
  $('documents-view').hidden = false;
  document.title = 'Documents – Council knowledge base';
  const query = {};
  for (const f of ['kind', 'from', 'to']) {
    const v = params.get(f) ?? '';
    $(`documents-${f}`).value = v;
    if (v) query[f] = v;
  }
  if (!more) listed = { query, offset: 0 };
  $('documents-error').replaceChildren();
  say('documents-status', 'Loading…');
  try {
    const qs = new URLSearchParams({ ...listed.query, limit: String(PAGE_SIZE), offset: String(listed.offset) });
    const res = await api(`/api/documents?${qs}`);
    const rows = res.documents.map((d) =>
      el(
        'tr',
        { class: 'govuk-table__row' },
        el('td', { class: 'govuk-table__cell' }, el('a', { class: 'govuk-link', href: documentHref(d.id) }, d.title)),
        el('td', { class: 'govuk-table__cell' }, KIND_NAMES[d.kind]),
        el('td', { class: 'govuk-table__cell' }, longDate(d.published_at) ?? 'Undated'),
        el('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, String(d.passages)),
      ),
    );
    if (more) $('documents-rows').append(...rows);
    else $('documents-rows').replaceChildren(...rows);
    listed.offset += res.documents.length;
    $('documents-table').hidden = listed.offset === 0;
    $('documents-more').hidden = listed.offset >= res.total;
    const filtered = Object.keys(listed.query).length > 0;
    say(
      'documents-status',
      res.total === 0
        ? filtered
          ? 'No documents match these filters.'
          : 'No documents yet. Add them from the search page (Add documents), or run npx kb ingest FOLDER.'
        : `${res.total} document${res.total === 1 ? '' : 's'}${filtered ? ' match' : ''}, newest first` +
            (listed.offset < res.total ? `; showing ${listed.offset}.` : '.'),
    );
  } catch (error) {
    say('documents-status', '');
    showError('documents-error', error);
  }
}
$('documents-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const s = new URLSearchParams();
  for (const f of ['kind', 'from', 'to']) if ($(`documents-${f}`).value) s.set(f, $(`documents-${f}`).value);
  history.pushState(null, '', `/documents${s.size ? `?${s}` : ''}`);
  void showDocuments(s);
});
$('documents-kind').addEventListener('change', () => $('documents-form').requestSubmit());
$('documents-more').addEventListener(
  'click',
  () => void showDocuments(new URLSearchParams(location.search), { more: true }),
);

// ---- document view -------------------------------------------------------------
async function showDocument(id, params) {
  for (const v of ['search-view', 'documents-view']) $(v).hidden = true;
  $('document-view').hidden = false;
  $('document-notice').replaceChildren();
  const back = params.get('q') ? `/?q=${encodeURIComponent(params.get('q'))}` : '/';
  $('back-link').setAttribute('href', back);
  try {
    const d = await api(`/api/documents/${encodeURIComponent(id)}`);
    const doc = d.document;
    document.title = `${doc.title} – Council knowledge base`;
    say('doc-kind', { bulletin: 'Bulletin', strategy: 'Strategy or plan', other: 'Document' }[doc.kind]);
    say('doc-title', doc.title);
    const raw = `/api/documents/${doc.id}/raw`;
    const row = (key, ...value) =>
      el(
        'div',
        { class: 'govuk-summary-list__row' },
        el('dt', { class: 'govuk-summary-list__key' }, key),
        el('dd', { class: 'govuk-summary-list__value' }, ...value),
      );
    $('doc-meta').replaceChildren(
      ...[
        row('Published', longDate(doc.published_at) ?? 'No date found'),
        doc.author ? row('From', doc.author) : null,
        doc.pages ? row('Pages', String(doc.pages)) : null,
        row('Original', el('a', { class: 'govuk-link', href: raw }, `Open the original file (${doc.file_name})`)),
        d.parent
          ? row('Attached to', el('a', { class: 'govuk-link', href: `/documents/${d.parent.id}` }, d.parent.title))
          : null,
        d.attachments.length
          ? row(
              'Attachments',
              ...d.attachments.map((a) =>
                el('p', { class: 'govuk-body' }, el('a', { class: 'govuk-link', href: `/documents/${a.id}` }, a.title)),
              ),
            )
          : null,
      ].filter(Boolean),
    );
    const target = Number(params.get('passage'));
    const out = [];
    let page = null;
    for (const p of d.passages) {
      if (p.page !== null && p.page !== page) {
        page = p.page;
        out.push(
          el(
            'p',
            { class: 'govuk-body-s kb-page' },
            el(
              'a',
              { class: 'govuk-link', href: `${raw}#page=${page}` },
              `Page ${page}`,
              el('span', { class: 'govuk-visually-hidden' }, ' of the original file'),
            ),
          ),
        );
      }
      const isTarget = p.id === target;
      out.push(
        el(
          'section',
          {
            id: `passage-${p.id}`,
            class: `govuk-body kb-passage${isTarget ? ' kb-passage--target' : ''}`,
            tabindex: isTarget ? '-1' : null,
            'aria-label': isTarget ? 'The cited passage' : null,
          },
          p.text,
        ),
      );
    }
    $('doc-text').replaceChildren(...out);
    const t = $(`passage-${target}`);
    if (t) {
      t.scrollIntoView({ block: 'center' });
      t.focus({ preventScroll: true });
    } else {
      // A link to a passage the document no longer has (it was edited): say so, and show the document.
      if (params.get('passage'))
        $('document-notice').replaceChildren(
          el(
            'div',
            { class: 'govuk-inset-text', id: 'passage-gone' },
            'The passage this link pointed to is no longer in this document: the document has changed since. ',
            params.get('q')
              ? el('a', { class: 'govuk-link', href: `/?q=${encodeURIComponent(params.get('q'))}` }, 'Search again')
              : 'Search again',
            ' to find where the words are now.',
          ),
        );
      $('doc-title').focus();
    }
  } catch (error) {
    showError('document-error', error);
  }
}

function route() {
  const m = /^\/documents\/(\d+)$/.exec(location.pathname);
  for (const [id, on] of [
    ['nav-search', location.pathname === '/'],
    ['nav-documents', location.pathname.startsWith('/documents')],
  ])
    if (on) $(id).setAttribute('aria-current', 'page');
    else $(id).removeAttribute('aria-current');
  if (m) return showDocument(m[1], new URLSearchParams(location.search));
  if (location.pathname === '/documents') return showDocuments(new URLSearchParams(location.search));
  $('search-view').hidden = false;
  $('document-view').hidden = true;
  $('documents-view').hidden = true;
  const s = new URLSearchParams(location.search);
  const p = {
    q: s.get('q') ?? '',
    from: s.get('from') ?? '',
    to: s.get('to') ?? '',
    kind: s.get('kind') ?? '',
    mode: s.get('mode') === 'ask' ? 'ask' : 'search',
    view: s.get('view') === 'timeline' ? 'timeline' : '',
    order: s.get('order') === 'oldest' ? 'oldest' : '',
    repeats: s.get('repeats') === 'all' ? 'all' : '',
    as_typed: s.get('as_typed') === '1' ? '1' : '',
    document: s.get('document') ?? '',
  };
  writeForm(p);
  return run(p, { push: false });
}

void route();
