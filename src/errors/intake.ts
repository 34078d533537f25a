import type { ErrorEntry } from '../errors.js';

/** Bringing documents in from the web and from watched folders. */
export const INTAKE_ERRORS = {
  WEB_HTTP_ERROR: {
    status: 502,
    message: '{url}: the site answered {status} {detail}',
    hint: 'Open the address in a browser to check it; a page that has moved or gone needs its new address.',
  },
  WEB_UNREACHABLE: {
    status: 502,
    message: '{url}: the site did not answer ({detail})',
    hint: 'Check the address and that this machine can reach the site (proxy, firewall), then run again.',
  },
  WEB_TIMEOUT: {
    status: 504,
    message: '{url}: no complete answer within {limit} ms',
    hint: 'Try again later, or raise KB_WEB_REQUEST_TIMEOUT_MS for a slow site.',
  },
  WEB_TOO_LARGE: {
    status: 413,
    message: '{url}: more than {limit} bytes',
    hint: 'Raise KB_MAX_FILE_BYTES if the file is genuine, or ingest it from disk.',
  },
  WEB_REDIRECTS: {
    status: 508,
    message: '{url}: {detail}',
    hint: 'The site sends this address round in redirects; open it in a browser, and give the address it ends at.',
  },
  WEB_OFF_SITE: {
    status: 403,
    message: '{url}: leads to {host}, another site than the one given',
    hint: 'Intake stays on the sites given; to follow this one too, add it with --allow-host or KB_WEB_ALLOW_HOSTS.',
  },
  WEB_UNSUPPORTED: {
    status: 415,
    message: '{url}: {detail}, not a page, sitemap, feed or document the knowledge base reads',
    hint: 'Give the address of a web page, a sitemap.xml, an RSS or Atom feed, or a PDF, DOCX or text file.',
  },
  WEB_ROBOTS_DISALLOWED: {
    status: 403,
    message: "{url}: the site's robots.txt asks robots not to fetch this address",
    hint: 'Ask the site owner to allow it (User-agent: {agent}), or save the page and ingest the file.',
  },
  WEB_ROBOTS_UNAVAILABLE: {
    status: 503,
    message: '{url}: the robots.txt of {origin} could not be read ({detail}), so nothing is fetched from the site',
    hint: 'A site whose robots.txt fails is treated as closed to robots; try again later.',
  },
  WEB_LIMIT: {
    status: 429,
    message: '{url}: not fetched: {detail}',
    hint: 'Raise the limit ({setting}) or ingest in smaller parts, and run again: what is stored is kept.',
  },
  WEB_BAD_URL: {
    status: 400,
    message: '{url}: not a web address ({detail})',
    hint: 'Give an address that starts with http:// or https://.',
  },
} as const satisfies Record<string, ErrorEntry>;
