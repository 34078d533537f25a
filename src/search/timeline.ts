/**
 * Mentions over time: dated passages grouped by month, with the first and
 * the latest mention marked. Pure.
 */

export interface Dated {
  /** YYYY-MM-DD, or null when the document has no date. */
  date: string | null;
}

export interface MonthBucket<T> {
  /** YYYY-MM */
  month: string;
  count: number;
  /** Oldest first. */
  items: T[];
}

export interface Timeline<T> {
  months: MonthBucket<T>[];
  undated: T[];
  first: T | null;
  latest: T | null;
}

/** Months listed at most (with empty months between mentions) before only months with mentions are listed. */
export const MAX_FILLED_MONTHS = 600;

const monthOf = (date: string) => date.slice(0, 7);

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12
    ? `${String(y + 1).padStart(4, '0')}-01`
    : `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`;
}

function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split('-').map(Number) as [number, number];
  const [yb, mb] = b.split('-').map(Number) as [number, number];
  return (yb - ya) * 12 + (mb - ma);
}

/**
 * Groups items by the month of their date, oldest month first. Months with
 * no mention between the first and the last are included (count 0) so a
 * chart shows gaps as gaps, unless the span is over `maxFilled` months.
 * Within a month, items are oldest first; ties keep their input order.
 * `first` is the oldest dated item, `latest` the newest (the last in input
 * order among equals, so ranking decides nothing here).
 */
export function bucketByMonth<T extends Dated>(
  items: readonly T[],
  options: { fillGaps?: boolean; maxFilled?: number } = {},
): Timeline<T> {
  const dated = items
    .map((item, i) => ({ item, i }))
    .filter(
      (x): x is { item: T & { date: string }; i: number } =>
        typeof x.item.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(x.item.date),
    )
    .sort((a, b) => (a.item.date < b.item.date ? -1 : a.item.date > b.item.date ? 1 : a.i - b.i));
  const undated = items.filter((x) => !x.date || !/^\d{4}-\d{2}-\d{2}$/.test(x.date));
  const byMonth = new Map<string, T[]>();
  for (const { item } of dated) {
    const m = monthOf(item.date);
    const list = byMonth.get(m);
    if (list) list.push(item);
    else byMonth.set(m, [item]);
  }
  const months: MonthBucket<T>[] = [];
  if (dated.length) {
    const start = monthOf(dated[0]!.item.date);
    const end = monthOf(dated[dated.length - 1]!.item.date);
    const fill = (options.fillGaps ?? true) && monthsBetween(start, end) < (options.maxFilled ?? MAX_FILLED_MONTHS);
    const keys = fill ? [] : [...byMonth.keys()];
    if (fill)
      for (let m = start; ; m = nextMonth(m)) {
        keys.push(m);
        if (m === end) break;
      }
    for (const month of keys) {
      const list = byMonth.get(month) ?? [];
      months.push({ month, count: list.length, items: list });
    }
  }
  return {
    months,
    undated,
    first: dated.length ? dated[0]!.item : null,
    latest: dated.length ? dated[dated.length - 1]!.item : null,
  };
}
