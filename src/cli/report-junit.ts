/**
 * JUnit XML for CI test reports (GitHub, GitLab, Jenkins, Azure): one <testcase> per check, with a
 * <failure> for a check that failed and an <error> for one that could not be verified. Whatever the
 * outcome, a report whose exit code is not 0 carries at least one failure or error. Pure.
 */
import type { FinishedRun } from '../runner/run-types.js';
import type { ResultRecord } from '../store/runs.js';
import { humanAge } from '../gate/evaluate-gate.js';
import { formatKey, formatSample, orderedResults } from './format.js';
import { EXIT } from './exit.js';
import { exitCodeForGate, type GateAnswer } from './gate-answer.js';
import { escapeXml } from './report-escape.js';

interface TestCase {
  name: string;
  classname: string;
  timeS: number;
  outcome: { kind: 'pass'; out: string } | { kind: 'failure' | 'error'; type: string; message: string; text: string };
}

interface Suite {
  name: string;
  timestamp: Date | null;
  timeS: number;
  properties: [string, string][];
  cases: TestCase[];
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 0 : ms / 1000);

/** Local time stamp without zone, as the JUnit schema's ISO8601_DATETIME_PATTERN wants it (in UTC). */
function junitTimestamp(at: Date): string {
  return at.toISOString().slice(0, 19);
}

function renderCase(c: TestCase): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${c.timeS.toFixed(3)}"`;
  const o = c.outcome;
  if (o.kind === 'pass') return `${open}>\n      <system-out>${escapeXml(o.out)}</system-out>\n    </testcase>`;
  return `${open}>\n      <${o.kind} message="${escapeXml(o.message)}" type="${escapeXml(o.type)}">${escapeXml(o.text)}</${o.kind}>\n    </testcase>`;
}

