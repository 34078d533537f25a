import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers this thread's scheduling priority (Linux: every thread has its own
 * nice value), so background work — ingesting, embedding, parsing — yields
 * the CPU to the thread answering requests. Best effort: where threads have
 * no id of their own to renice, nothing changes.
 */
export function runInBackground(nice = 10): boolean {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, Math.min(19, Math.max(os.getPriority(tid), nice)));
    return true;
  } catch {
    return false;
  }
}
