// Parses one PDF in a worker thread, so a hostile or huge file can be
// stopped (terminate on timeout) and held to a memory ceiling
// (resourceLimits) without taking the process down. Plain JavaScript: it is
// loaded the same way by the CLI, the server and the tests.
import { parentPort, workerData } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';

const { bytes, maxPages } = workerData;

async function main() {
  const parser = new PDFParse({ data: bytes, verbosity: 0, isEvalSupported: false });
  try {
    const info = await parser.getInfo();
    if (info.total > maxPages) return { error: 'TOO_MANY_PAGES', pages: info.total };
    const text = await parser.getText({ pageJoiner: '' });
    const dict = info.info ?? {};
    const created = typeof info.getDateNode === 'function' ? info.getDateNode()?.CreationDate : null;
    return {
      ok: {
        total: text.total,
        pages: text.pages.map((p) => ({ num: p.num, text: p.text })),
        title: typeof dict.Title === 'string' ? dict.Title : null,
        author: typeof dict.Author === 'string' ? dict.Author : null,
        created: created instanceof Date && !Number.isNaN(created.getTime()) ? created.toISOString() : null,
      },
    };
  } finally {
    await parser.destroy().catch(() => {});
  }
}

main().then(
  (result) => parentPort.postMessage(result),
  (err) => {
    const name = err?.name ?? 'Error';
    const code = name === 'PasswordException' ? 'ENCRYPTED' : 'MALFORMED';
    parentPort.postMessage({ error: code, detail: String(err?.message ?? err).slice(0, 300) });
  },
);
