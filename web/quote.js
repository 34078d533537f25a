// Quotes a briefing writer can paste: the words that matter and one
// citation. Pure functions, shared by the page and its tests.

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** 2016-04-26 → 26 April 2016 (null for no date). */
export function longDate(iso) {
  if (!iso) return null;
  const [y, m, d] = iso.split('-').map(Number);
  return d ? `${d} ${MONTHS[m - 1]} ${y}` : `${MONTHS[m - 1]} ${y}`;
}

/**
 * The sentences of a text, each with its start and end (Intl.Segmenter: the
 * browser's own sentence rules), and whether it is a heading (a line of its
 * own with no closing punctuation).
 */
export function sentencesOf(text) {
  const out = [];
  for (const s of new Intl.Segmenter('en', { granularity: 'sentence' }).segment(text)) {
    const trimmed = s.segment.trim();
    if (!trimmed) continue;
    const start = s.index + s.segment.indexOf(trimmed);
    const end = start + trimmed.length;
    const ownLine = /\n/.test(s.segment.slice(trimmed.length)) || end === text.length;
    out.push({ text: trimmed, start, end, heading: ownLine && !/[.!?…:;"”’)\]]$/.test(trimmed) });
  }
  return out;
}

/** The words marked in a snippet (escaped text with <mark> tags), lower case. */
export function markedWords(snippet) {
  const words = new Set();
  for (const m of snippet.matchAll(/<mark>(.*?)<\/mark>/g))
    for (const w of m[1].toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) words.add(w);
  return words;
}

const MAX_SENTENCES = 3;
/** Past this, a quote of sentences stops growing (a passage without sentence breaks is cut at a word). */
const MAX_QUOTE_CHARS = 600;

/**
 * The sentences of a passage that matched: those with the most marked
 * words, at most three, in the passage's order, with "…" where sentences
 * between them are left out. Without marked words (a match by meaning),
 * the passage's first sentences.
 */
export function matchedSentences(text, words) {
  const all = sentencesOf(text);
  const prose = all.filter((s) => !s.heading);
  const sentences = prose.length ? prose : all;
  if (!sentences.length) return '';
  const scored = sentences.map((s, i) => {
    const own = new Set(s.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
    let score = 0;
    for (const w of words) if (own.has(w)) score++;
    return { ...s, i, score };
  });
  let chosen = scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, MAX_SENTENCES);
  if (!chosen.length) chosen = scored.slice(0, MAX_SENTENCES);
  chosen.sort((a, b) => a.i - b.i);
  // Runs of neighbouring sentences are quoted as the text has them; "…" marks what is left out.
  const runs = [];
  let length = 0;
  for (const s of chosen) {
    if (runs.length && length + s.text.length > MAX_QUOTE_CHARS) break;
    const last = runs.at(-1);
    if (last && s.i === last.to + 1) Object.assign(last, { to: s.i, end: s.end });
    else runs.push({ from: s.i, to: s.i, start: s.start, end: s.end });
    length += s.text.length;
  }
  let out = runs.map((r) => text.slice(r.start, r.end).replace(/\s*\n\s*/g, ' ')).join(' … ');
  if (runs[0].from > 0) out = '… ' + out;
  if (out.length > MAX_QUOTE_CHARS + 4) out = out.slice(0, MAX_QUOTE_CHARS).replace(/\s+\S*$/, '') + ' …';
  else if (runs.at(-1).to < sentences.length - 1) out += ' …';
  return out;
}

/**
 * The citation, once: the title; the date unless the title already
 * carries it ("26 April 2016 weekly update"); the page for PDFs.
 */
export function citationOf(c) {
  const date = longDate(c.date);
  const parts = [c.title];
  if (date && !c.title.toLowerCase().includes(date.toLowerCase())) parts.push(date);
  if (c.page) parts.push(`p. ${c.page}`);
  return parts.join(', ');
}

/** "…" (Title, 10 March 2015, p. 3), and with a link: the same followed by the address of the passage. */
export function quoteText(words, c, link = null) {
  const quote = `“${words.trim()}” (${citationOf(c)})`;
  return link ? `${quote} ${link}` : quote;
}
