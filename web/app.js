// The search page: plain DOM, no framework. Ingested text is only ever
// inserted as text nodes; the server's snippets (escaped, then marked) are
// rebuilt node by node, never assigned as HTML.
const $ = (id) => document.getElementById(id);
document.body.classList.add('js-enabled', 'govuk-frontend-supported');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export function longDate(iso) {
  if (!iso) return null;
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** "…" (Title, 10 March 2015, p. 3): the exact stored words and where they come from. */
export function quoteText(text, c) {
  const parts = [c.title, longDate(c.date), c.page ? `p. ${c.page}` : null].filter(Boolean);
  return `"${text}" (${parts.join(', ')})`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
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
  const box = el('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1' },
    el('div', { role: 'alert' },
      el('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      el('div', { class: 'govuk-error-summary__body' },
        el('p', { class: 'govuk-body' }, error.message),
        error.hint ? el('p', { class: 'govuk-body' }, error.hint) : null)));
  $(container).replaceChildren(box);
  box.focus();
}

async function api(url, options = {}) {
  let res;
  try {
    res = await fetch(url, options);
  } catch {
    throw { message: 'The knowledge base could not be reached.', hint: 'Check that the service is running, then try again.' };
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

// ---- the active embedder ------------------------------------------------
api('/api/health').then((h) => {
  const e = h.embedder;
  say('embedder-name', e ? `Search model: ${e.builtin ? 'built-in (offline)' : e.id}` : 'Search model: none yet');
  $('builtin-notice').hidden = !(e && e.builtin);
}, () => say('embedder-name', 'Search model: unknown'));

// ---- search view ---------------------------------------------------------
const form = $('search-form');
const fields = ['q', 'from', 'to', 'kind'];

function readForm() {
  const p = { mode: form.elements.mode.value };
  for (const f of fields) p[f] = $(f).value.trim();
  return p;
}

function writeForm(p) {
  for (const f of fields) $(f).value = p[f] ?? '';
  (p.mode === 'ask' ? $('mode-ask') : $('mode-search')).checked = true;
  if (p.from || p.to || p.kind) $('filters').open = true;
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
  if (!p.q) {
    say('status', 'Type what you are looking for, then press Enter.');
    $('results').replaceChildren();
    return;
  }
  const ticket = ++latest;
  say('status', p.mode === 'ask' ? 'Looking for an answer…' : 'Searching…');
  $('results').setAttribute('aria-busy', 'true');
  try {
    const filters = {};
    for (const f of ['from', 'to', 'kind']) if (p[f]) filters[f] = p[f];
    if (p.mode === 'ask') {
      const res = await api('/api/ask', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: p.q, filters }) });
      if (ticket === latest) renderAnswer(res);
    } else {
      const res = await api(`/api/search?${new URLSearchParams({ q: p.q, k: '20', ...filters })}`);
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
  const bits = [longDate(c.date) ?? 'Undated', c.page ? `page ${c.page}` : null, c.section ? `section “${c.section}”` : null].filter(Boolean);
  return el('p', { class: 'govuk-body-s kb-citation' },
    el('strong', {}, c.title), ` — ${bits.join(', ')}`,
    c.attached_to ? ` — attached to “${c.attached_to.title}”` : null);
}

function documentLink(c, passageId, q) {
  const url = `/documents/${c.document_id}?passage=${passageId}${q ? `&q=${encodeURIComponent(q)}` : ''}#passage-${passageId}`;
  return el('a', { class: 'govuk-link', href: url }, 'Open in document', el('span', { class: 'govuk-visually-hidden' }, `: ${c.title}`));
}

function renderHits(res, p) {
  const n = res.results.length;
  if (!n) {
    say('status', `No passages found for “${res.query}”. Try other words, fewer words, or clear the filters.`);
    $('results').replaceChildren();
    return;
  }
  say('status', `${n} passage${n === 1 ? '' : 's'} found in ${Math.round(res.took_ms)} ms`);
  const list = el('ol', { class: 'govuk-list kb-results', 'aria-label': 'Search results' },
    res.results.map((hit) => {
      const copyButton = el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', 'data-module': 'govuk-button' }, 'Copy quote', el('span', { class: 'govuk-visually-hidden' }, ` from ${hit.citation.title}`));
      copyButton.addEventListener('click', async () => {
        await copy(quoteText(hit.text, hit.citation));
        say('status', `Quote copied from ${hit.citation.title}${hit.citation.date ? `, ${longDate(hit.citation.date)}` : ''}.`);
      });
      return el('li', { class: 'kb-result' },
        el('p', { class: 'govuk-body kb-snippet' }, snippetNodes(hit.snippet)),
        citationLine(hit.citation),
        el('div', { class: 'kb-actions' }, copyButton, documentLink(hit.citation, hit.passage_id, p.q)));
    }));
  $('results').replaceChildren(list);
}

function renderAnswer(res) {
  if (!res.answer.length) {
    say('status', 'No answer found in the documents. Try other words, or find passages instead.');
    $('results').replaceChildren();
    return;
  }
  say('status', `Answer from ${res.citations.length} passage${res.citations.length === 1 ? '' : 's'}`);
  const answer = el('div', { class: 'govuk-inset-text kb-answer' },
    el('h2', { class: 'govuk-heading-m' }, 'Answer from the documents'),
    el('ul', { class: 'govuk-list' }, res.answer.map((a) => el('li', {}, a.text, ' ',
      a.cites.map((n) => el('a', { class: 'govuk-link kb-cite', href: `#cite-${n}`, 'aria-label': `source ${n}` }, `[${n}]`))))));
  const sources = el('ol', { class: 'govuk-list govuk-list--number' }, res.citations.map((c) => el('li', { id: `cite-${c.n}` },
    citationLine(c),
    el('div', { class: 'kb-actions' }, documentLink(c, c.passage_id)))));
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
  const p = readForm();
  if (p.mode === 'ask') return; // questions are answered on Enter
  timer = setTimeout(() => { if (p.q.length >= 3 || !p.q) void run(readForm(), { push: false }); }, 450);
});
for (const id of ['from', 'to', 'kind', 'mode-search', 'mode-ask']) $(id).addEventListener('change', () => { if ($('q').value.trim()) void run(readForm()); });
$('clear-filters').addEventListener('click', () => {
  for (const f of ['from', 'to', 'kind']) $(f).value = '';
  void run(readForm());
});
window.addEventListener('popstate', () => route());

