import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRun, formatSample } from '../../src/cli/format.js';
import { exitCodeForRun } from '../../src/cli/commands/run.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { ResultRecord } from '../../src/store/runs.js';

const at = new Date('2025-01-01T00:00:00Z');

function result(checkId: string, status: ResultRecord['status'], extra: Partial<ResultRecord> = {}): ResultRecord {
  return {
    id: `r-${checkId}`, runId: 'run-1', checkId, kind: 'column_parity', status, definitionHash: 'h', summary: `${checkId} summary`,
    observations: { mismatches: status === 'fail' ? 2 : 0, rows_scanned: 123456 }, statements: [], error: null, slot: null,
    startedAt: at, finishedAt: at, durationMs: 1234, samples: [], ...extra,
  } as ResultRecord;
}

function run(results: ResultRecord[], extra: Partial<FinishedRun> = {}): FinishedRun {
  return {
    id: 'run-1', trigger: 'cli', requestedBy: 'cli', status: 'finished', checkIds: results.map((r) => r.checkId), selector: {},
    summary: null, owner: null, heartbeatAt: null, cancelRequestedAt: null, createdAt: at, startedAt: at,
    finishedAt: new Date(at.getTime() + 2500), results, ...extra,
  } as FinishedRun;
}

describe('formatRun', () => {
  it('prints one aligned row per check, in the order the run listed them', () => {
    const text = formatRun(run([result('b-check', 'pass'), result('a-check', 'fail')], { checkIds: ['a-check', 'b-check'] }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^CHECK\s+KIND\s+STATUS\s+MISMATCHES\s+ROWS SCANNED\s+DURATION\s+SUMMARY$/);
    expect(lines[1]).toMatch(/^a-check\s+column_parity\s+FAIL\s+2\s+123,456\s+1\.2 s\s+a-check summary$/);
    expect(lines[2]).toMatch(/^b-check\s+column_parity\s+PASS\s+0\s+123,456\s+1\.2 s\s+b-check summary$/);
    expect(lines[1]!.indexOf('FAIL')).toBe(lines[0]!.indexOf('STATUS'));
    expect(text).toContain('2 checks: 1 passed, 1 failed, 0 could not be verified in 2.5 s (run run-1, finished)');
  });

  it('lists the samples of failing checks with both values, NULL and whitespace visible', () => {
    const failing = result('names', 'fail', {
      samples: [
        { category: 'mismatch', key: { id: '7' }, old: 'Ann  Lee', new: 'Ann' },
        { category: 'mismatch', key: { id: '12' }, old: 'Bo\tXu' },
        { category: 'missing_in_new', key: { id: '4242' }, old: 'Aoife' },
        { category: 'missing_in_old', key: { id: '100001' }, new: 'Test Signup' },
        { category: 'null', key: { id: '314' }, detail: { null_columns: ['last_name'] } },
        { category: 'row', key: {}, detail: { id: '9' } },
      ],
    });
    const text = formatRun(run([failing]));
    expect(text).toContain('names failed: names summary');
    expect(text).toContain('  mismatch       id=7       old: "Ann  Lee"  new: "Ann"');
    expect(text).toContain('  mismatch       id=12      old: "Bo\\tXu"  new: NULL');
    expect(text).toContain('  missing_in_new id=4242    old: "Aoife"  (no row in new)');
    expect(text).toContain('  missing_in_old id=100001  new: "Test Signup"  (no row in old)');
    expect(text).toContain('  null           id=314     NULL in: last_name');
    expect(text).toContain('  row                       {"id":"9"}');
  });

  it('shows an unused check\'s coverage, the evidence read and not read, and each finding as a sentence', () => {
    const observing = result('full-name-unused', 'error', {
      kind: 'unused', summary: 'could not verify',
      observations: { evidence: 'full', window_seconds: 86_400, covered_seconds: 10_800, coverage_ratio: 0.125, evidence_read: ['catalog dependencies (…)', 'pg_stat_statements'], evidence_not_read: [], unverified: ['window_not_covered: observing: 3h of 24h covered'] },
      error: { code: 'window_not_covered', message: 'observing: 3h of 24h covered' },
    });
    const sentence = 'role reporting_ro (application nightly-export) ran `select id, full_name from users` 412 times in the last 25h (reads public.users.full_name)';
    const used = result('legacy-unused', 'fail', {
      kind: 'unused', summary: 'still used: …',
      observations: { evidence: 'catalog', evidence_read: ['catalog dependencies (…)', 'live sessions (…)'], evidence_not_read: ['statement calls (pg_stat_statements)', 'table writes (pg_stat_user_tables)'], mismatches: 2 },
      samples: [
        { category: 'row', key: { target: 'public.users.full_name' }, detail: { finding: 'view user_directory depends on public.users.full_name', evidence: 'catalog' } },
        { category: 'row', key: { target: 'public.users.full_name' }, detail: { finding: sentence, evidence: 'pg_stat_statements', calls: 412 } },
      ],
    });
    const text = formatRun(run([observing, used]));
    expect(text).toContain('contract readiness (unused):');
    expect(text).toContain('  full-name-unused: ERROR, evidence: full, observing: 3h of 24h covered (12%)');
    expect(text).toContain('  legacy-unused: FAIL, evidence: catalog, no window: evidence: catalog reads no statement statistics');
    expect(text).toContain('    NOT read: statement calls (pg_stat_statements); table writes (pg_stat_user_tables)');
    expect(text).toContain('    found: 1 dependencies, 0 sessions, 1 statements, 0 written tables');
    expect(text).toContain(`target=public.users.full_name  ${sentence}`);
  });

  it('explains each check that could not be verified, with its fault code', () => {
    const text = formatRun(run([result('ghost', 'error', { observations: {}, error: { code: 'missing_relation', message: 'relation "x" does not exist', sqlstate: '42P01' } })]));
    expect(text).toMatch(/^ghost\s+column_parity\s+ERROR\s+-\s+-\s+1\.2 s/m);
    expect(text).toContain('could not verify:\n  ghost: missing_relation (SQLSTATE 42P01): relation "x" does not exist');
  });

  it('keys of composite samples read column=value pairs', () => {
    expect(formatSample({ category: 'mismatch', key: { tenant: 'a', id: 3 }, old: 1, new: 2 })).toBe('mismatch       tenant=a, id=3  old: 1  new: 2');
  });
});

describe('exitCodeForRun', () => {
  const statuses = fc.array(fc.constantFrom('pass', 'fail', 'error') as fc.Arbitrary<'pass' | 'fail' | 'error'>, { minLength: 1, maxLength: 8 });
  const of = (list: ('pass' | 'fail' | 'error')[]) => run(list.map((s, i) => result(`c${i}`, s)));

  it('is 1 whenever any check failed, whatever else errored', () => {
    fc.assert(fc.property(statuses.filter((list) => list.includes('fail')), (list) => exitCodeForRun(of(list)) === 1));
  });

  it('is 2 when nothing failed but something could not be verified', () => {
    fc.assert(fc.property(statuses.filter((list) => !list.includes('fail') && list.includes('error')), (list) => exitCodeForRun(of(list)) === 2));
  });

  it('is 0 only when every check passed', () => {
    fc.assert(fc.property(statuses, (list) => (exitCodeForRun(of(list)) === 0) === list.every((s) => s === 'pass')));
  });

  it('is 2, never 0, for an aborted run or a check without a result', () => {
    expect(exitCodeForRun(run([result('a', 'pass')], { status: 'aborted' }))).toBe(2);
    expect(exitCodeForRun(run([result('a', 'pass')], { checkIds: ['a', 'b'] }))).toBe(2);
  });
});
