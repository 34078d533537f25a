/**
 * Every error the knowledge base can report, in one table: a stable code, a
 * message template, a hint that says what to do, and the HTTP status the API
 * uses for it. Nothing matches on message text; callers match on `code`.
 */
export const ERRORS = {
  USAGE: { status: 400, message: '{detail}', hint: 'Run `kb --help` to see the commands and their options.' },
  INVALID_CONFIG: {
    status: 500,
    message: 'Invalid configuration: {detail}',
    hint: 'Check the KB_* environment variables and command-line options.',
  },
  FILE_NOT_FOUND: {
    status: 404,
    message: '{file}: no such file or folder',
    hint: 'Check the path; folders are read recursively.',
  },
  FILE_UNREADABLE: {
    status: 422,
    message: '{file}: cannot be read ({detail})',
    hint: 'Check the file permissions and that it is not locked by another program.',
  },
  FILE_EMPTY: {
    status: 422,
    message: '{file}: the file is empty',
    hint: 'Export or save the document again; a zero-byte file has nothing to index.',
  },
  FILE_TOO_LARGE: {
    status: 413,
    message: '{file}: {size} bytes is over the limit of {limit} bytes',
    hint: 'Split the document, or raise the limit with KB_MAX_FILE_BYTES (--max-file-bytes).',
  },
  UNSUPPORTED_TYPE: {
    status: 415,
    message: '{file}: unsupported file type ({detail})',
    hint: 'Supported: .txt, .md, .html, .htm, .eml, .pdf, .docx.',
  },
  BINARY_CONTENT: {
    status: 415,
    message: '{file}: looks like binary data, not text',
    hint: 'Only text, HTML, e-mail, PDF and DOCX files can be ingested; check the file extension matches its content.',
  },
  BAD_ENCODING: {
    status: 415,
    message: '{file}: not valid UTF-8 text ({detail})',
    hint: 'Save the file as UTF-8 text (in most editors: Save As, Encoding: UTF-8) and ingest it again.',
  },
  ARCHIVE_TOO_LARGE: {
    status: 413,
    message: '{file}: unpacks to more than {limit} bytes ({detail})',
    hint:
      'A Word document this large is unusual: check the file (it may be a zip bomb); raise KB_MAX_UNPACKED_BYTES ' +
      'if it is genuine.',
  },
  NO_TEXT: {
    status: 422,
    message: '{file}: no text found in the document',
    hint: 'Check that the document has readable text content.',
  },
  NO_TEXT_LAYER: {
    status: 422,
    message: '{file}: no text layer (scanned PDF?): needs OCR',
    hint: 'Run the PDF through OCR (for example ocrmypdf) and ingest the result.',
  },
  MALFORMED: {
    status: 422,
    message: '{file}: malformed {format}: {detail}',
    hint: 'Open the file in its usual program to check it is intact, then save or export it again.',
  },
  ENCRYPTED: {
    status: 422,
    message: '{file}: the PDF is password-protected',
    hint: 'Save an unprotected copy of the PDF and ingest that.',
  },
  TOO_MANY_PAGES: {
    status: 413,
    message: '{file}: {pages} pages is over the limit of {limit}',
    hint: 'Split the PDF, or raise the limit with KB_MAX_PDF_PAGES (--max-pdf-pages).',
  },
  PARSE_TIMEOUT: {
    status: 422,
    message: '{file}: parsing took longer than {limit} ms and was stopped',
    hint: 'The file may be damaged or very complex; raise KB_PARSE_TIMEOUT_MS (--parse-timeout-ms) if it is genuine.',
  },
  PASSAGE_NOT_FOUND: {
    status: 404,
    message: 'No passage with id {id}',
    hint: 'Passage ids come from search results; a passage goes when its document is deleted or re-ingested.',
  },
  ORIGINAL_NOT_FOUND: {
    status: 404,
    message: 'Document {id} has no original file here',
    hint:
      'It was added as text, or its file is missing: `kb verify` checks every original; restore a backup to bring ' +
      'it back.',
  },
  DOCUMENT_NOT_FOUND: {
    status: 404,
    message: 'No document with id {id}',
    hint: 'List documents with `kb stats` or GET /api/documents.',
  },
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    message: 'The database at {file} has schema version {found}, newer than this program understands ({supported})',
    hint: 'Upgrade the program, or point --data at another folder.',
  },
  DISK_FULL: {
    status: 507,
    message: 'The disk holding {dir} is full ({detail})',
    hint:
      'Free some space (or move the data folder with --data / KB_DATA_DIR), then try again; searching still works, ' +
      'and nothing stored was changed.',
  },
  DATA_READ_ONLY: {
    status: 503,
    message: 'The data folder {dir} cannot be written ({detail})',
    hint:
      'Searching works on a read-only folder; to add or change documents, make it writable for this user (or use ' +
      'another folder with --data).',
  },
  DATABASE_CORRUPT: {
    status: 500,
    message: 'The database {file} is damaged ({detail})',
    hint:
      'Restore the latest backup with `kb restore FILE` into a new folder (--data DIR), or re-ingest the ' +
      'documents; `kb verify` lists what it can still read.',
  },
  DATABASE_UNOPENABLE: {
    status: 503,
    message: 'The database {file} cannot be opened ({detail})',
    hint: 'Check that the data folder exists and this user may read it (and write it, to add documents).',
  },
  DISK_ERROR: {
    status: 503,
    message: 'The disk failed while reading or writing {file} ({detail})',
    hint: 'Check the disk; if the database is damaged, restore the latest backup with `kb restore FILE`.',
  },
  SCHEMA_NEEDS_UPGRADE: {
    status: 503,
    message:
      'The database {file} is from an older version (schema {found}, this program uses {supported}) and the ' +
      'folder cannot be written to upgrade it',
    hint: 'Make the data folder writable and run any kb command once (for example `kb verify`) to upgrade it.',
  },
  NO_KNOWLEDGE_BASE: {
    status: 404,
    message: 'There is no knowledge base in {dir}',
    hint: 'Add documents with `kb ingest PATH…` (or point --data / KB_DATA_DIR at an existing data folder).',
  },
  STORE_LOCKED: {
    status: 503,
    message: 'The database at {file} is busy',
    hint: 'Another kb process is writing; try again when it has finished.',
  },
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
  INDEX_CORRUPT: {
    status: 500,
    message: 'The vector index at {file} is unreadable: {detail}',
    hint: 'It is rebuilt from the database automatically; if this repeats, delete the file.',
  },
  BACKUP_EXISTS: {
    status: 409,
    message: '{file} already exists',
    hint: 'Choose another file name, or pass --force to replace it.',
  },
  BACKUP_INVALID: {
    status: 422,
    message: '{file} is not a usable backup: {detail}',
    hint: 'Use a file written by `kb backup`; nothing in the data folder was changed.',
  },
  RESTORE_WOULD_REPLACE: {
    status: 409,
    message: 'The data folder {dir} already holds {documents} documents',
    hint:
      'Restore into an empty folder (--data DIR), or pass --force to replace them (the current database is kept ' +
      'beside the restored one).',
  },
  DATA_IN_USE: {
    status: 409,
    message: 'kb serve (process {pid}) is using the data folder {dir}',
    hint:
      'Stop the server, restore, then start it again. (If no kb serve is running, another program now has that ' +
      'process number: delete serve.pid in the data folder.)',
  },
  DATABASE_IN_USE: {
    status: 409,
    message: 'Another program has the database {file} open',
    hint:
      'Wait for the kb command using it (ingest, reindex, delete, verify) to finish, or stop it, then restore ' +
      'again; nothing was changed.',
  },
  INVALID_REQUEST: { status: 400, message: 'Invalid request: {detail}', hint: 'See the API description at /docs.' },
  QUERY_TOO_LONG: {
    status: 400,
    message: 'The query is {length} characters; the limit is {limit}',
    hint: 'Shorten the query, or raise KB_MAX_QUERY_CHARS.',
  },
  UNAUTHORIZED: {
    status: 401,
    message: 'This route needs the API token',
    hint: 'Send the header "Authorization: Bearer <token>" with the token set in KB_API_TOKEN.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'The API token is wrong',
    hint: 'Check the token against KB_API_TOKEN on the server.',
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    message: 'This service does not answer to the name {host}',
    hint:
      'Use the address the service listens on (or localhost); to reach it by another name, add the name to ' +
      'KB_ALLOWED_HOSTS.',
  },
  CROSS_SITE_WRITE: {
    status: 403,
    message: 'A write sent by another site ({origin}) was refused',
    hint:
      "Add documents from this service's own page, with `kb ingest`, or from a script; " +
      'a site allowed in KB_CORS_ORIGINS must still send the API token.',
  },
  WRITE_NEEDS_HEADER: {
    status: 403,
    message: 'A write without the API token needs the header X-Requested-With',
    hint:
      'Send "X-Requested-With: kb" (or any value) with the request, or set KB_API_TOKEN and send "Authorization: ' +
      'Bearer <token>". Web forms of other sites cannot send either.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are too large',
    hint: 'Send fewer or shorter headers (cookies, a long address); the API needs only Authorization and Content-Type.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request took too long to arrive',
    hint: 'Check the connection and send the request again.',
  },
  BAD_HTTP: {
    status: 400,
    message: 'The request is not well-formed HTTP ({detail})',
    hint: 'Check the client sending it; see the API description at /docs.',
  },
  MALFORMED_UPLOAD: {
    status: 400,
    message: 'The upload is not a well-formed multipart/form-data body: {detail}',
    hint: 'Send the files as multipart/form-data with a boundary (browsers, curl -F and fetch with FormData do this).',
  },
  SHUTTING_DOWN: {
    status: 503,
    message: 'The service is shutting down',
    hint: 'Try again in a few seconds, when it has restarted.',
  },
  NOT_FOUND: { status: 404, message: 'Nothing at {method} {url}', hint: 'See the API description at /docs.' },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is over the limit of {limit} bytes',
    hint: 'Send less, or raise KB_MAX_BODY_BYTES (KB_MAX_FILE_BYTES for uploads).',
  },
  UNSUPPORTED_MEDIA: {
    status: 415,
    message: 'Unsupported content type {type}',
    hint: 'Send JSON (application/json), or files as multipart/form-data to POST /api/documents.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many requests: the limit is {limit} per minute',
    hint: 'Wait {retry} and try again.',
  },
  WRITES_NEED_TOKEN: {
    status: 500,
    message: 'Refusing to listen on {host} with write routes open: no API token is set',
    hint: 'Set KB_API_TOKEN (16 characters or more), or listen on 127.0.0.1.',
  },
  INTERNAL: {
    status: 500,
    message: 'Internal error: {detail}',
    hint: 'This is a bug; the details are in the server log.',
  },
} as const satisfies Record<string, { status: number; message: string; hint: string }>;

export type ErrorCode = keyof typeof ERRORS;

export type ErrorParams = Record<string, string | number | undefined>;

/** Control characters (terminal escapes included) taken out of text shown to people. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

function fill(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    return value === undefined ? `{${key}}` : printable(String(value));
  });
}

/** An error the user can act on: coded, with a message and a hint. */
export class KbError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    const entry = ERRORS[code];
    super(fill(entry.message, params), options);
    this.name = 'KbError';
    this.code = code;
    this.hint = fill(entry.hint, params);
    this.status = entry.status;
    this.params = params;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isKbError(err: unknown, code?: ErrorCode): err is KbError {
  return err instanceof KbError && (code === undefined || err.code === code);
}

/** Any thrown value as a KbError; unknown errors become INTERNAL. */
export function toKbError(err: unknown): KbError {
  if (err instanceof KbError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new KbError('INTERNAL', { detail }, { cause: err });
}
