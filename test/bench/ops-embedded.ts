/**
 * Issue 16's embedded (PGlite) entries. First open of a new data directory: a child process opens
 * and migrates the embedded state store, alternately in a new directory and in an existing one (the
 * baseline), timed inside the child from the call to its return; the template cache is a fresh one
 * of the bench's, warmed by one open first (that once-per-machine build is reported too). Then a
 * compiled `parity serve` on the embedded store (as an installed package runs it): RSS from
 * /proc/<pid>/status when idle after a gate refresh, its peak while autocannon polls the gate at 10
 * connections, and idle again after; and the peak RSS of a one-shot `parity run` on the embedded store.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { ensureDatabase } from './databases.js';
import { round, type OperationResult } from './harness.js';
import { compiledCopy } from './ops-oneshot.js';
import { median } from './psql.js';
import { serveChild } from './serve-child.js';
import { GATE_BENCH_CHECKS } from './ops-gate.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPEN_TARGET_MS = 1500;
const IDLE_TARGET_MB = 250;
const LOAD_TARGET_MB = 400;

interface OpenTiming { open_ms: number; cpu_ms: number; rss_mb: number; hwm_mb: number }

function openIn(dataDir: string, env: NodeJS.ProcessEnv): OpenTiming {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/bench/embedded-open.ts'), dataDir], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`embedded-open exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as OpenTiming;
}

/** VmRSS and VmHWM of a process, in MB. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: mb('VmRSS'), hwm: mb('VmHWM') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median RSS over a few samples, `seconds` long. */
async function settledRss(pid: number, seconds: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < seconds * 4; i++) {
    samples.push(memoryOf(pid).rss);
    await sleep(250);
  }
  return median(samples);
}

async function openOperation(ctx: { runs: number; log(line: string): void }, work: string, env: NodeJS.ProcessEnv): Promise<OperationResult> {
  ctx.log('first open of a new embedded data dir: building the template once…');
  const warm = openIn(path.join(work, 'warm'), env);
  const existing = path.join(work, 'existing');
  openIn(existing, env);
  const rounds = Math.max(ctx.runs, 5);
  const fresh: OpenTiming[] = [];
  const again: OpenTiming[] = [];
  for (let i = 0; i < rounds; i++) {
    fresh.push(openIn(path.join(work, `new-${i}`), env));
    again.push(openIn(existing, env));
    rmSync(path.join(work, `new-${i}`), { recursive: true, force: true });
  }
  const m = (xs: OpenTiming[], key: keyof OpenTiming) => round(median(xs.map((x) => x[key])));
  ctx.log(`new data dir ${m(fresh, 'open_ms')} ms (cpu ${m(fresh, 'cpu_ms')}), existing ${m(again, 'open_ms')} ms (cpu ${m(again, 'cpu_ms')}); template build ${round(warm.open_ms)} ms`);
  return {
    operation: 'embedded state store: first open of a new data dir, open + migrate (baseline: reopening an existing one)',
    target: `≤ ${OPEN_TARGET_MS} ms wall`, parity_ms: m(fresh, 'open_ms'), baseline_ms: m(again, 'open_ms'),
    ratio: round(m(fresh, 'open_ms') / m(again, 'open_ms'), 2), limit: OPEN_TARGET_MS, met: m(fresh, 'open_ms') <= OPEN_TARGET_MS,
    note: `the limit is milliseconds of wall time, not a ratio; CPU ${m(fresh, 'cpu_ms')} ms vs ${m(again, 'cpu_ms')} ms; the once-per-machine template build (initdb + migrations) took ${round(warm.open_ms)} ms, peak ${round(warm.hwm_mb)} MB`,
    extra: { rounds, new_dir: fresh, existing_dir: again, template_build: warm },
  };
}

