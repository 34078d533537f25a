/**
 * A web address safe to show as a link: absolute http or https only. A
 * canonical link or feed entry that says `javascript:…`, `data:…` or
 * `file:…` is no address to cite. Pure.
 */
export function webUrl(value: string | null | undefined, base?: string): string | null {
  if (!value) return null;
  try {
    const url = base ? new URL(value.trim(), base) : new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
