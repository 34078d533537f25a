import { DATA_ERRORS } from './errors/data.js';
import { DOCUMENTS_ERRORS } from './errors/documents.js';
import { INTAKE_ERRORS } from './errors/intake.js';
import { MODELS_ERRORS } from './errors/models.js';
import { SERVICE_ERRORS } from './errors/service.js';

/** One entry of the error table: the HTTP status, and a message template and a hint filled from the error's params. */
export interface ErrorEntry {
  status: number;
  message: string;
  hint: string;
}

/**
 * Every error the knowledge base can report, in one table (its parts are
 * written by domain under errors/): a stable code, a message template, a
 * hint that says what to do, and the HTTP status the API uses for it.
 * Nothing matches on message text; callers match on `code`.
 */
export const ERRORS = {
  ...DOCUMENTS_ERRORS,
  ...INTAKE_ERRORS,
  ...DATA_ERRORS,
  ...MODELS_ERRORS,
  ...SERVICE_ERRORS,
} as const satisfies Record<string, ErrorEntry>;

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
