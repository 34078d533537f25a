// Recognises one image (a scanned page) in a worker thread, so the parse
// time limit and memory ceiling hold for it as for any other file.
import { parentPort, workerData } from 'node:worker_threads';
import { Recogniser } from '../ocr/recognise.js';

const { bytes, pageTimeoutMs } = workerData;

async function main() {
  const recogniser = new Recogniser(pageTimeoutMs);
  try {
    return await recogniser.read(bytes);
  } finally {
    await recogniser.stop();
  }
}

main().then(
  (result) => parentPort.postMessage(result),
  (err) => parentPort.postMessage({ unreadable: String(err?.message ?? err).slice(0, 300) }),
);
