import type { ErrorEntry } from '../errors.js';

/** Embedders and transformers.js models. */
export const MODELS_ERRORS = {
  MODEL_NOT_FOUND: {
    status: 503,
    message: 'No model at {model}',
    hint:
      'Install one with `kb model pull` (connected machine) or `kb model import DIR`, or use the built-in embedder ' +
      '(KB_EMBEDDER=builtin).',
  },
  MODEL_INCOMPLETE: {
    status: 503,
    message: 'The model folder {model} is incomplete: missing {missing}',
    hint:
      'Copy the whole model folder: config.json, tokenizer.json, tokenizer_config.json and ' +
      'onnx/model_quantized.onnx (or onnx/model.onnx with KB_QUANTIZED=0).',
  },
  MODEL_INVALID: {
    status: 422,
    message: '{model} is not a model that works here, so it was not installed: {detail}',
    hint:
      'Export the model again in the transformers.js (ONNX) layout, e.g. a copy of Xenova/bge-small-en-v1.5, and ' +
      'check it with `kb model test DIR` before importing.',
  },
  NO_EMBEDDER_YET: {
    status: 409,
    message: 'There is no embedder yet in {dir}: the built-in one is fitted on the first documents stored',
    hint: 'Add documents with `kb ingest PATH…`, or install a model (`kb model import DIR`).',
  },
  MODEL_LOAD_FAILED: {
    status: 503,
    message: 'The model {model} could not be loaded: {detail}',
    hint:
      'Check the model folder, or with no internet set KB_OFFLINE=1 ' +
      'and install a model with `kb model import DIR`.',
  },
  EMBEDDER_MISMATCH: {
    status: 409,
    message: 'The stored vectors were made by {stored}, but the configured embedder is {configured}',
    hint:
      'Run `kb reindex` to re-embed every passage with the configured embedder, or configure {stored} again ' +
      '(KB_EMBEDDER, KB_MODEL).',
  },
} as const satisfies Record<string, ErrorEntry>;
