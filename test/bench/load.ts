/**
 * `kb serve` under load: the real server in its own process (so the load
 * generator does not share its thread), 16 connections on /api/search over
 * loopback for a bounded time, while /api/health is asked every 50 ms on a
 * connection of its own. Run with the default pool (a search worker per
 * core) and with one worker, the baseline its throughput is compared with.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from '../helpers.js';

export interface LoadFigures {
  workers: number | 'cores';
  connections: number;
  seconds: number;
  requests_per_s: number;
  p99_ms: number;
  /** Failed, timed out, or answered with a status other than 2xx and 503. */
  errors: number;
  /** 503 SEARCH_BUSY answers (the queue was full): an answer, counted apart. */
  busy: number;
  health_p99_ms: number;
  /** Peak resident memory of the kb serve process (its HTTP thread, writer and every search worker), from Linux. */
  server_peak_rss_mb: number | null;
  /**
   * Where the machine's cores went while the load ran, in cores (CPU seconds
   * per second): the kb serve process, its thread answering HTTP alone, and
   * this process (the load generator and the health checks). Null where /proc
   * is not there.
   */
  cpu: { server_cores: number; http_thread_cores: number; load_generator_cores: number; machine_cores: number } | null;
}

/** CPU seconds a process (or one of its threads) has used, from Linux; null where /proc is not there. */
function cpuSeconds(pid: number | undefined, tid?: number): number | null {
  try {
    const stat = fs.readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** A process's peak resident set (VmHWM), in MiB; null where /proc is not there. */
function peakRssMb(pid: number | undefined): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : 0;

export async function loadServe(
  dataDir: string,
  queries: string[],
  options: { seconds: number; workers?: number },
): Promise<LoadFigures> {
  const env: NodeJS.ProcessEnv = { ...process.env, KB_LOG_LEVEL: 'warn', KB_RATE_LIMIT_READS: '1000000000' };
  if (options.workers) env.KB_SEARCH_WORKERS = String(options.workers);
  const bin = path.join(ROOT, 'src', 'bin', 'kb.js');
  const args = [bin, '--data', dataDir, '--json', '--embedder', 'builtin', 'serve', '--port', '0'];
  const server = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /"url":"([^"]+)"/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once('exit', (code) => reject(new Error(`kb serve exited (${code})`)));
    });
    const health: number[] = [];
    let loading = true;
    const polling = (async () => {
      while (loading) {
        const t = performance.now();
        const res = await fetch(`${url}api/health`);
        await res.arrayBuffer();
        if (loading) health.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let next = 0;
    let busy = 0;
    const started = { at: performance.now(), server: cpuSeconds(server.pid), http: cpuSeconds(server.pid, server.pid) };
    const ownStart = process.cpuUsage();
    const load = await autocannon({
      url,
      connections: 16,
      duration: options.seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/api/search?q=${encodeURIComponent(queries[next++ % queries.length]!)}`,
          }),
        },
      ],
      setupClient: (client) => client.on('response', (status: number) => void (status === 503 && busy++)),
    });
    const wall = (performance.now() - started.at) / 1000;
    const own = process.cpuUsage(ownStart);
    const serverCpu = cpuSeconds(server.pid);
    const httpCpu = cpuSeconds(server.pid, server.pid);
    const cores = (x: number) => Math.round((x / wall) * 100) / 100;
    const cpu =
      serverCpu !== null && httpCpu !== null && started.server !== null && started.http !== null
        ? {
            server_cores: cores(serverCpu - started.server),
            http_thread_cores: cores(httpCpu - started.http),
            load_generator_cores: cores((own.user + own.system) / 1e6),
            machine_cores: os.cpus().length,
          }
        : null;
    loading = false;
    await polling;
    const peak = peakRssMb(server.pid);
    return {
      workers: options.workers ?? 'cores',
      connections: 16,
      seconds: options.seconds,
      requests_per_s: Math.round(load.requests.average),
      p99_ms: load.latency.p99,
      errors: load.errors + load.timeouts + load.non2xx - busy,
      busy,
      health_p99_ms: Math.round(pct(health, 0.99) * 10) / 10,
      server_peak_rss_mb: peak,
      cpu,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
  }
}
