// Converts one DOCX to HTML with mammoth in a worker thread (see worker.ts):
// stopped on timeout, held to a memory ceiling. Pictures are never read.
import { parentPort, workerData } from 'node:worker_threads';
import mammoth from 'mammoth';

const { bytes } = workerData;
const noPictures = mammoth.images.imgElement(() => ({ src: '' }));

mammoth
  .convertToHtml(
    { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
    { convertImage: noPictures },
  )
  .then(
    (result) => parentPort.postMessage({ html: result.value }),
    (err) => parentPort.postMessage({ error: String(err?.message ?? err).slice(0, 300) }),
  );
