import { toKbError } from '../errors.js';
import type { Logger } from '../log.js';
import type { EmbeddingsOptions } from './embeddings.js';
import {
  forgetDownloadFailure,
  isModelInstalled,
  lastDownloadFailure,
  locateModel,
  rememberDownloadFailure,
} from './model-files.js';
import type { ModelManifest } from './model-import.js';
import { pullModel } from './model-pull.js';
import { TransformersEmbedder } from './transformers.js';

/**
 * The transformers.js model to use, or null for the built-in embedder:
 * forced by KB_EMBEDDER, or (auto) the model when it is installed, or when
 * downloads are allowed and the download works. A failed download is
 * remembered in the models folder for KB_MODEL_RETRY_HOURS, so the commands
 * after it do not wait for the network again; falling back is said once,
 * in plain words.
 */
export async function chooseModel(options: EmbeddingsOptions, log: Logger): Promise<TransformersEmbedder | null> {
  if (options.embedder === 'builtin') return null;
  const location = locateModel(options.model, options.modelsDir);
  const installed = isModelInstalled(location, options.quantized);
  const auto = options.embedder === 'auto';
  if (auto && !installed && (options.offline || location.isPath)) {
    log.info(`no model installed (${options.model}) and downloads are off: using the built-in embedder`);
    return null;
  }
  const download = !installed && !options.offline && !location.isPath;
  if (auto && download) {
    const failed = lastDownloadFailure(options.modelsDir);
    const retryAt = failed ? Date.parse(failed.at) + options.modelRetryHours * 3_600_000 : 0;
    if (failed && failed.model === options.model && failed.host === options.modelHost && Date.now() < retryAt) {
      log.info(
        `the search model ${options.model} could not be downloaded at ${failed.at.slice(0, 16).replace('T', ' ')} ` +
          `(${failed.reason}); searching by meaning uses the built-in model. The next try is after ` +
          `${new Date(retryAt).toISOString().slice(0, 16).replace('T', ' ')}; \`kb model pull\` tries now.`,
      );
      return null;
    }
  }
  try {
    if (download) await pull(options);
    const model = await TransformersEmbedder.open({
      model: options.model,
      modelsDir: options.modelsDir,
      offline: true,
      quantized: options.quantized,
      threads: options.embedThreads,
      batchSize: options.embedBatch,
      queryInstruction: options.queryInstruction,
      passagePrefix: options.passagePrefix,
      pooling: options.pooling,
    });
    if (download) forgetDownloadFailure(options.modelsDir);
    return model;
  } catch (err) {
    if (!auto) throw err;
    const reason = toKbError(err).message.replace(/^The model \S+ could not be loaded: /, '');
    if (download) {
      rememberDownloadFailure(options.modelsDir, {
        model: options.model,
        host: options.modelHost,
        at: new Date().toISOString(),
        reason,
      });
      log.warn(
        `the search model ${options.model} could not be downloaded (${reason}): searching by meaning uses the ` +
          `built-in model, which matches meaning roughly. Commands will try again in ${options.modelRetryHours} ` +
          `hours (KB_MODEL_RETRY_HOURS); \`kb model pull\` tries now.`,
      );
    } else log.warn(`${toKbError(err).message}: using the built-in embedder`);
    return null;
  }
}

/** Downloads the configured model and installs it, checked (see model-pull.ts). */
export async function pull(
  options: Pick<
    EmbeddingsOptions,
    'model' | 'modelsDir' | 'modelHost' | 'modelRevision' | 'quantized' | 'embedThreads' | 'embedBatch'
  >,
  onProgress?: (p: { file: string; loaded: number; total: number; status: string }) => void,
): Promise<ModelManifest> {
  return pullModel({
    model: options.model,
    modelsDir: options.modelsDir,
    host: options.modelHost,
    revision: options.modelRevision,
    quantized: options.quantized,
    timeoutMs: 30 * 60_000,
    ...(onProgress ? { onProgress } : {}),
    open: (dir, quantized) =>
      TransformersEmbedder.open({
        model: dir,
        modelsDir: options.modelsDir,
        offline: true,
        quantized,
        threads: options.embedThreads,
        batchSize: options.embedBatch,
      }),
  });
}
