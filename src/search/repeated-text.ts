/**
 * Repeated text: passages whose normalised words (their fingerprint) recur
 * in several documents, such as signatures, standing items and "If you
 * require any assistance…". Pure.
 */

/*
 * Text in at least KB_REPEAT_MIN_DOCUMENTS documents (3) is standing text (a
 * signature, a standing item): collapsed, and ranked below original text.
 * Text in fewer documents (a paragraph carried into next week's bulletin) is
 * collapsed too, but keeps its rank.
 */

/**
 * Collapses a ranked list: only the best-ranked passage of each text is
 * kept, in the input order.
 */
export function collapseRepeatedText<T extends { fingerprint: string }>(ranked: readonly T[]): T[] {
  const seen = new Set<string>();
  return ranked.filter((c) => {
    if (seen.has(c.fingerprint)) return false;
    seen.add(c.fingerprint);
    return true;
  });
}

/**
 * A page of results with standing text moved below the original text on it,
 * each part keeping its order. Standing text that ranks on the page stays on
 * it (a search for the words of a sign-off still finds the sign-off); it just
 * never comes before a passage of original text.
 */
export function standingLast<T>(page: readonly T[], isStandingText: (item: T) => boolean): T[] {
  const original = page.filter((x) => !isStandingText(x));
  return original.concat(page.filter(isStandingText));
}
