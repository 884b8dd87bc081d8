/**
 * The machine formats of `run` and `gate`: JUnit XML valid against the common JUnit schema shape,
 * Markdown for job summaries, and the one rule across all of them — a report says success exactly
 * when the exit code is 0, so a failed or unverifiable check never renders as a pass.
 */
import type { GateDenial } from '../../src/gate/denials.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/commands/run.js';
import { exitCodeForGate, unavailableAnswer, type GateAnswer } from '../../src/cli/gate-answer.js';
import { chosenFormat, parseOutputFormat } from '../../src/cli/output-format.js';
import { escapeMarkdownCell } from '../../src/cli/report-escape.js';
import { junitForGate, junitForRun } from '../../src/cli/report-junit.js';
import { markdownForGate, markdownForRun } from '../../src/cli/report-markdown.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { checkJunit } from '../support/junit-schema.js';

const at = new Date('2025-01-01T00:00:00Z');

function result(checkId: string, status: string, extra: Partial<ResultRecord> = {}): ResultRecord {
  return {
    id: `r-${checkId}`, runId: 'run-1', checkId, kind: 'column_parity', status, definitionHash: 'h', summary: `${checkId} summary`,
    observations: { mismatches: status === 'fail' ? 2 : 0, rows_scanned: 10 }, statements: [],
    error: status === 'error' ? { code: 'timeout', message: 'canceling statement due to statement timeout', sqlstate: '57014' } : null,
    slot: null, startedAt: at, finishedAt: at, durationMs: 1234,
    samples: status === 'fail' ? [{ category: 'mismatch', key: { id: '7' }, old: 'Name7 Surname', new: 'Name7 Surnam' }] : [], ...extra,
  } as ResultRecord;
}

function run(results: ResultRecord[], extra: Partial<FinishedRun> = {}): FinishedRun {
  return {
    id: 'run-1', trigger: 'cli', requestedBy: 'cli', status: 'finished', checkIds: results.map((r) => r.checkId), selector: {},
    summary: null, owner: null, heartbeatAt: null, cancelRequestedAt: null, createdAt: at, startedAt: at,
    finishedAt: new Date(at.getTime() + 2500), results, ...extra,
  } as FinishedRun;
}

const statusArb = fc.constantFrom('pass', 'fail', 'error', 'running');
/** Runs with any mix of outcomes, checks left without a result, and every run status. */
const runArb = fc.record({
  statuses: fc.array(statusArb, { maxLength: 6 }),
  missing: fc.nat({ max: 2 }),
  status: fc.constantFrom('finished', 'cancelled', 'aborted'),
}).map(({ statuses, missing, status }) => {
  const results = statuses.map((s, i) => result(`check-${i}`, s));
  return run(results, { status, checkIds: [...results.map((r) => r.checkId), ...Array.from({ length: missing }, (_, i) => `missing-${i}`)] });
});

const DENIAL_FOR: Record<string, GateDenial> = { pass: 'stale_definition', fail: 'failed', error: 'could_not_verify', running: 'running', missing: 'missing' };

const gateCheckArb = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
  status: fc.constantFrom('pass', 'fail', 'error', 'running', 'missing'),
  fresh: fc.boolean(),
}).map(({ id, status, fresh }) => ({
  id, status, result_id: status === 'missing' ? null : 'r1', finished_at: null, age_s: status === 'missing' ? null : 5, max_age_s: 3600,
  required_by: ['switch-reads'], reason: status === 'pass' && fresh ? null : `check "${id}" is ${status}`,
  denial: status === 'pass' && fresh ? null : DENIAL_FOR[status]!,
}));

/** Answers as a server or the CLI could give them, including inconsistent ones a bug could produce. */
const answerArb: fc.Arbitrary<GateAnswer> = fc.record({
  checks: fc.array(gateCheckArb, { maxLength: 5 }),
  allowed: fc.boolean(),
  evaluated: fc.boolean(),
  withError: fc.boolean(),
}).map(({ checks, allowed, evaluated, withError }) => ({
  migration: 'users-split-name', phase: 'switch-reads', allowed, evaluated, evaluated_at: at.toISOString(), checks,
  reasons: checks.flatMap((c) => (c.reason ? [c.reason] : [])), id: evaluated ? 'd-1' : null, requested_by: 'cli:ci', refreshed: false, run_id: null,
  ...(withError ? { error: { code: 'gate_unavailable', message: 'could not read results from the state store' } } : {}),
}));

