import { stemOf, wordsOf } from '../text/terms.js';
import type { Db, Statement } from './sqlite.js';

/**
 * The collection's vocabulary: every word (as search normalises it) that a
 * passage has held, with its Porter stem. FTS5's own vocabulary holds only
 * stems ("educ" for education, educational, educating), which is no use for
 * completing what someone is typing ("educati") or for correcting a typo to
 * a word people would recognise; this table holds the words.
 *
 * Words are added in the transaction that adds their passages and are never
 * removed: whether a word is still in the collection is read from FTS5 (its
 * stem has postings), so a deleted document's words simply stop counting.
 * Only words of letters (2 to 40 of them) are kept: numbers and codes are
 * neither completed nor corrected.
 */
export interface VocabularyWord {
  word: string;
  stem: string;
}

/** Words remembered as already stored, per connection, before the memory is cleared. */
const KNOWN_LIMIT = 200_000;

export function vocabularyWords(text: string): string[] {
  return wordsOf(text).filter((w) => w.length >= 2 && w.length <= 40 && /^\p{L}+$/u.test(w));
}

export class Vocabulary {
  private readonly s: Record<string, Statement>;
  private readonly known = new Set<string>();

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      add: p('INSERT OR IGNORE INTO vocabulary (word, stem) VALUES (?, ?)'),
      range: p('SELECT word, stem FROM vocabulary WHERE word >= ? AND word < ? LIMIT ?'),
      near: p(
        'SELECT word, stem FROM vocabulary WHERE word >= @from AND word < @to AND length(word) BETWEEN @shortest ' +
          'AND @longest',
      ),
      has: p('SELECT 1 FROM vocabulary WHERE word = ?').pluck(),
    };
  }

  /** Adds the words of a passage's text (call inside the transaction that stores it). */
  add(text: string): void {
    for (const word of vocabularyWords(text)) {
      if (this.known.has(word)) continue;
      this.s.add!.run(word, stemOf(word));
      if (this.known.size >= KNOWN_LIMIT) this.known.clear();
      this.known.add(word);
    }
  }

  /** Words that start with `prefix`, in order, at most `limit`. */
  startingWith(prefix: string, limit: number): VocabularyWord[] {
    return this.s.range!.all(prefix, afterPrefix(prefix), limit) as VocabularyWord[];
  }

  /** Words with the same first letter as `word` and a length within `spread` of its length. */
  *alike(word: string, spread: number): IterableIterator<VocabularyWord> {
    const first = String.fromCodePoint(word.codePointAt(0)!);
    yield* this.s.near!.iterate({
      from: first,
      to: afterPrefix(first),
      shortest: word.length - spread,
      longest: word.length + spread,
    }) as IterableIterator<VocabularyWord>;
  }

  /** Forgets which words are stored (after a transaction that added some was rolled back). */
  forget(): void {
    this.known.clear();
  }

  has(word: string): boolean {
    return this.s.has!.get(word) !== undefined;
  }
}

/** The smallest string after every string that starts with `prefix`. */
function afterPrefix(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1)!;
  return prefix.slice(0, prefix.length - String.fromCodePoint(last).length) + String.fromCodePoint(last + 1);
}