// ---- upload ------------------------------------------------------------------
$('token').value = sessionStorage.getItem('kb-token') ?? '';
$('token').addEventListener('change', () => sessionStorage.setItem('kb-token', $('token').value.trim()));
const drop = $('drop-zone');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('kb-drop--over'); });
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
  if (!files.length) { say('upload-status', 'Choose one or more files first.'); return; }
  const body = new FormData();
  for (const f of files) body.append('file', f, f.name);
  say('upload-status', `Adding ${files.length} file(s)…`);
  $('upload-results').replaceChildren();
  try {
    const res = await api('/api/documents', { method: 'POST', body, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const s = res.summary;
    say('upload-status', `${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed.`);
    $('upload-results').replaceChildren(...res.results.map((r) => el('li', {},
      el('strong', {}, `${r.file ?? r.source_id}: `),
      r.status === 'failed' ? `not added. ${r.error.message} ${r.error.hint}` : `${r.status} as “${r.title}”${r.published_at ? `, ${longDate(r.published_at)}` : ''}, ${r.passages} passages.`)));
    $('files').value = '';
  } catch (error) {
    say('upload-status', `Not added. ${error.message} ${error.hint ?? ''}`);
  }
});

// ---- document view -------------------------------------------------------------
async function showDocument(id, params) {
  $('search-view').hidden = true;
  $('document-view').hidden = false;
  const back = params.get('q') ? `/?q=${encodeURIComponent(params.get('q'))}` : '/';
  $('back-link').setAttribute('href', back);
  try {
    const d = await api(`/api/documents/${encodeURIComponent(id)}`);
    const doc = d.document;
    document.title = `${doc.title} – Council knowledge base`;
    say('doc-kind', { bulletin: 'Bulletin', strategy: 'Strategy or plan', other: 'Document' }[doc.kind]);
    say('doc-title', doc.title);
    const raw = `/api/documents/${doc.id}/raw`;
    const row = (key, ...value) => el('div', { class: 'govuk-summary-list__row' }, el('dt', { class: 'govuk-summary-list__key' }, key), el('dd', { class: 'govuk-summary-list__value' }, ...value));
    $('doc-meta').replaceChildren(...[
      row('Published', longDate(doc.published_at) ?? 'No date found'),
      doc.author ? row('From', doc.author) : null,
      doc.pages ? row('Pages', String(doc.pages)) : null,
      row('Original', el('a', { class: 'govuk-link', href: raw }, `Open the original file (${doc.file_name})`)),
      d.parent ? row('Attached to', el('a', { class: 'govuk-link', href: `/documents/${d.parent.id}` }, d.parent.title)) : null,
      d.attachments.length ? row('Attachments', ...d.attachments.map((a) => el('p', { class: 'govuk-body' }, el('a', { class: 'govuk-link', href: `/documents/${a.id}` }, a.title)))) : null,
    ].filter(Boolean));
    const target = Number(params.get('passage'));
    const out = [];
    let page = null;
    for (const p of d.passages) {
      if (p.page !== null && p.page !== page) {
        page = p.page;
        out.push(el('p', { class: 'govuk-body-s kb-page' }, el('a', { class: 'govuk-link', href: `${raw}#page=${page}` }, `Page ${page}`, el('span', { class: 'govuk-visually-hidden' }, ' of the original file'))));
      }
      const isTarget = p.id === target;
      out.push(el('section', { id: `passage-${p.id}`, class: `govuk-body kb-passage${isTarget ? ' kb-passage--target' : ''}`, tabindex: isTarget ? '-1' : null, 'aria-label': isTarget ? 'The cited passage' : null }, p.text));
    }
    $('doc-text').replaceChildren(...out);
    const t = $(`passage-${target}`);
    if (t) {
      t.scrollIntoView({ block: 'center' });
      t.focus({ preventScroll: true });
    } else $('doc-title').focus();
  } catch (error) {
    showError('document-error', error);
  }
}

function route() {
  const m = /^\/documents\/(\d+)$/.exec(location.pathname);
  if (m) return showDocument(m[1], new URLSearchParams(location.search));
  $('search-view').hidden = false;
  $('document-view').hidden = true;
  const s = new URLSearchParams(location.search);
  const p = { q: s.get('q') ?? '', from: s.get('from') ?? '', to: s.get('to') ?? '', kind: s.get('kind') ?? '', mode: s.get('mode') === 'ask' ? 'ask' : 'search' };
  writeForm(p);
  return run(p, { push: false });
}

void route();