describe('junitForRun', () => {
  it('is valid JUnit and has a failure or error exactly when the exit code is not 0', () => {
    fc.assert(fc.property(runArb, (r) => {
      const report = checkJunit(junitForRun(r));
      expect(report.problems).toEqual([]);
      const cases = report.suites.flatMap((s) => s.cases);
      expect(cases.some((c) => c.outcome !== 'pass')).toBe(exitCodeForRun(r) !== 0);
    }));
  });

  it('maps fail to <failure> with the samples, error to <error> with the fault, and a check without a result to <error>', () => {
    const r = run([result('a', 'pass'), result('b', 'fail'), result('c', 'error')], { checkIds: ['a', 'b', 'c', 'd'] });
    const { problems, suites } = checkJunit(junitForRun(r));
    expect(problems).toEqual([]);
    expect(suites[0]!.counts).toEqual({ tests: 4, failures: 1, errors: 2 });
    const byName = Object.fromEntries(suites[0]!.cases.map((c) => [c.name, c]));
    expect(byName.a).toMatchObject({ outcome: 'pass', classname: 'parity.column_parity' });
    expect(byName.b).toMatchObject({ outcome: 'failure', message: 'b summary' });
    expect(byName.b!.text).toContain('id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
    expect(byName.c).toMatchObject({ outcome: 'error', message: 'timeout (SQLSTATE 57014): canceling statement due to statement timeout' });
    expect(byName.d).toMatchObject({ outcome: 'error', message: 'the check has no result in this run' });
  });

  it('reports a run that did not finish as an error even when every result it has passed', () => {
    const { suites } = checkJunit(junitForRun(run([result('a', 'pass')], { status: 'aborted' })));
    expect(suites[0]!.cases.find((c) => c.name === 'run')).toMatchObject({ outcome: 'error', message: 'the run ended aborted' });
  });

  it('stays valid XML whatever text a summary or sample holds, and keeps that text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (summary, value) => {
      const r = run([result('x', 'fail', { summary, samples: [{ category: 'mismatch', key: { id: value }, old: value, new: null }] }), result('y', 'pass', { summary })]);
      const report = checkJunit(junitForRun(r));
      expect(report.problems).toEqual([]);
      // eslint-disable-next-line no-control-regex
      const xmlSafe = (t: string) => t.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
      expect(report.suites[0]!.cases[0]!.message).toBe(xmlSafe(summary));
      expect(report.suites[0]!.cases[0]!.text).toContain(`old: ${xmlSafe(JSON.stringify(value))}`);
    }), { numRuns: 60 });
  });
});

describe('junitForGate', () => {
  it('is valid JUnit and has a failure or error exactly when the gate does not exit 0', () => {
    fc.assert(fc.property(answerArb, (answer) => {
      const report = checkJunit(junitForGate(answer));
      expect(report.problems).toEqual([]);
      expect(report.suites[0]!.cases.some((c) => c.outcome !== 'pass')).toBe(exitCodeForGate(answer) !== 0);
    }));
  });

  it('reports a denial as a failing decision case with the reasons, and a check that could not be verified as an error', () => {
    const answer: GateAnswer = {
      migration: 'm', phase: 'p', allowed: false, evaluated: true, evaluated_at: at.toISOString(), id: 'd', requested_by: null, refreshed: false, run_id: null,
      checks: [
        { id: 'ok', status: 'pass', result_id: 'r', finished_at: null, age_s: 1, max_age_s: 60, required_by: ['p'], reason: null, denial: null },
        { id: 'broken', status: 'error', result_id: 'r', finished_at: null, age_s: 1, max_age_s: 60, required_by: ['p'], reason: 'check "broken" could not be verified: timeout', denial: 'could_not_verify' },
      ],
      reasons: ['check "broken" could not be verified: timeout'],
    };
    const { suites } = checkJunit(junitForGate(answer));
    expect(suites[0]!.cases.map((c) => [c.name, c.outcome])).toEqual([['m → p', 'failure'], ['ok', 'pass'], ['broken', 'error']]);
    expect(suites[0]!.cases[0]!.text).toBe('check "broken" could not be verified: timeout');
  });

  it('reports "could not evaluate" as an error, never as allowed', () => {
    const answer = unavailableAnswer('m', 'p', 'could not read results from the state store', { requestedBy: null, refreshed: false, now: at });
    expect(exitCodeForGate(answer)).toBe(2);
    const { suites } = checkJunit(junitForGate(answer));
    expect(suites[0]!.cases).toEqual([expect.objectContaining({ outcome: 'error', message: 'could not evaluate: could not read results from the state store' })]);
  });
});

