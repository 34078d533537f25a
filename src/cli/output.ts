import cliProgress from 'cli-progress';
import { printable } from '../errors.js';

/**
 * Where the CLI writes: results to stdout (JSON lines with --json), logs and
 * progress to stderr. A progress bar only when stderr is a terminal.
 */
export interface Output {
  json: boolean;
  /** A result: one JSON line with --json, else the human text. */
  result(value: unknown, human: string): void;
  /** Human text only (skipped with --json). */
  say(text: string): void;
  progress(total: number): Progress;
}

export interface Progress {
  update(done: number, label: string): void;
  stop(): void;
}

export function createOutput(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  return {
    json,
    result(value, human) {
      // Human text never carries control characters from file names or documents (terminal escapes).
      stdout.write((json ? JSON.stringify(value) : printable(human)) + '\n');
    },
    say(text) {
      if (!json) stdout.write(printable(text) + '\n');
    },
    progress(total) {
      if (!stderr.isTTY || total < 2) return { update() {}, stop() {} };
      const bar = new cliProgress.SingleBar(
        {
          stream: stderr,
          format: ' {bar} {value}/{total} {label}',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { label: '' });
      return {
        update(done, label) {
          const clean = printable(label);
          bar.update(done, { label: clean.length > 50 ? '…' + clean.slice(-49) : clean });
        },
        stop() {
          bar.stop();
        },
      };
    },
  };
}
