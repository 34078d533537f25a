import { eng } from 'stopword';

/**
 * Words that carry no subject in a search. Pure.
 *
 * `QUESTION_WORDS` frame a question to this product ("what did we say
 * about …", "tell me anything written on …"): they are not what the
 * person is looking for, and a passage that happens to say "says" is no
 * closer to the question for it.
 */
export const QUESTION_WORDS: readonly string[] = [
  'say',
  'said',
  'says',
  'tell',
  'told',
  'mention',
  'mentioned',
  'talk',
  'talked',
  'wrote',
  'written',
  'anything',
  'something',
];

const STOP = new Set([...eng, ...QUESTION_WORDS]);
const QUESTION = new Set(QUESTION_WORDS);

/** An English stop word or a question word (lower case). */
export function isStopWord(word: string): boolean {
  return STOP.has(word);
}

export function isQuestionWord(word: string): boolean {
  return QUESTION.has(word);
}
