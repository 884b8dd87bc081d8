/**
 * Issue 16's one-shot entries: the whole `parity run` process of one trivial check, from the
 * compiled build (npm run build, run from a copy without src/, as an installed package runs),
 * against the same SQL through psql — with no state store configured (the in-memory record) and
 * with a Postgres state store — plus its peak RSS; and the fixed cost per check: N trivial checks
 * in one run against the same statements in one psql session, each less one of itself.
 * Processes alternate (parity, psql, parity, …) so a busy neighbour slows both alike; wall time,
 * CPU time and peak RSS come from GNU time (/usr/bin/time).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, type OperationResult } from './harness.js';
import { median } from './psql.js';
import { ensureDatabase } from './databases.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WALL_TARGET_MS = 400;
const WALL_TARGET_STORE_MS = 600;
const RSS_TARGET_MB = 150;
const PER_CHECK_TARGET_MS = 5;
/** Checks in the per-check entry. */
const MANY = 40;

interface Timed { wallMs: number; cpuMs: number; peakMb: number }

/** One whole process under GNU time; throws unless it exits with `expect`. */
function timed(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; expect?: number }): Timed {
  const out = path.join(options.cwd, '.time');
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', out, command, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== (options.expect ?? 0)) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const [user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallMs, cpuMs: (user! + sys!) * 1000, peakMb: kb! / 1024 };
}

const medianOf = (runs: Timed[], key: keyof Timed) => median(runs.map((r) => r[key]));

/** The compiled package in a folder of its own (bin/, dist/, package.json, the checkout's node_modules). */
export function compiledCopy(work: string, log: (line: string) => void): string {
  log('building the compiled package (npm run build)…');
  execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  const pkg = path.join(work, 'pkg');
  mkdirSync(pkg);
  for (const entry of ['bin', 'dist', 'package.json']) cpSync(path.join(REPO_ROOT, entry), path.join(pkg, entry), { recursive: true });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  return path.join(pkg, 'bin', 'parity.js');
}

const rowCount = (id: string) => `  - { id: ${id}, kind: row_count, old: { source: app, table: public.oneshot_old }, new: { source: app, table: public.oneshot_new } }`;
/** What a row_count of the two tables sends, as one psql statement per table (psql's own round trips). */
const COUNTS_SQL = 'select count(*) from public.oneshot_old;\nselect count(*) from public.oneshot_new;\n';

