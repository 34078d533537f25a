import { Document, ExternalHyperlink, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Pack } from './pack.js';

/**
 * The pack as a Word document: the title as a heading, then for each quote
 * the words (in quotation marks, exactly as stored), the source with its
 * link, and the writer's note.
 */
export async function toDocx(pack: Pack): Promise<Buffer> {
  const children: Paragraph[] = [new Paragraph({ text: pack.title, heading: HeadingLevel.HEADING_1 })];
  for (const e of pack.entries) {
    if (e.words === null) {
      children.push(new Paragraph({ children: [new TextRun({ text: `${e.n}. ${e.source}`, italics: true })] }));
    } else {
      children.push(
        new Paragraph({ children: [new TextRun({ text: `${e.n}. “${e.words.replace(/\s+/g, ' ').trim()}”` })] }),
        new Paragraph({
          children: [
            new TextRun({ text: `Source: ${e.source}. `, size: 20 }),
            new ExternalHyperlink({
              link: e.link!,
              children: [new TextRun({ text: e.link!, style: 'Hyperlink', size: 20 })],
            }),
          ],
        }),
      );
    }
    if (e.note) children.push(new Paragraph({ children: [new TextRun({ text: `Note: ${e.note}`, italics: true })] }));
    children.push(new Paragraph({ text: '' }));
  }
  const doc = new Document({ title: pack.title, creator: 'Council knowledge base', sections: [{ children }] });
  return Packer.toBuffer(doc);
}
