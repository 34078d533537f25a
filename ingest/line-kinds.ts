/**
 * Lines that look like something other than prose or a heading. Pure.
 *
 * Technical documents and tables put short, capitalised lines with no full
 * stop on the page ("4 CARD32 ICON_NAME_OFFSET", "Version ::= INTEGER",
 * "55:text/x-diff:*.patch"), which a heading test built for prose would take
 * for headings; a contents page or an index is lines of dot leaders and page
 * numbers ("2.1 Naming . . . . . . 4"), which no one searching wants as a
 * passage.
 */

/** Characters that prose headings do not use but code, markup and tables do. */
const CODE_CHARACTERS = /[=;{}<>[\]*\\|@#$^~`"]|::|:\/\/|:\S/;
/** An identifier joined by underscores (ICON_NAME_OFFSET, __NOGLOBS__). */
const UNDERSCORED = /\w_|_\w/;
/** Letters and digits run together, with four letters or more (CARD32, asn1Coding, UTF8String; not KS2 or Y10). */
const MIXED = /^(?=(?:.*\p{L}){4})(?=.*\p{N})[\p{L}\p{N}]+$/u;
/** A slash between letters (text/x-diff, inode/directory; not 2015/16). */
const LETTER_SLASH = /\p{L}\/\p{L}/u;

/** A line that reads as code, markup or a table row, never as a heading. */
export function looksLikeCode(line: string): boolean {
  if (CODE_CHARACTERS.test(line) || UNDERSCORED.test(line) || LETTER_SLASH.test(line)) return true;
  return line.split(/\s+/).some((token) => MIXED.test(token.replace(/^\W+|\W+$/gu, '')));
}

/** Four or more dots in a row, spaced or not: a leader. */
const LEADER = /(?:\.\s*){4,}/;

/**
 * A contents or index line: a dot leader that ends in a page number
 * ("1 Introduction . . . . 2", "asn1_create_element . . . 9"), or a line that is
 * mostly leader (the part of an entry that ran on to the next line).
 */
export function isContentsLine(line: string): boolean {
  if (!LEADER.test(line)) return false;
  if (/(?:\.\s*){4,}\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*$/i.test(line)) return true;
  const visible = line.replace(/\s+/g, '');
  const dots = (visible.match(/\./g) ?? []).length;
  return dots >= visible.length * 0.5;
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?' +
  '|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DATE_LINE = new RegExp(
  `^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\\s+)?(?:\\d{1,2}(?:st|nd|rd|th)?\\s+)?${MONTH}` +
    `(?:\\s+\\d{1,2}(?:st|nd|rd|th)?,?)?\\s+\\d{4}$|^\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}$|^\\d{4}-\\d{2}-\\d{2}$`,
  'i',
);

/** A line that is a date and nothing else ("26 April 2016", "Tuesday 9 March 2015", "2016-04-26"). */
export function isDateLine(line: string): boolean {
  return DATE_LINE.test(line.trim());
}

/** A short line that must not be taken for a heading: code, a date, or fewer than two letters. */
export function cannotBeHeading(line: string): boolean {
  return looksLikeCode(line) || isDateLine(line) || (line.match(/\p{L}/gu) ?? []).length < 2;
}