describe('markdown', () => {
  it('headlines a run ✅ only when the exit code is 0; every failed or unverified check shows as such', () => {
    fc.assert(fc.property(runArb, (r) => {
      const text = markdownForRun(r, exitCodeForRun(r));
      const headline = text.split('\n')[0]!;
      expect(headline.startsWith('### ✅')).toBe(exitCodeForRun(r) === 0);
      if (exitCodeForRun(r) === 1) expect(headline).toMatch(/^### ❌ parity run: a check failed/);
      if (exitCodeForRun(r) === 2) expect(headline).toMatch(/^### ⚠️ parity run: could not verify/);
      for (const res of r.results) {
        const line = text.split('\n').find((l) => l.includes(`\`${res.checkId}\``))!;
        expect(line.startsWith(res.status === 'pass' ? '| ✅' : res.status === 'fail' ? '| ❌' : '| ⚠️')).toBe(true);
      }
    }));
  });

  it('shows a failing check\'s samples under its row', () => {
    const text = markdownForRun(run([result('b', 'fail')]), 1);
    expect(text).toContain('<details><summary>b failed: b summary</summary>');
    expect(text).toContain('mismatch       id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
  });

  it('says how a result was read: resumed from, coverage, replica lag, last progress', () => {
    const read = result('big', 'pass', {
      observations: {
        resumed_from: { run_id: 'run-0', chunks: 4, rows_scanned: 400_000, since: '2024-12-31T23:00:00.000Z' },
        coverage: { full_pass_at: '2024-12-30T00:00:00.000Z', incremental_passes: 2, unbroken: true, last_at: '2025-01-01T00:00:00.000Z' },
        progress: { rows_scanned: 1_000_000, rows_estimated: 990_000, rows_per_second: 50_000, eta_seconds: null, elapsed_seconds: 20, at: '2025-01-01T00:00:20.000Z' },
      },
      servers: { app: { replica_lag: { state: 'caught_up', lag_ms: 0, replay_paused: false, receive_lsn: '0/1', replay_lsn: '0/1', max_replica_lag_ms: 30_000 } } } as never,
    });
    const text = markdownForRun(run([read, result('plain', 'pass')]), 0);
    expect(text).toContain([
      '**How each result was read:**', '',
      '- `big`: resumed from run run-0 (since 2024-12-31T23:00:00.000Z) after 4 chunks, 400,000 rows',
      '- `big`: coverage: full pass at 2024-12-30T00:00:00.000Z + 2 incremental passes, unbroken, last at 2025-01-01T00:00:00.000Z',
      '- `big`: read under replica lag: app: 0 ms (caught up, limit 30 s)',
      '- `big`: read 1,000,000 of ~990,000 rows in 20 s at 50,000 rows/s',
    ].join('\n'));
    expect(text).not.toContain('`plain`:');
    expect(markdownForRun(run([result('plain', 'pass')]), 0)).not.toContain('How each result was read');
  });

  it('headlines a gate ✅ ALLOWED only when it exits 0', () => {
    fc.assert(fc.property(answerArb, (answer) => {
      const headline = markdownForGate(answer).split('\n')[0]!;
      const exit = exitCodeForGate(answer);
      expect(headline.startsWith('### ✅')).toBe(exit === 0);
      expect(headline.includes('ALLOWED')).toBe(exit === 0);
      if (exit === 1) expect(headline).toContain('**DENIED**');
      if (exit === 2) expect(headline).toContain('**COULD NOT EVALUATE** (not allowed)');
    }));
  });

  it('keeps a table cell one cell whatever its text', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const cell = escapeMarkdownCell(text);
      expect(cell).not.toMatch(/(^|[^\\])(\\\\)*\|/);
      expect(cell).not.toMatch(/[\n<>]/);
    }));
  });
});

describe('markdown gate table', () => {
  it('says why a pass does not count, e.g. a stale definition, instead of a bare pass', () => {
    const answer: GateAnswer = {
      migration: 'm', phase: 'p', allowed: false, evaluated: true, evaluated_at: at.toISOString(), id: 'd', requested_by: null, refreshed: false, run_id: null,
      checks: [{ id: 'old', status: 'pass', result_id: 'r', finished_at: null, age_s: 1, max_age_s: 60, required_by: ['p'], reason: 'check "old" last passed under an older definition', denial: 'stale_definition' }],
      reasons: ['check "old" last passed under an older definition'],
    };
    expect(markdownForGate(answer)).toContain('| ⚠️ | `old` | **pass** (stale definition) |');
  });
});

describe('--format', () => {
  it('accepts text, json, junit and markdown; --json is json; two different formats are refused', () => {
    expect(['text', 'json', 'junit', 'markdown'].map(parseOutputFormat)).toEqual(['text', 'json', 'junit', 'markdown']);
    expect(() => parseOutputFormat('xml')).toThrow(/must be one of text, json, junit, markdown/);
    expect(chosenFormat({})).toEqual({ format: 'text' });
    expect(chosenFormat({ json: true })).toEqual({ format: 'json' });
    expect(chosenFormat({ json: true, format: 'json' })).toEqual({ format: 'json' });
    expect(chosenFormat({ json: true, format: 'junit' })).toEqual({ error: '--json asks for JSON but --format asks for junit; use one' });
  });
});
