import type { ErrorEntry } from '../errors.js';

/** Reading commands and documents: usage, configuration, files that cannot be read. */
export const DOCUMENTS_ERRORS = {
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
    message: '{file}: no text layer (scanned PDF?), and recognition (OCR) is off',
    hint: 'Turn recognition on (KB_OCR=auto), or run the PDF through OCR (for example ocrmypdf) and ingest the result.',
  },
  NO_TEXT_FOUND: {
    status: 422,
    message: '{file}: no text layer, and recognition (OCR) found no text on its pages',
    hint: 'Check the scan is legible (150 dpi or more, upright); a blank or picture-only page has nothing to search.',
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
} as const satisfies Record<string, ErrorEntry>;
