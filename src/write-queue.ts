/**
 * Runs write work one at a time, in the order it was asked for (one writer,
 * as SQLite wants; an embedding sync never runs twice at once). A failed
 * task does not stop the ones queued after it.
 */
export class WriteQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.last.then(fn, fn);
    this.last = run.catch(() => undefined);
    return run;
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.last;
  }
}
