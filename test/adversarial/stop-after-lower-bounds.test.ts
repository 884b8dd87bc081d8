/**
 * A scan stopped early (stop_after) counted only the chunks it read. Its summary said "counts are
 * lower bounds", but `parity run`'s table printed its MISMATCHES and ROWS SCANNED cells as plain
 * numbers — read as totals ("3 mismatches in 300 rows") beside results that are.
 */
import { describe, expect, it } from 'vitest';
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
