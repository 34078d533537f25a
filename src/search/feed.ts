import type { TimelineEntry, TimelineResponse } from '../api/responses.js';

/**
 * A followed search as an Atom feed (RFC 4287): the newest passages with
 * the search's words, newest first, each linking to the passage in its
 * document. Outlook and Teams read Atom with nothing installed. Pure.
 */
export interface FeedOptions {
  query: string;
  /** The feed's own address, and the page that shows the same search. */
  selfUrl: string;
  pageUrl: string;
  base: string;
}

/** The first date a followed search reads from: the later of `since` and `from`. */
export function fromDate(since?: string, from?: string): string | undefined {
  return since && (!from || since > from) ? since : from;
}

/** The dated mentions of a timeline, newest first (then by passage id, newest first). */
export function newestMentions(t: TimelineResponse, limit: number): TimelineEntry[] {
  return t.months
    .flatMap((m) => m.passages)
    .sort((a, b) => (b.citation.date ?? '').localeCompare(a.citation.date ?? '') || b.passage_id - a.passage_id)
    .slice(0, limit);
}

const escape = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const stamp = (date: string | null) => `${date ?? '1970-01-01'}T00:00:00Z`;

export function atomFeed(entries: TimelineEntry[], o: FeedOptions): string {
  const updated = entries[0] ? stamp(entries[0].citation.date) : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const items = entries.map((e) => {
    const url = new URL(e.citation.url, o.base).href;
    const title = [e.citation.title, e.citation.page ? `p. ${e.citation.page}` : null].filter(Boolean).join(', ');
    const text = e.text.length > 1_000 ? `${e.text.slice(0, 1_000)}…` : e.text;
    return [
      '  <entry>',
      `    <id>${escape(url)}</id>`,
      `    <title>${escape(title)}</title>`,
      `    <updated>${stamp(e.citation.date)}</updated>`,
      `    <link rel="alternate" type="text/html" href="${escape(url)}"/>`,
      `    <content type="text">${escape(text)}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${escape(o.selfUrl)}</id>`,
    `  <title>${escape(`Council knowledge base: “${o.query}”`)}</title>`,
    `  <subtitle>The newest passages with these words, newest first</subtitle>`,
    `  <updated>${updated}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${escape(o.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escape(o.pageUrl)}"/>`,
    '  <author><name>Council knowledge base</name></author>',
    ...items,
    '</feed>',
    '',
  ].join('\n');
}
