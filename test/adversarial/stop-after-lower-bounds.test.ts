/**
 * A scan stopped early (stop_after) counted only the chunks it read. Its summary said "counts are
 * lower bounds", but `parity run`'s table printed its MISMATCHES and ROWS SCANNED cells as plain
 * numbers — read as totals ("3 mismatches in 300 rows") beside results that are. So did
 * /metrics: parity_check_mismatches carried the stopped scan's count with nothing to tell a panel
 * or a query that the true count is at least that.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { createWorld, runChecks, startParity, type Parity, type World } from '../telemetry/support.js';
import { formatRun } from '../../src/cli/format.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { ResultRecord } from '../../src/store/runs.js';

const at = new Date('2026-12-06T00:00:00Z');
const result = (checkId: string, observations: Record<string, unknown>): ResultRecord => ({
  id: `r-${checkId}`, runId: 'run-1', checkId, kind: 'column_parity', status: 'fail', definitionHash: 'h', summary: `${checkId} summary`,
  observations, statements: [], error: null, slot: null, startedAt: at, finishedAt: at, durationMs: 10, samples: [],
} as unknown as ResultRecord);
const run = (results: ResultRecord[]): FinishedRun => ({
  id: 'run-1', trigger: 'cli', requestedBy: 'cli', status: 'finished', checkIds: results.map((r) => r.checkId), selector: {},
  summary: null, owner: null, heartbeatAt: null, cancelRequestedAt: null, createdAt: at, startedAt: at, finishedAt: at, results,
} as unknown as FinishedRun);

describe('the counts of a scan that stopped early, in parity run\'s table', () => {
  it('are printed as minimums; a whole scan\'s as they are', () => {
    const lines = formatRun(run([
      result('stopped', { mismatches: 3, rows_scanned: 300, stopped_early: { chunks: 1 }, counts_are_lower_bounds: true }),
      result('whole', { mismatches: 7, rows_scanned: 2000 }),
    ])).split('\n');
    expect(lines.find((l) => l.startsWith('stopped'))).toMatch(/FAIL\s+≥ 3\s+≥ 300\s/);
    expect(lines.find((l) => l.startsWith('whole'))).toMatch(/FAIL\s+7\s+2,?000\s/);
  });
});

// Every first_name differs from its last_name: the first chunk already fails.
const CHUNKED = `
checks:
  - id: names-chunked
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: first_name
    new: last_name
  - id: names-whole
    kind: column_parity
    source: whole
    table: public.users
    key: [id]
    old: first_name
    new: last_name
`;

describe.each(engines)('the counts of a scan that stopped early, on /metrics (%s)', (engine) => {
  const READ = 'lower-bound-read-token-7c1d';
  const RUN = 'lower-bound-run-token-3e9a';
  let world: World;
  let parity: Parity;
  beforeAll(async () => {
    world = await createWorld(engine, { appOptions: 'scan: { mode: chunked, chunk_rows: 100, pause_ms: 0 }', checks: CHUNKED });
    // The same database again, scanned whole: its count is exact.
    const yaml = path.join(world.checksDir, 'checks.yaml');
    const text = await readFile(yaml, 'utf8');
    const app = text.split('\n').find((line) => line.startsWith('  app:'))!;
    await writeFile(yaml, text.replace(app, `${app}\n  whole: { url: "${world.db.url}" }`));
    parity = await startParity(world, { tokens: `prometheus:${READ}:read,ci:${RUN}:run` });
  });
  afterAll(async () => {
    await parity?.stop();
    await world?.close();
  });

  it('come with parity_check_counts_lower_bound 1; a whole scan\'s with 0', async () => {
    const run = await runChecks(parity, undefined, RUN);
    const observed = (id: string) => run.results.find((r: { check_id: string }) => r.check_id === id).observations;
    expect(observed('names-chunked').counts_are_lower_bounds).toBe(true);
    expect(observed('names-whole').counts_are_lower_bounds).toBeUndefined();
    const metrics = await parity.scrape(READ);
    expect(metrics.value('parity_check_mismatches', { check_id: 'names-chunked' })).toBeLessThan(200);
    expect(metrics.value('parity_check_counts_lower_bound', { check_id: 'names-chunked' })).toBe(1);
    expect(metrics.value('parity_check_mismatches', { check_id: 'names-whole' })).toBe(200);
    expect(metrics.value('parity_check_counts_lower_bound', { check_id: 'names-whole' })).toBe(0);
  });
});
