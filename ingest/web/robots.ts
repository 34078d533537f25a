import robotsParserModule from 'robots-parser';
import { KbError } from '../../src/errors.js';
import { fetchBounded, type FetchLimits } from './fetch.js';

interface Rules {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}

// robots-parser is CommonJS: its default export is the parse function (its typings say otherwise).
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Rules;

/** Google reads at most 500 KiB of a robots.txt; so do we. */
const ROBOTS_MAX_BYTES = 500 * 1024;

/** The name robots.txt groups match: the product token of the User-Agent ("council-kb"). */
export function robotsAgent(userAgent: string): string {
  return userAgent.split(/[\s/]/)[0] || userAgent;
}

/**
 * Politeness towards each site: its robots.txt (read once per run with
 * robots-parser; a missing one, 4xx, allows everything, and one that fails,
 * 5xx or no answer, closes the site, as RFC 9309 says) and a pause between
 * two requests to the same site, the longer of its Crawl-delay and ours.
 */
export class Politeness {
  private readonly rules = new Map<string, Promise<Rules | KbError>>();
  /** When each site was last asked (or will be, for a turn booked). */
  private readonly lastTurn = new Map<string, number>();
  private readonly agent: string;

  constructor(
    private readonly limits: FetchLimits,
    private readonly delayMs: number,
  ) {
    this.agent = robotsAgent(limits.userAgent);
  }

  /** Throws a coded error when the site's robots.txt keeps us from this address. */
  async check(url: string): Promise<void> {
    const rules = await this.rulesFor(url);
    if (rules instanceof KbError) {
      // A site that does not answer at all is said as such, for the address asked.
      if (rules.code === 'WEB_UNREACHABLE' || rules.code === 'WEB_TIMEOUT')
        throw new KbError(rules.code, { ...rules.params, url });
      throw new KbError('WEB_ROBOTS_UNAVAILABLE', { ...rules.params, url });
    }
    if (rules.isAllowed(url, this.agent) === false)
      throw new KbError('WEB_ROBOTS_DISALLOWED', { url, agent: this.agent });
  }

  /** Waits until the site may be asked again, then books the next turn. */
  async turn(url: string): Promise<void> {
    const origin = new URL(url).origin;
    const rules = await this.rulesFor(url);
    const crawlDelay = rules instanceof KbError ? 0 : (rules.getCrawlDelay(this.agent) ?? 0) * 1000;
    const gap = Math.max(this.delayMs, crawlDelay);
    const now = Date.now();
    const last = this.lastTurn.get(origin);
    const at = last === undefined ? now : Math.max(now, last + gap);
    this.lastTurn.set(origin, at);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  private rulesFor(url: string): Promise<Rules | KbError> {
    const origin = new URL(url).origin;
    let rules = this.rules.get(origin);
    if (!rules) {
      rules = this.load(origin);
      this.rules.set(origin, rules);
    }
    return rules;
  }

  private async load(origin: string): Promise<Rules | KbError> {
    const address = `${origin}/robots.txt`;
    try {
      const res = await fetchBounded(address, { ...this.limits, maxBytes: ROBOTS_MAX_BYTES });
      this.lastTurn.set(origin, Date.now());
      const text = res.status === 'fetched' ? Buffer.from(res.bytes).toString('utf8') : '';
      return robotsParser(address, text);
    } catch (err) {
      const status = err instanceof KbError ? Number(err.params.status) : NaN;
      // A robots.txt that is not there (4xx) sets no rules.
      if (status >= 400 && status < 500) return robotsParser(address, '');
      if (err instanceof KbError && (err.code === 'WEB_UNREACHABLE' || err.code === 'WEB_TIMEOUT')) return err;
      const detail = err instanceof KbError ? err.message : String(err);
      return new KbError('WEB_ROBOTS_UNAVAILABLE', { origin, detail });
    }
  }
}
