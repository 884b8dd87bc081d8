/**
 * Issue 16's gate entries: the gate endpoint of a real `parity serve` (Postgres state store) under
 * polling load from autocannon, beside `/healthz` of the same server in the same run, at 10 and 50
 * connections; and how much the state store grows per 100k gate polls (issue 15: a poller must not
 * add a row per request). The server is a child process, so the load generator's own CPU is not
 * counted as the server's; its logs go to /dev/null at the default `info` level (access log on).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { ensureDatabase } from './databases.js';
import { round, type OperationResult } from './harness.js';
import { BIN, cleanEnv } from '../support/spawn-parity.js';
import { serveChild } from './serve-child.js';

export interface GateBenchContext {
  server: string;
  seconds: number;
  log(line: string): void;
}

interface LoadResult { rps: number; p99_ms: number; p50_ms: number; errors: number; non2xx: number; requests: number }

/** The gate entries' check file (also the embedded server's): one row_count, one phase requiring it. */
export const GATE_BENCH_CHECKS = (appUrl: string) => `
sources:
  app: { url: "${appUrl}", statement_timeout: 30s, max_connections: 2 }
checks:
  - { id: bench-gate-count, kind: row_count, old: { source: app, table: public.gate_bench }, new: { source: app, table: public.gate_bench, where: "id is not null" }, tolerance: { absolute: 0 } }
migrations:
  - id: bench-gate
    phases:
      - { name: switch, requires: [bench-gate-count], max_age: 24h }
`;

async function load(url: string, connections: number, options: { seconds?: number; amount?: number }): Promise<LoadResult> {
  const result = await autocannon({
    url, connections, pipelining: 1,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
  });
  return {
    rps: round(result.requests.average), p99_ms: result.latency.p99, p50_ms: result.latency.p50,
    errors: result.errors + result.timeouts, non2xx: result.non2xx, requests: result.requests.total,
  };
}

/** Total bytes and gate_decisions rows of the parity schema: what polling costs the store. */
async function storeSize(sql: postgres.Sql): Promise<{ bytes: number; decisions: number }> {
  const [size] = await sql`select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'parity' and c.relkind in ('r', 't', 'i')`;
  const [rows] = await sql`select count(*)::int as n from parity.gate_decisions`;
  return { bytes: Number(size!.bytes), decisions: Number(rows!.n) };
}

/** The gate entries: throughput and p99 at 10 and 50 connections against /healthz, and store growth per 100k polls. */
export async function gateOperations(ctx: GateBenchContext): Promise<OperationResult[]> {
  const appUrl = await ensureDatabase(ctx.server, 'parity_bench_gate_app');
  const stateUrl = await ensureDatabase(ctx.server, 'parity_bench_gate_state');
  const app = postgres(appUrl, { max: 1, onnotice: () => {} });
  const state = postgres(stateUrl, { max: 1, onnotice: () => {} });
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-bench-gate-'));
  try {
    await app`create table if not exists public.gate_bench (id int primary key)`;
    await app`insert into public.gate_bench select g from generate_series(1, 10) g on conflict do nothing`;
    // A fresh state schema each run, so growth is measured from a known size.
    await state`drop schema if exists parity cascade`;
    await state`drop schema if exists drizzle cascade`;
    await writeFile(path.join(dir, 'bench.yaml'), GATE_BENCH_CHECKS(appUrl));
    const env = { DATABASE_URL: stateUrl, PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data'), PARITY_LOG_LEVEL: 'info' };
    const server = await serveChild(BIN, cleanEnv(env));
    try {
      const gateUrl = `${server.url}/v1/migrations/bench-gate/gates/switch?respond=body`;
      const refresh = await fetch(`${gateUrl}&refresh=true`, { method: 'POST' });
      const answer = (await refresh.json()) as { allowed: boolean; reasons: string[] };
      if (!answer.allowed) throw new Error(`the bench gate should be open after a refresh: ${answer.reasons.join('; ')}`);
      const healthUrl = `${server.url}/healthz`;
      // Warm both paths (JIT, connection pools) before measuring.
      await load(gateUrl, 10, { seconds: 2 });
      await load(healthUrl, 10, { seconds: 2 });
      const ops: OperationResult[] = [];
      for (const connections of [10, 50]) {
        // Interleaved: gate, healthz, gate, healthz; the better of each pair of runs is not taken, the mean is.
        const gate: LoadResult[] = [];
        const health: LoadResult[] = [];
        for (let i = 0; i < 2; i++) {
          ctx.log(`gate endpoint, ${connections} connections, ${ctx.seconds}s (round ${i + 1})…`);
          gate.push(await load(gateUrl, connections, { seconds: ctx.seconds }));
          health.push(await load(healthUrl, connections, { seconds: ctx.seconds }));
        }
        const mean = (xs: LoadResult[], key: 'rps' | 'p99_ms') => round(xs.reduce((a, x) => a + x[key], 0) / xs.length);
        const g = { rps: mean(gate, 'rps'), p99_ms: mean(gate, 'p99_ms'), errors: gate.reduce((a, x) => a + x.errors + x.non2xx, 0) };
        const h = { rps: mean(health, 'rps'), p99_ms: mean(health, 'p99_ms') };
        const met = connections === 10 ? g.rps >= 5000 && g.p99_ms <= 10 && g.errors === 0 : g.errors === 0;
        ops.push({
          operation: `gate endpoint, Postgres state, ${connections} connections: req/s (p99 in ms columns: gate vs /healthz)`,
          target: connections === 10 ? '≥ 5,000 req/s, p99 ≤ 10 ms, no errors' : 'no errors',
          parity_ms: g.p99_ms, baseline_ms: h.p99_ms, ratio: round(g.rps / h.rps, 3), limit: connections === 10 ? 5000 : 0, met,
          note: `gate ${g.rps} req/s vs /healthz ${h.rps} req/s (ratio = gate/healthz throughput); errors or non-2xx: ${g.errors}`,
          extra: { gate: g, healthz: h, runs: { gate, healthz: health } },
        });
      }
      // Growth per 100k polls: let the repeat counts flush, then compare the schema's size.
      const before = await storeSize(state);
      ctx.log('100,000 gate polls for store growth…');
      const polls = await load(gateUrl, 10, { amount: 100_000 });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const after = await storeSize(state);
      const [counted] = await state`select coalesce(sum(repeat_count), 0)::bigint as n from parity.gate_decisions`.catch(() => [{ n: null }]);
      const grownKb = round((after.bytes - before.bytes) / 1024);
      const newRows = after.decisions - before.decisions;
      ops.push({
        operation: 'store growth per 100k gate polls (Postgres state; KiB, new gate_decisions rows)',
        target: 'no row per identical poll', parity_ms: grownKb, baseline_ms: newRows, ratio: newRows / 100_000, limit: 0.001,
        met: newRows <= 100 && polls.errors === 0,
        note: `${polls.requests} polls: +${grownKb} KiB, +${newRows} decision rows; repeats counted: ${counted?.n ?? 'n/a'}`,
        extra: { before, after, polls, repeats_counted: counted?.n === null ? null : Number(counted?.n) },
      });
      return ops;
    } finally {
      await server.stop();
    }
  } finally {
    await app.end();
    await state.end();
    await rm(dir, { recursive: true, force: true });
  }
}
