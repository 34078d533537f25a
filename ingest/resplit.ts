import type { Logger } from '../src/log.js';
import type { Documents } from '../src/store/documents.js';
import { layoutPassages, placedFromRows } from './layout.js';
import type { SplitOptions } from './split.js';

/**
 * When a stored document brings the second copy of some paragraph, the
 * document with the first copy is split again (from its stored text and
 * blocks) so the paragraph gets a passage of its own there too. Passages
 * that come out the same keep their ids. Call inside the write transaction.
 */
export function splitFirstCopies(documents: Documents, docId: number, options: SplitOptions, log: Logger): void {
  for (const other of documents.firstCopies(docId)) {
    const doc = documents.get(other);
    const text = documents.text(other);
    if (!doc || text === undefined) continue;
    const rows = documents.blocksOf(other);
    const { passages } = layoutPassages(
      documents,
      doc.source_id,
      text,
      placedFromRows(text, rows),
      rows.map((b) => b.fingerprint),
      options,
    );
    const r = documents.replacePassages(other, passages);
    if (r.replaced)
      log.debug(
        `document ${other} split again around text it shares with document ${docId}: ${r.replaced} passages new, ` +
          `${r.kept} kept`,
      );
  }
}
