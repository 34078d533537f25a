import { printable } from '../errors.js';

/**
 * Where the CLI writes: results to stdout (JSON lines with --json), logs and
 * progress to stderr. A progress bar only when stderr is a terminal and the
 * output is not JSON. On a terminal stdout and stderr share the screen, so
 * the bar is cleared before any line is written and drawn again after it:
 * no line is ever printed into the bar.
 */
export interface Output {
  json: boolean;
  /** A result: one JSON line with --json, else the human text. */
  result(value: unknown, human: string): void;
  /** Human text only (skipped with --json). */
  say(text: string): void;
  progress(total: number): Progress;
  /** A log line on stderr (the logger writes through this). */
  log(line: string): void;
}

export interface Progress {
  /** `total` when it has grown since (a crawl finds more pages as it goes). */
  update(done: number, label: string, total?: number): void;
  stop(): void;
}

export function createOutput(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  let active: Bar | null = null;
  /** Writes a line with the bar (if one is drawn) cleared first and drawn again after. */
  const around = (write: () => void) => {
    if (!active) return write();
    active.clear();
    write();
    active.draw();
  };
  return {
    json,
    result(value, human) {
      // Human text never carries control characters from file names or documents (terminal escapes).
      around(() => stdout.write((json ? JSON.stringify(value) : printable(human)) + '\n'));
    },
    say(text) {
      if (!json) around(() => stdout.write(printable(text) + '\n'));
    },
    log(line) {
      around(() => stderr.write(line + '\n'));
    },
    progress(total) {
      if (json || !stderr.isTTY || total < 2) return { update() {}, stop() {} };
      active?.clear();
      const bar = new Bar(stderr, total);
      active = bar;
      return {
        update(done, label, total) {
          bar.set(done, printable(label), total);
        },
        stop() {
          bar.clear();
          if (active === bar) active = null;
        },
      };
    },
  };
}

const WIDTH = 30;
/** Redraws at most this often (a bar redrawn for every passage would cost more than the work). */
const FRAME_MS = 80;

/**
 * A progress bar on one line of a terminal: drawn with a carriage return,
 * never wider than the terminal (a wrapped line could not be cleared), and
 * cleared to an empty line. No cursor saving or moving: lines written
 * between draws stay where they are.
 */
class Bar {
  private done = 0;
  private label = '';
  private drawn = false;
  private last = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private total: number,
  ) {
    this.draw();
  }

  set(done: number, label: string, total?: number): void {
    if (total !== undefined && total > this.total) this.total = total;
    this.done = Math.min(done, this.total);
    this.label = label;
    const now = Date.now();
    if (now - this.last >= FRAME_MS || this.done === this.total) this.draw();
  }

  draw(): void {
    const filled = Math.round((this.done / this.total) * WIDTH);
    const head = ` ${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)} ${this.done}/${this.total} `;
    const room = Math.max(0, (this.stream.columns || 80) - head.length - 1);
    const label = this.label.length > room ? '…' + this.label.slice(-(room - 1)) : this.label;
    this.stream.write(`\r${head}${room > 1 ? label : ''}\x1b[K`);
    this.drawn = true;
    this.last = Date.now();
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
