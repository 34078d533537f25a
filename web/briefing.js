// The briefing panel: quotes a briefing writer collects from results,
// answers and the timeline, in their order, each with a note; kept in this
// browser (localStorage, nothing to log in to) and exported as a Word
// document or Markdown through POST /api/briefings/export.

const KEY = 'kb-briefing';
const $ = (id) => document.getElementById(id);

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (saved && Array.isArray(saved.items)) return { title: String(saved.title ?? ''), items: saved.items };
  } catch {
    // A damaged entry starts a new pack.
  }
  return { title: '', items: [] };
}

let pack = load();
const save = () => localStorage.setItem(KEY, JSON.stringify(pack));

/** Builds the panel's list; `el` is the page's element helper, `announce` its status line. */
export function initBriefing(el, announce) {
  const render = () => {
    $('briefing-count').textContent = String(pack.items.length);
    $('briefing-title').value = pack.title;
    $('briefing-empty').hidden = pack.items.length > 0;
    $('briefing-export').hidden = pack.items.length === 0;
    $('briefing-items').replaceChildren(
      ...pack.items.map((item, i) => {
        const move = (by, label) =>
          el(
            'button',
            {
              type: 'button',
              class: 'govuk-button govuk-button--secondary kb-small-button',
              disabled: i + by < 0 || i + by >= pack.items.length,
              onclick: () => {
                const [moved] = pack.items.splice(i, 1);
                pack.items.splice(i + by, 0, moved);
                save();
                render();
                $(`briefing-item-${i + by}`)
                  ?.querySelector(by < 0 ? '.kb-up' : '.kb-down')
                  ?.focus();
              },
            },
            label,
            el('span', { class: 'govuk-visually-hidden' }, ` quote ${i + 1}`),
          );
        const up = move(-1, 'Move up');
        up.classList.add('kb-up');
        const down = move(1, 'Move down');
        down.classList.add('kb-down');
        const noteId = `briefing-note-${i}`;
        const note = el('textarea', { class: 'govuk-textarea', id: noteId, rows: '2' });
        note.value = item.note ?? '';
        note.addEventListener('input', () => {
          item.note = note.value;
          save();
        });
        return el(
          'li',
          { class: 'kb-briefing-item', id: `briefing-item-${i}` },
          el('p', { class: 'govuk-body kb-briefing-quote' }, `“${item.words}”`),
          el('p', { class: 'govuk-body-s kb-citation' }, item.source),
          el(
            'div',
            { class: 'govuk-form-group' },
            el('label', { class: 'govuk-label govuk-label--s', for: noteId }, `Note on quote ${i + 1}`),
            note,
          ),
          el(
            'div',
            { class: 'kb-actions' },
            up,
            down,
            el(
              'button',
              {
                type: 'button',
                class: 'govuk-button govuk-button--warning kb-small-button',
                onclick: () => {
                  pack.items.splice(i, 1);
                  save();
                  render();
                  announce(`Quote ${i + 1} removed from the briefing.`);
                },
              },
              'Remove',
              el('span', { class: 'govuk-visually-hidden' }, ` quote ${i + 1}`),
            ),
          ),
        );
      }),
    );
  };
  $('briefing-title').addEventListener('input', () => {
    pack.title = $('briefing-title').value;
    save();
  });
  for (const format of ['docx', 'md'])
    $(`briefing-export-${format}`).addEventListener('click', () => void exportPack(format, announce));
  addToBriefing.render = render;
  render();
}

/** Adds a quote (the passage's words, or the sentences chosen) with its citation line. */
export function addToBriefing(hit, words, source) {
  pack.items.push({ passage_id: hit.passage_id, words, source, note: '' });
  save();
  addToBriefing.render?.();
  return pack.items.length;
}

async function exportPack(format, announce) {
  const body = {
    title: pack.title.trim() || 'Briefing',
    format,
    items: pack.items.map((i) => ({ passage_id: i.passage_id, text: i.words, ...(i.note ? { note: i.note } : {}) })),
  };
  announce('Preparing the briefing…');
  const res = await fetch('/api/briefings/export', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const error = (await res.json().catch(() => null))?.error;
    announce(`The briefing could not be made. ${error?.message ?? ''}`);
    return;
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `briefing.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce(`Briefing saved as ${name}.`);
}
