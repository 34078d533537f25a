import type { ErrorEntry } from '../errors.js';

/** The HTTP service: requests, access, limits, shutdown; and the error of last resort. */
export const SERVICE_ERRORS = {
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
  TOKEN_REQUIRED: {
    status: 403,
    message: 'Fetching from the web through the API needs an API token, and this service has none',
    hint:
      'Set KB_API_TOKEN on the server and send "Authorization: Bearer <token>", or run `kb ingest URL` on the ' +
      'server itself.',
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
  WORKER_FAILED: {
    status: 503,
    message: 'The {worker} stopped while answering ({detail})',
    hint:
      'Try again: a new worker has taken its place. If it keeps happening, the request is too heavy (the server ' +
      'log says more).',
  },
  SEARCH_BUSY: {
    status: 503,
    message: 'The service is busy: {waiting} searches are already waiting',
    hint:
      'Try again in a moment (see the Retry-After header); scripts should wait and retry rather than send more at ' +
      'once.',
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
} as const satisfies Record<string, ErrorEntry>;