function render(suite: Suite): string {
  const failures = suite.cases.filter((c) => c.outcome.kind === 'failure').length;
  const errors = suite.cases.filter((c) => c.outcome.kind === 'error').length;
  const counts = `tests="${suite.cases.length}" failures="${failures}" errors="${errors}"`;
  const time = `time="${suite.timeS.toFixed(3)}"`;
  const stamp = suite.timestamp ? ` timestamp="${junitTimestamp(suite.timestamp)}"` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parity" ${counts} ${time}>`,
    `  <testsuite name="${escapeXml(suite.name)}" ${counts} skipped="0" ${time}${stamp} hostname="parity">`,
    '    <properties>',
    ...suite.properties.map(([name, value]) => `      <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`),
    '    </properties>',
    ...suite.cases.map(renderCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function caseOfResult(r: ResultRecord): TestCase {
  const base = { name: r.checkId, classname: `parity.${r.kind}`, timeS: seconds(r.durationMs) };
  if (r.status === 'pass') return { ...base, outcome: { kind: 'pass', out: r.summary ?? 'pass' } };
  if (r.status === 'fail') {
    const samples = r.samples ?? [];
    const keyWidth = Math.max(0, ...samples.map((s) => formatKey(s.key).length));
    const text = [r.summary ?? 'failed', ...samples.map((s) => formatSample(s, keyWidth))].join('\n');
    return { ...base, outcome: { kind: 'failure', type: 'fail', message: r.summary ?? 'failed', text } };
  }
  // error, a result still `running` after the run ended, or anything else: could not verify.
  const e = r.error;
  const message = e ? `${e.code}${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}: ${e.message}` : (r.summary ?? `no outcome (status ${r.status})`);
  return { ...base, outcome: { kind: 'error', type: e?.code ?? r.status, message, text: `could not verify: ${message}` } };
}

/** A finished run as JUnit XML: one test case per selected check (a check without a result is an error). */
export function junitForRun(run: FinishedRun): string {
  const results = orderedResults(run);
  const cases = results.map(caseOfResult);
  for (const id of run.checkIds.filter((id) => !results.some((r) => r.checkId === id))) {
    cases.push({ name: id, classname: 'parity.check', timeS: 0, outcome: { kind: 'error', type: 'no_result', message: 'the check has no result in this run', text: 'could not verify: no result' } });
  }
  if (run.checkIds.length === 0) {
    cases.push({ name: 'run', classname: 'parity.run', timeS: 0, outcome: { kind: 'error', type: 'no_checks', message: 'the run selected no check', text: `run ${run.id} verified nothing` } });
  }
  if (run.status !== 'finished') {
    cases.push({ name: 'run', classname: 'parity.run', timeS: 0, outcome: { kind: 'error', type: `run_${run.status}`, message: `the run ended ${run.status}`, text: `run ${run.id} ended ${run.status}` } });
  }
  const elapsed = run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  return render({
    name: 'parity run', timestamp: run.startedAt ?? run.createdAt, timeS: seconds(elapsed),
    properties: [['run_id', run.id], ['run_status', run.status], ['trigger', run.trigger]],
    cases,
  });
}

/**
 * A command that ended without a run or an answer (exit 2 or 64): one error case saying why, so a CI
 * that reads the report sees a failure rather than an empty file or an empty suite.
 */
export function junitForNoOutcome(command: 'run' | 'gate', exitCode: number, message: string, at: Date): string {
  const type = exitCode === EXIT.badConfig ? 'bad_configuration' : 'could_not_verify';
  return render({
    name: `parity ${command}`, timestamp: at, timeS: 0, properties: [['exit_code', String(exitCode)]],
    cases: [{ name: command, classname: `parity.${command}`, timeS: 0, outcome: { kind: 'error', type, message, text: message } }],
  });
}

/** A gate answer as JUnit XML: one case for the decision itself, then one per required check. */
export function junitForGate(answer: GateAnswer): string {
  const title = `${answer.migration} → ${answer.phase}`;
  const reasons = answer.reasons.join('\n');
  const exit = exitCodeForGate(answer);
  const decision: TestCase = exit === EXIT.couldNotVerify
    ? { name: title, classname: 'parity.gate', timeS: 0, outcome: { kind: 'error', type: answer.error?.code ?? 'gate_unavailable', message: `could not evaluate: ${reasons}`, text: reasons } }
    : exit === EXIT.ok
      ? { name: title, classname: 'parity.gate', timeS: 0, outcome: { kind: 'pass', out: 'allowed' } }
      : { name: title, classname: 'parity.gate', timeS: 0, outcome: { kind: 'failure', type: 'denied', message: `denied: ${answer.reasons.length} reason${answer.reasons.length === 1 ? '' : 's'}`, text: reasons } };
  const cases = [decision, ...answer.checks.map((c): TestCase => {
    const base = { name: c.id, classname: `parity.gate.${answer.migration}.${answer.phase}`, timeS: 0 };
    const age = c.age_s === null ? 'never finished' : `finished ${humanAge(c.age_s * 1000)} ago`;
    if (c.reason === null) return { ...base, outcome: { kind: 'pass', out: `${c.status}, ${age}` } };
    // A check that could not be verified is an error; any other reason (failed, stale, old definition, missing) a failure.
    const kind = c.status === 'error' ? 'error' : 'failure';
    return { ...base, outcome: { kind, type: c.status, message: c.reason, text: `${c.reason} (${age})` } };
  })];
  return render({
    name: `parity gate ${title}`, timestamp: new Date(answer.evaluated_at), timeS: 0,
    properties: [
      ['migration', answer.migration], ['phase', answer.phase], ['allowed', String(answer.allowed)], ['evaluated', String(answer.evaluated)],
      ['decision_id', answer.id ?? ''], ['requested_by', answer.requested_by ?? ''], ['refreshed', String(answer.refreshed)], ['run_id', answer.run_id ?? ''],
    ],
    cases,
  });
}