/** `parity serve` (compiled) on the embedded store, its RSS idle and under gate polling. */
async function serverOperations(ctx: { server: string; seconds: number; log(line: string): void }, bin: string, work: string, env: NodeJS.ProcessEnv): Promise<OperationResult[]> {
  const appUrl = await ensureDatabase(ctx.server, 'parity_bench_gate_app');
  const app = postgres(appUrl, { max: 1, onnotice: () => {} });
  try {
    await app`create table if not exists public.gate_bench (id int primary key)`;
    await app`insert into public.gate_bench select g from generate_series(1, 10) g on conflict do nothing`;
  } finally {
    await app.end();
  }
  const checks = path.join(work, 'checks');
  mkdirSync(checks);
  writeFileSync(path.join(checks, 'bench.yaml'), GATE_BENCH_CHECKS(appUrl));
  const serveEnv = { ...env, PARITY_CHECKS_DIR: checks, PARITY_DATA_DIR: path.join(work, 'serve-data'), PARITY_LOG_LEVEL: 'info' };
  const server = await serveChild(bin, serveEnv);
  try {
    const { url, child } = server;
    const gateUrl = `${url}/v1/migrations/bench-gate/gates/switch?respond=body`;
    const answer = (await (await fetch(`${gateUrl}&refresh=true`, { method: 'POST' })).json()) as { allowed: boolean };
    if (!answer.allowed) throw new Error('the bench gate should be open after a refresh');
    const pid = child.pid!;
    const idle = await settledRss(pid, 5);
    const startHwm = memoryOf(pid).hwm;
    ctx.log(`embedded server idle: ${round(idle)} MB (peak so far ${round(startHwm)} MB); polling the gate at 10 connections, 3 × ${ctx.seconds}s…`);
    let peak = 0;
    const timer = setInterval(() => { peak = Math.max(peak, memoryOf(pid).rss); }, 250);
    const rounds: { rps: number; p99_ms: number; errors: number; rss_mb: number }[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const result = await autocannon({ url: gateUrl, connections: 10, pipelining: 1, duration: ctx.seconds });
        rounds.push({ rps: round(result.requests.average), p99_ms: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx, rss_mb: round(memoryOf(pid).rss) });
      }
    } finally {
      clearInterval(timer);
    }
    const after = await settledRss(pid, 5);
    ctx.log(`embedded server under gate load: peak ${round(peak)} MB, ${rounds.map((r) => `${r.rps} req/s → ${r.rss_mb} MB`).join(', ')}; idle after ${round(after)} MB`);
    return [
      {
        operation: 'embedded (PGlite) server, compiled: idle RSS in MB after a gate refresh (a size, not ms)',
        target: `≤ ${IDLE_TARGET_MB} MB`, parity_ms: round(idle), baseline_ms: IDLE_TARGET_MB, ratio: round(idle / IDLE_TARGET_MB, 2),
        limit: IDLE_TARGET_MB, met: idle <= IDLE_TARGET_MB, note: `baseline is the target; peak before load ${round(startHwm)} MB (the data dir is new, from the template)`,
      },
      {
        operation: 'embedded (PGlite) server, compiled: peak RSS in MB under gate polling (10 connections)',
        target: `≤ ${LOAD_TARGET_MB} MB`, parity_ms: round(peak), baseline_ms: round(idle), ratio: round(peak / LOAD_TARGET_MB, 2),
        limit: LOAD_TARGET_MB, met: peak <= LOAD_TARGET_MB && rounds.every((r) => r.errors === 0),
        note: `baseline is the idle RSS before the load; ratio = peak / ${LOAD_TARGET_MB} MB; idle after the load ${round(after)} MB`,
        extra: { rounds, idle_after_mb: round(after), polling: `3 × ${ctx.seconds}s` },
      },
    ];
  } finally {
    await server.stop();
  }
}

/** The embedded entries: first open of a new data dir, the server's RSS idle and under gate load. */
export async function embeddedOperations(ctx: { server: string; runs: number; seconds: number; log(line: string): void }): Promise<OperationResult[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'parity-bench-embedded-'));
  try {
    // A user who configured nothing, with a template cache of the bench's own (built once here).
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PARITY_') && k !== 'NODE_OPTIONS')),
      XDG_CACHE_HOME: path.join(work, 'cache'),
    };
    const open = await openOperation(ctx, work, env);
    const bin = compiledCopy(work, ctx.log);
    return [open, ...(await serverOperations(ctx, bin, work, env))];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
