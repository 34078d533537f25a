import type { ErrorEntry } from '../errors.js';

/** The data folder: the database, documents and passages by id, the vector index, backups. */
export const DATA_ERRORS = {
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
} as const satisfies Record<string, ErrorEntry>;
