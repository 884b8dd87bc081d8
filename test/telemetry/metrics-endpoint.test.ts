import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRunAborted, recordSchedulerTick, recordSlotClaimed, recordSlotSkipped } from '../../src/telemetry/recorders.js';
import { declaredSeries } from '../../src/telemetry/instruments.js';
import { engines } from '../support/databases.js';
import type { Exposition } from './exposition.js';
import { OFFLINE_PASSWORD, createWorld, runChecks, startParity, type Parity, type World } from './support.js';

const READ_TOKEN = 'prom-read-token-0a9f7c41e2';
const RUN_TOKEN = 'ops-run-token-77d2e9b1c3';
const TOKENS = `prometheus:${READ_TOKEN}:read,ops:${RUN_TOKEN}:run`;
const SOURCE_PASSWORD = 'source-pw-3b8d1f6a';

/** Labels every series may carry besides its declared attributes: the histogram bucket bound. */
const STRUCTURAL_LABELS = new Set(['le']);

describe.each(engines)('GET /metrics on %s', (engine) => {
  let world: World;
  let parity: Parity;
  let run: any;
  let metrics: Exposition;
  const now = () => Date.now() / 1000;

  beforeAll(async () => {
    world = await createWorld(engine, {
      sourceUrl: (url) => {
        if (engine === 'pglite') return url;
        const parsed = new URL(url);
        parsed.password = SOURCE_PASSWORD;
        return parsed.toString();
      },
    });
    parity = await startParity(world, { tokens: TOKENS });
    run = await runChecks(parity, undefined, RUN_TOKEN);
    metrics = await parity.scrape(READ_TOKEN);
  });
  afterAll(async () => {
    await parity?.stop();
    await world?.close();
  });

  const resultOf = (checkId: string) => run.results.find((r: any) => r.check_id === checkId);

  it('serves Prometheus text to the read scope only', async () => {
    expect((await parity.request('GET', '/metrics')).status).toBe(401);
    expect((await parity.request('GET', '/metrics', { token: 'not-a-valid-token-at-all' })).status).toBe(401);
    const response = await parity.request('GET', '/metrics', { token: READ_TOKEN });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.value('target_info', { service_name: 'parity' })).toBe(1);
  });

  it('counts each check run by check, kind, status and trigger, with its duration', () => {
    expect(resultOf('users-row-count').status).toBe('pass');
    expect(resultOf('users-name-parity').status).toBe('fail');
    expect(resultOf('users-ghost').status).toBe('error');
    expect(resultOf('offline-count').status).toBe('error');
    const runs = (check_id: string, status: string) => metrics.value('parity_check_runs_total', { check_id, status, trigger: 'api' });
    expect(runs('users-row-count', 'pass')).toBe(1);
    expect(runs('users-name-parity', 'fail')).toBe(1);
    expect(runs('users-ghost', 'error')).toBe(1);
    expect(runs('offline-count', 'error')).toBe(1);
    expect(metrics.find('parity_check_runs_total', { check_id: 'users-name-parity' })[0]!.labels.kind).toBe('column_parity');
    const duration = metrics.value('parity_check_duration_seconds_sum', { check_id: 'users-name-parity', status: 'fail' });
    expect(duration).toBeCloseTo(resultOf('users-name-parity').duration_ms / 1000, 3);
    expect(metrics.value('parity_check_duration_seconds_count', { check_id: 'users-name-parity' })).toBe(1);
    expect(metrics.value('parity_check_duration_seconds_bucket', { check_id: 'users-name-parity', le: '+Inf' })).toBe(1);
    expect(metrics.value('parity_check_rows_scanned_total', { check_id: 'users-row-count' })).toBe(400);
  });

  it('reports the latest result of each check: status, mismatches, ratio and differences by type', () => {
    const observations = resultOf('users-name-parity').observations;
    expect(metrics.value('parity_check_status', { check_id: 'users-name-parity', status: 'fail' })).toBe(1);
    expect(metrics.value('parity_check_status', { check_id: 'users-name-parity', status: 'pass' })).toBe(0);
    expect(metrics.value('parity_check_status', { check_id: 'users-ghost', status: 'error' })).toBe(1);
    expect(metrics.value('parity_check_mismatches', { check_id: 'users-name-parity' })).toBe(4);
    expect(metrics.value('parity_check_mismatch_ratio', { check_id: 'users-name-parity' })).toBeCloseTo(observations.mismatch_ratio, 12);
    expect(metrics.value('parity_check_differences', { check_id: 'users-name-parity', type: 'missing_in_new' })).toBe(1);
    expect(metrics.value('parity_check_differences', { check_id: 'users-name-parity', type: 'missing_in_old' })).toBe(1);
    expect(metrics.value('parity_check_mismatches', { check_id: 'users-row-count' })).toBe(0);
    // An error has no findings: no invented zero.
    expect(metrics.find('parity_check_mismatches', { check_id: 'users-ghost' })).toEqual([]);
  });

  it('reports freshness: last success, last verification, errors in a row and the expected interval', () => {
    const finished = (id: string) => Date.parse(resultOf(id).finished_at) / 1000;
    expect(metrics.value('parity_check_last_success_timestamp_seconds', { check_id: 'users-row-count' })).toBeCloseTo(finished('users-row-count'), 2);
    expect(metrics.find('parity_check_last_success_timestamp_seconds', { check_id: 'users-name-parity' })).toEqual([]);
    expect(metrics.value('parity_check_last_verified_timestamp_seconds', { check_id: 'users-name-parity' })).toBeCloseTo(finished('users-name-parity'), 2);
    expect(metrics.value('parity_check_last_verified_timestamp_seconds', { check_id: 'users-row-count' })).toBeLessThanOrEqual(now());
    expect(metrics.value('parity_check_consecutive_errors', { check_id: 'users-ghost' })).toBe(1);
    expect(metrics.value('parity_check_consecutive_errors', { check_id: 'users-row-count' })).toBe(0);
    expect(metrics.value('parity_check_expected_interval_seconds', { check_id: 'users-row-count' })).toBe(300);
    expect(metrics.value('parity_check_expected_interval_seconds', { check_id: 'users-name-parity' })).toBe(900);
    expect(metrics.find('parity_check_expected_interval_seconds', { check_id: 'users-ghost' })).toEqual([]);
    expect(metrics.value('parity_scheduled_checks')).toBe(1);
  });

  it('reports each gate on the latest results and counts the decisions asked for', async () => {
    const gate = (phase: string) => metrics.value('parity_gate_allowed', { migration: 'users-split-name', phase });
    expect(gate('backfill')).toBe(1);
    expect(gate('switch-reads')).toBe(0);
    expect((await parity.service.gates.decide('users-split-name', 'backfill', { requestedBy: 'test' })).allowed).toBe(true);
    expect((await parity.service.gates.decide('users-split-name', 'switch-reads', { requestedBy: 'test' })).allowed).toBe(false);
    await parity.service.gates.decide('users-split-name', 'switch-reads', { requestedBy: 'test' });
    const after = await parity.scrape(READ_TOKEN);
    const decisions = (phase: string, decision: string) => after.value('parity_gate_decisions_total', { migration: 'users-split-name', phase, decision });
    expect(decisions('backfill', 'allowed')).toBe(1);
    expect(decisions('switch-reads', 'denied')).toBe(2);
  });

  it('counts what the scheduler reports through the record functions', async () => {
    const tick = new Date('2026-05-01T12:00:00Z');
    recordSlotClaimed({ checkId: 'users-row-count' });
    recordSlotClaimed({ checkId: 'users-row-count' });
    recordSlotSkipped({ checkId: 'users-row-count', reason: 'still_running' });
    recordSlotSkipped({ checkId: 'users-row-count', reason: 'connection "refused" to 10.0.0.1' });
    recordRunAborted(3);
    recordSchedulerTick(tick);
    const after = await parity.scrape(READ_TOKEN);
    expect(after.value('parity_scheduler_slots_claimed_total', { check_id: 'users-row-count' })).toBe(2);
    expect(after.value('parity_scheduler_slots_skipped_total', { reason: 'still_running' })).toBe(1);
    // Free text is never a label value.
    expect(after.value('parity_scheduler_slots_skipped_total', { reason: 'other' })).toBe(1);
    expect(after.value('parity_scheduler_runs_aborted_total')).toBe(3);
    expect(after.value('parity_scheduler_last_tick_timestamp_seconds')).toBe(tick.getTime() / 1000);
  });

  it('measures API requests by route pattern, never by concrete path', async () => {
    await parity.request('GET', `/v1/runs/${run.id}`, { token: READ_TOKEN });
    const after = await parity.scrape(READ_TOKEN);
    const byRoute = after.find('http_server_request_duration_count', { http_route: '/v1/runs/:id', http_request_method: 'GET', http_response_status_code: '200' });
    expect(byRoute).toHaveLength(1);
    expect(after.find('http_server_request_duration_count', { http_route: '/v1/runs', http_request_method: 'POST' })[0]?.value).toBe(1);
    expect(after.find('http_server_request_duration_count', { http_response_status_code: '401' }).length).toBeGreaterThan(0);
    expect(after.text).not.toContain(run.id);
  });

  it('carries only declared, low-cardinality labels, and never a secret, SQL or error text', async () => {
    const after = await parity.scrape(READ_TOKEN);
    const declared = declaredSeries();
    for (const sample of after.samples.filter((s) => s.name !== 'target_info')) {
      const spec = declared.get(sample.name);
      expect(spec, `undeclared series ${sample.name}`).toBeDefined();
      for (const [key, value] of Object.entries(sample.labels)) {
        expect(STRUCTURAL_LABELS.has(key) || spec!.attributes.includes(key), `${sample.name} has undeclared label ${key}`).toBe(true);
        if (spec!.createdBy === 'parity' && !STRUCTURAL_LABELS.has(key)) expect(value).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
      }
    }
    for (const secret of [SOURCE_PASSWORD, OFFLINE_PASSWORD, READ_TOKEN, RUN_TOKEN]) expect(after.text).not.toContain(secret);
    expect(after.text).not.toMatch(/select |no_such_table|refused|ECONNREFUSED|127\.0\.0\.1/i);
    for (const result of run.results) expect(after.text).not.toContain(result.id);
  });

  it('shows the same gauges after a restart, from the store; counters start again', async () => {
    const before = await parity.scrape(READ_TOKEN);
    await parity.stop();
    parity = await startParity(world, { tokens: TOKENS });
    const after = await parity.scrape(READ_TOKEN);
    const gauges = ['parity_check_status', 'parity_check_mismatches', 'parity_check_mismatch_ratio', 'parity_check_differences',
      'parity_check_last_success_timestamp_seconds', 'parity_check_last_verified_timestamp_seconds', 'parity_check_consecutive_errors',
      'parity_gate_allowed', 'parity_check_expected_interval_seconds'];
    for (const name of gauges) {
      const values = (e: Exposition) => e.find(name).map((s) => `${JSON.stringify(s.labels)}=${s.value}`).sort();
      expect(values(after), name).toEqual(values(before));
      expect(values(after).length, name).toBeGreaterThan(0);
    }
    expect(after.find('parity_check_runs_total')).toEqual([]);
  });

  it('follows results another replica writes to the store', async () => {
    const other = await startParity(world, { tokens: TOKENS });
    try {
      await world.db.exec("update users set last_name = 'Last7' where id = 7");
      const rerun = await runChecks(other, ['users-name-parity', 'users-ghost'], RUN_TOKEN);
      expect(rerun.results.find((r: any) => r.check_id === 'users-name-parity').observations.mismatches).toBe(3);
      await parity.telemetry.refresh();
      const seen = await parity.scrape(READ_TOKEN);
      expect(seen.value('parity_check_mismatches', { check_id: 'users-name-parity' })).toBe(3);
      expect(seen.value('parity_check_consecutive_errors', { check_id: 'users-ghost' })).toBe(2);
      // This replica ran nothing: its own counters stay empty.
      expect(seen.find('parity_check_runs_total')).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
