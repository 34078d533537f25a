import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stemOf, stemsOf, wordsOf } from '../../src/text/terms.js';

describe('stems of a text', () => {
  it('are exactly the stems of its words, on plain and on accented text', () => {
    const texts = [
      "The Council's SEND strategy: pupils' attendance rose 3.5% in 2024-25 (Year 11).",
      "Don't won't o'clock rock'n'roll 's ' '' x's",
      'Café naïve Zürich résumé — “quoted” words’ apostrophes’s and İstanbul',
      '',
      '   ',
      'APPRENTICESHIPS Apprenticeship apprenticing',
    ];
    for (const t of texts) expect(stemsOf(t), t).toEqual(wordsOf(t).map(stemOf));
  });

  it('are the same on every sample bulletin', () => {
    const dir = path.join(import.meta.dirname, '..', '..', 'data', 'samples');
    for (const f of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(stemsOf(text), f).toEqual(wordsOf(text).map(stemOf));
    }
  });
});
