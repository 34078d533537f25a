import { Option, type Command } from 'commander';
import { DOCUMENT_KINDS } from '../../store/types.js';
import { parseOptions, withKb, type Context } from '../context.js';
import { longDate, monthLabel, quoteWithCitation, repeatNote } from '../format.js';
import type { KnowledgeBase } from '../../knowledge-base.js';
import { fromDate, newestMentions } from '../../search/feed.js';

type FilterOptions = { from?: string; to?: string; kind?: string; document?: string };
type Run = (action: (ctx: Context) => Promise<number | void>) => Promise<void>;

const filterOptions = (cmd: Command) =>
  cmd
    .option('--from <date>', 'published on or after (YYYY-MM-DD)')
    .option('--to <date>', 'published on or before (YYYY-MM-DD)')
    .addOption(new Option('--kind <kind>', 'only this kind of document').choices(DOCUMENT_KINDS))
    .option('--document <id>', 'only this document (and its attachments)');

const modeOption = (what: string) =>
  new Option('--mode <mode>', what).choices(['hybrid', 'semantic', 'lexical']).default('hybrid');
const filtersOf = (o: FilterOptions) => ({ from: o.from, to: o.to, kind: o.kind, document: o.document });

/** kb search, kb timeline, kb ask: the API's objects with --json, readable text with citations without. */
export function searchCommands(program: Command, run: Run): void {
  filterOptions(
    program.command('search').description('search passages by meaning and words; prints each with its citation'),
  )
    .argument('<query...>', 'what to look for')
    .option('-k, --k <n>', 'how many results', '10')
    .addOption(modeOption('hybrid, semantic or lexical'))
    .option('--per-doc <n>', 'at most this many passages per document', '3')
    .option(
      '--all-repeats',
      'list every copy of text repeated across documents at its own rank (default: one hit per text, standing ' +
        'text last)',
    )
    .option('--since <date>', 'the newest passages with the words published on or after DATE, newest first')
    .addHelpText(
      'after',
      '\nExamples:\n  kb search what did we say about apprenticeships\n  kb search "specialist places" -k 5 ' +
        '--from 2024-01-01 --kind bulletin\n  kb --json search attendance --mode lexical\n' +
        '  kb --json search apprenticeships --since 2025-01-01   (what is new: the same as the feed)',
    )
    .action(
      (
        words: string[],
        o: FilterOptions & { k: string; mode: string; perDoc: string; allRepeats?: boolean; since?: string },
      ) =>
        run((ctx) =>
          withKb(
            ctx,
            async (kb) => {
              if (o.since) return newestSince(ctx, kb, words.join(' '), o);
              const req = parseOptions(
                ctx.requests.search,
                {
                  q: words.join(' '),
                  k: o.k,
                  mode: o.mode,
                  per_doc: o.perDoc,
                  repeats: o.allRepeats ? 'all' : 'collapse',
                  ...filtersOf(o),
                },
                { k: '-k' },
              );
              const res = await kb.search(req);
              if (ctx.out.json) return ctx.out.result(res, '');
              ctx.out.say(
                `${res.results.length} results for "${res.query}" (${res.mode}, ${res.took_ms} ms, embedder ` +
                  `${res.embedder?.id ?? 'none'})\n`,
              );
              res.results.forEach((h, i) =>
                ctx.out.say(
                  `${i + 1}. ${quoteWithCitation(h.text.replace(/\s+/g, ' '), h.citation)}\n   ` +
                    (h.citation.section ? `Section: ${h.citation.section}. ` : '') +
                    `Document ${h.citation.document_id}, characters ${h.citation.start}-${h.citation.end}` +
                    (/^https?:\/\//.test(h.citation.source) ? `\n   ${h.citation.source}` : '') +
                    (h.repeated ? `\n   ${repeatNote(h.repeated)}` : '') +
                    '\n',
                ),
              );
            },
            { mode: 'read' },
          ),
        ),
    );

  filterOptions(
    program
      .command('timeline')
      .description('what the documents say about a query over time: mentions per month, first and latest, with quotes'),
  )
    .argument('<query...>', 'what to look for')
    .addOption(modeOption('hybrid (words, and the nearest in meaning), lexical (words only) or semantic'))
    .option('--limit <n>', 'passages at most', '200')
    .option('--all-repeats', 'count every copy of repeated text (default: once, at its earliest date)')
    .option('--oldest-first', 'list quotes oldest first (default: newest first)')
    .addHelpText(
      'after',
      '\nExamples:\n  kb timeline apprenticeships\n  kb timeline "early help" --mode lexical --from 2015-01-01 ' +
        '--oldest-first',
    )
    .action(
      (
        words: string[],
        o: FilterOptions & { mode: string; limit: string; allRepeats?: boolean; oldestFirst?: boolean },
      ) =>
        run((ctx) =>
          withKb(
            ctx,
            async (kb) => {
              const req = parseOptions(ctx.requests.timeline, {
                q: words.join(' '),
                mode: o.mode,
                limit: o.limit,
                repeats: o.allRepeats ? 'all' : 'collapse',
                ...filtersOf(o),
              });
              const res = await kb.timeline(req);
              if (ctx.out.json) return ctx.out.result(res, '');
              const months = res.months.filter((m) => m.count);
              ctx.out.say(
                `${res.total} passages say "${res.query}", in ${months.length} ` +
                  `months${res.truncated ? ` (more have the words: raise --limit)` : ''}`,
              );
              if (res.first)
                ctx.out.say(
                  `first: ${res.first.date}, ${res.first.title}\nlatest: ${res.latest!.date}, ${res.latest!.title}`,
                );
              const width = Math.max(1, ...months.map((m) => m.count));
              for (const m of res.months)
                ctx.out.say(
                  `  ${monthLabel(m.month).padEnd(15)} ${'#'.repeat(Math.ceil((m.count / width) * 40))} ` +
                    `${m.count || ''}`,
                );
              ctx.out.say('');
              const entries = [...res.months.flatMap((m) => m.passages), ...res.undated];
              if (!o.oldestFirst) entries.reverse();
              for (const e of entries)
                ctx.out.say(
                  (e.is_first ? '[first] ' : e.is_latest ? '[latest] ' : '') +
                    `${quoteWithCitation(e.text.replace(/\s+/g, ' '), e.citation)}\n`,
                );
              if (res.meaning.length) {
                ctx.out.say(`Close in meaning, without the words (not counted above):\n`);
                for (const e of res.meaning)
                  ctx.out.say(`${quoteWithCitation(e.text.replace(/\s+/g, ' '), e.citation)}\n`);
              }
            },
            { mode: 'read' },
          ),
        ),
    );

  filterOptions(
    program
      .command('ask')
      .description('an extractive answer: the sentences that best answer the question, with citations'),
  )
    .argument('<question...>', 'the question')
    .option('-k, --k <n>', 'passages to draw sentences from (at most 10)', '10')
    .addHelpText(
      'after',
      '\nExamples:\n  kb ask how many new specialist places will open in September\n  kb --json ask "what is the ' +
        'attendance target" --from 2024-01-01',
    )
    .action((words: string[], o: FilterOptions & { k: string }) =>
      run((ctx) =>
        withKb(
          ctx,
          async (kb) => {
            const filters = parseOptions(
              ctx.requests.search.pick({ from: true, to: true, kind: true, document: true }),
              filtersOf(o),
            );
            const body = parseOptions(
              ctx.requests.ask,
              { question: words.join(' '), k: /^\d+$/.test(o.k) ? Math.min(Number(o.k), 10) : o.k, filters },
              { k: '-k' },
            );
            const answer = await kb.ask(body);
            if (ctx.out.json) return ctx.out.result(answer, '');
            if (!answer.answer.length)
              return ctx.out.say('No answer found in the documents. Try other words, or `kb search`.');
            ctx.out.say(answer.answer.map((a) => `${a.text} [${a.cites.join(', ')}]`).join('\n') + '\n');
            for (const c of answer.citations)
              ctx.out.say(
                `[${c.n}] ${c.title}` +
                  (c.date ? `, ${longDate(c.date)}` : '') +
                  (c.page ? `, p. ${c.page}` : '') +
                  (c.section ? ` (${c.section})` : ''),
              );
          },
          { mode: 'read' },
        ),
      ),
    );
}

/** kb search --since: what /api/feed gives, the newest passages with the words, newest first. */
async function newestSince(
  ctx: Context,
  kb: KnowledgeBase,
  q: string,
  o: FilterOptions & { k: string; since?: string },
): Promise<void> {
  const req = parseOptions(ctx.requests.feed, { q, since: o.since, ...filtersOf(o) }, {});
  const from = fromDate(req.since, req.from);
  const t = await kb.timeline({ ...req, mode: 'lexical', limit: ctx.config.maxTimeline, repeats: 'collapse', from });
  const entries = newestMentions(t, Number(o.k) || 10);
  if (ctx.out.json) return ctx.out.result({ query: t.query, since: req.since, results: entries }, '');
  ctx.out.say(`${entries.length} newest passages with "${t.query}" since ${longDate(req.since ?? null)}\n`);
  for (const e of entries) ctx.out.say(`${quoteWithCitation(e.text.replace(/\s+/g, ' '), e.citation)}\n`);
}