/** Times the one-shot run (no store, Postgres store) and the per-check cost against psql. */
export async function oneShotOperations(ctx: { server: string; runs: number; log(line: string): void }): Promise<OperationResult[]> {
  const appUrl = await ensureDatabase(ctx.server, 'parity_bench_oneshot');
  const stateUrl = await ensureDatabase(ctx.server, 'parity_bench_oneshot_state');
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', appUrl, '-c',
    'drop table if exists oneshot_old, oneshot_new; create table oneshot_old (id int primary key); create table oneshot_new (id int primary key); insert into oneshot_old select generate_series(1, 10); insert into oneshot_new select generate_series(1, 10);'], { stdio: 'ignore' });
  const work = mkdtempSync(path.join(tmpdir(), 'parity-bench-oneshot-'));
  try {
    const bin = compiledCopy(work, ctx.log);
    const project = path.join(work, 'project');
    mkdirSync(path.join(project, 'checks'), { recursive: true });
    const ids = Array.from({ length: MANY }, (_, i) => `count-${String(i).padStart(2, '0')}`);
    writeFileSync(path.join(project, 'checks', 'oneshot.yaml'), `sources:\n  app: { url: "${appUrl}" }\nchecks:\n${ids.map(rowCount).join('\n')}\n`);
    writeFileSync(path.join(project, 'one.sql'), COUNTS_SQL);
    writeFileSync(path.join(project, 'many.sql'), COUNTS_SQL.repeat(MANY));
    // A user who configured nothing: no DATABASE_URL, no PARITY_* settings.
    const bare: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PARITY_') && k !== 'NODE_OPTIONS'));
    const withStore = { ...bare, DATABASE_URL: stateUrl };
    // Checks one at a time, on the Postgres store: every store write of a check is in the figure.
    const serial = { ...withStore, PARITY_CHECK_CONCURRENCY: '1' };
    const serialBare = { ...bare, PARITY_CHECK_CONCURRENCY: '1' };
    const node = process.execPath;
    const psql = (file: string) => timed('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, appUrl], { cwd: project, env: bare });
    const rounds = Math.max(ctx.runs, 7);
    const series = { bare: [] as Timed[], store: [] as Timed[], psql: [] as Timed[], many: [] as Timed[], one: [] as Timed[], psqlMany: [] as Timed[], manyBare: [] as Timed[] };
    // Warm-up: file cache, and the state store's migrations on its first open.
    timed(node, [bin, 'run', ids[0]!], { cwd: project, env: withStore });
    for (let i = 0; i < rounds; i++) {
      series.bare.push(timed(node, [bin, 'run', ids[0]!], { cwd: project, env: bare }));
      series.psql.push(psql('one.sql'));
      series.store.push(timed(node, [bin, 'run', ids[0]!], { cwd: project, env: withStore }));
      series.one.push(timed(node, [bin, 'run', ids[0]!], { cwd: project, env: serial }));
      series.many.push(timed(node, [bin, 'run'], { cwd: project, env: serial }));
      series.manyBare.push(timed(node, [bin, 'run'], { cwd: project, env: serialBare }));
      series.psqlMany.push(psql('many.sql'));
    }
    const psqlMs = medianOf(series.psql, 'wallMs');
    const bareMs = medianOf(series.bare, 'wallMs');
    const storeMs = medianOf(series.store, 'wallMs');
    const peak = medianOf(series.bare, 'peakMb');
    // Per check: what N-1 more checks cost parity, less what N-1 more pairs of statements cost psql.
    const parityPerCheck = (medianOf(series.many, 'wallMs') - medianOf(series.one, 'wallMs')) / (MANY - 1);
    const psqlPerCheck = (medianOf(series.psqlMany, 'wallMs') - psqlMs) / (MANY - 1);
    const overhead = parityPerCheck - psqlPerCheck;
    const bareOverhead = (medianOf(series.manyBare, 'wallMs') - bareMs) / (MANY - 1) - psqlPerCheck;
    ctx.log(`one-shot ${round(bareMs)} ms (cpu ${round(medianOf(series.bare, 'cpuMs'))} ms, peak ${round(peak)} MB), with a Postgres store ${round(storeMs)} ms, psql ${round(psqlMs)} ms; per check ${round(parityPerCheck, 2)} ms vs psql ${round(psqlPerCheck, 2)} ms`);
    const extra = (s: Timed[]) => ({ wall_ms_all: s.map((r) => round(r.wallMs)), cpu_ms_median: round(medianOf(s, 'cpuMs')), peak_mb_median: round(medianOf(s, 'peakMb')) });
    return [
      {
        operation: '`parity run` of one row_count, no state store, compiled (baseline: the same SQL via psql, whole process)',
        target: `≤ ${WALL_TARGET_MS} ms wall`, parity_ms: round(bareMs), baseline_ms: round(psqlMs), ratio: round(bareMs / psqlMs, 2),
        limit: WALL_TARGET_MS, met: bareMs <= WALL_TARGET_MS, note: 'the limit is milliseconds of wall time, not a ratio',
        extra: { rounds, parity: extra(series.bare), psql: extra(series.psql) },
      },
      {
        operation: '`parity run` of one row_count, Postgres state store, compiled (baseline: the same SQL via psql)',
        target: `≤ ${WALL_TARGET_STORE_MS} ms wall`, parity_ms: round(storeMs), baseline_ms: round(psqlMs), ratio: round(storeMs / psqlMs, 2),
        limit: WALL_TARGET_STORE_MS, met: storeMs <= WALL_TARGET_STORE_MS, note: 'the limit is milliseconds of wall time, not a ratio',
        extra: { rounds, parity: extra(series.store) },
      },
      {
        operation: '`parity run` of one row_count, no state store: peak RSS in MB (a size, not ms)',
        target: `≤ ${RSS_TARGET_MB} MB`, parity_ms: round(peak), baseline_ms: round(medianOf(series.psql, 'peakMb')), ratio: round(peak / RSS_TARGET_MB, 2),
        limit: RSS_TARGET_MB, met: peak <= RSS_TARGET_MB, note: 'baseline is psql\'s peak RSS',
      },
      {
        operation: `fixed cost per check beyond its statements (${MANY} row_counts in one run, one at a time, Postgres state store, vs the same statements in one psql session)`,
        target: `≤ ${PER_CHECK_TARGET_MS} ms per check`, parity_ms: round(parityPerCheck, 2), baseline_ms: round(psqlPerCheck, 2),
        // psql's cost per extra pair of tiny statements is ~0 (its process start dominates): the ratio is the overhead against the limit.
        ratio: round(overhead / PER_CHECK_TARGET_MS, 2),
        limit: PER_CHECK_TARGET_MS, met: overhead <= PER_CHECK_TARGET_MS,
        note: `ratio = overhead / ${PER_CHECK_TARGET_MS} ms; overhead ${round(overhead, 2)} ms per check on a Postgres state store (${round(bareOverhead, 2)} ms with none) = parity's cost per extra check less psql's per extra pair of statements`,
        extra: { overhead_ms: round(overhead, 2), overhead_no_store_ms: round(bareOverhead, 2), parity_many: extra(series.many), parity_one: extra(series.one), parity_many_no_store: extra(series.manyBare), psql_many: extra(series.psqlMany) },
      },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
