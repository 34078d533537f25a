// What a person on the page can do about an error. The API's own hints are
// for whoever runs the service (settings, commands); the page says what the
// person in front of it can do, and only then whom to ask.

const ADMIN = 'If it keeps happening, tell whoever looks after the knowledge base.';

const HINTS = {
  QUERY_TOO_LONG: 'Use fewer words: a few that say what you are looking for work best.',
  INVALID_REQUEST: 'Check the dates and the words you typed, then search again.',
  RATE_LIMITED: 'Too many searches at once: wait a minute, then try again.',
  SEARCH_BUSY: 'The service is busy: try again in a few seconds.',
  SHUTTING_DOWN: 'The service is restarting: try again in a minute.',
  REQUEST_TIMEOUT: 'That took too long: try again, or use fewer words.',
  WORKER_FAILED: 'Try again. ' + ADMIN,
  DOCUMENT_NOT_FOUND: 'It may have been removed. Search again to find where the words are now.',
  PASSAGE_NOT_FOUND: 'It may have been removed or changed. Search again to find it.',
  NOT_FOUND: 'Check the address, or search again.',
  UNAUTHORIZED: 'Enter the API token to add documents (ask whoever looks after the knowledge base for it).',
  FORBIDDEN: 'The API token is not right: check it, or ask whoever looks after the knowledge base.',
  WRITES_NEED_TOKEN: 'Enter the API token to add documents (ask whoever looks after the knowledge base for it).',
  FILE_TOO_LARGE: 'This file is larger than the knowledge base accepts: split it, or ask to have the limit raised.',
  BODY_TOO_LARGE: 'Add fewer or smaller files at a time.',
  TOO_MANY_PAGES: 'This PDF has more pages than the knowledge base accepts: split it, or ask to have the limit raised.',
  PARSE_TIMEOUT: 'This file took too long to read: save it again (for example as PDF from Word) and add it again.',
  NO_TEXT_LAYER: 'This PDF is a scan with no text in it: add a version with text, such as the original Word file.',
  ENCRYPTED: 'This file is protected with a password: add a copy without the password.',
  FILE_EMPTY: 'This file is empty: check you chose the right one.',
  UNSUPPORTED_TYPE: 'Add PDF, Word (.docx), e-mail (.eml), web page (.html) or text files.',
  BINARY_CONTENT: 'This file is not a document the knowledge base can read: add PDF, Word, e-mail, web page or text.',
  MALFORMED: 'This file seems damaged: open it, save it again, and add it again.',
  MALFORMED_UPLOAD: 'The upload was cut short: try again.',
  BAD_ENCODING: 'The text could not be read: save the file as UTF-8 text, or as PDF or Word, and add it again.',
  DISK_FULL: 'The knowledge base has no room to store anything: ' + ADMIN.toLowerCase(),
  DATA_READ_ONLY: 'The knowledge base cannot store anything just now: ' + ADMIN.toLowerCase(),
};

/** The hint to show a person for an error from the API ({code, message, hint}). */
export function hintFor(error) {
  if (error && HINTS[error.code]) return HINTS[error.code];
  return ADMIN;
}
