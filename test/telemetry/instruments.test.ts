import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelValue } from '../../src/telemetry/attributes.js';
import { recordSchedulerPass } from '../../src/telemetry/recorders.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { declaredSeries, instruments, prometheusName, prometheusSeriesNames, type InstrumentSpec } from '../../src/telemetry/instruments.js';

const all = Object.values(instruments) as InstrumentSpec[];

/** Attribute keys that would carry free text or unbounded values. */
const FORBIDDEN_KEYS = /sql|query|error|message|reason_text|key_value|sample|url|dsn|token|password|run_id|result_id|slot|summary/;

describe('instrument declarations', () => {
  it('give every instrument a unique name, a unit and a description', () => {
    expect(new Set(all.map((i) => i.name)).size).toBe(all.length);
    for (const spec of all) {
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.unit).not.toBe('');
    }
  });

  it('name parity metrics as Prometheus expects: snake_case, parity_ prefix, seconds in the name, counters without _total', () => {
    for (const spec of all.filter((i) => i.createdBy === 'parity')) {
      expect(spec.name).toMatch(/^parity_[a-z0-9_]+$/);
      expect(spec.name.endsWith('_total')).toBe(false);
      if (spec.unit === 's') expect(spec.name).toMatch(/_seconds$/);
    }
  });

  it('only allow low-cardinality attribute keys', () => {
    for (const spec of all) {
      for (const key of spec.attributes) expect(key, `${spec.name}.${key}`).not.toMatch(FORBIDDEN_KEYS);
    }
  });

  it('map each instrument to the series names the exporter writes', () => {
    expect(prometheusName(instruments.checkRuns)).toBe('parity_check_runs_total');
    expect(prometheusSeriesNames(instruments.checkDuration)).toEqual([
      'parity_check_duration_seconds_bucket', 'parity_check_duration_seconds_sum', 'parity_check_duration_seconds_count',
    ]);
    expect(prometheusSeriesNames(instruments.httpDuration)).toContain('http_server_request_duration_bucket');
    expect(prometheusName(instruments.lastSuccess)).toBe('parity_check_last_success_timestamp_seconds');
    expect(declaredSeries().get('parity_gate_decisions_total')).toBe(instruments.gateDecisions);
  });
});

describe('label values', () => {
  it('pass ids, kinds and statuses through unchanged', () => {
    for (const value of ['users-name-parity', 'column_parity', 'pass', 'switch-reads', 'a.b:c_d']) expect(labelValue(value)).toBe(value);
  });

  it('turn anything that looks like free text into "other"', () => {
    for (const value of ['select * from users', 'postgres://u:pw@h/db', 'connection "refused"', '', 'x'.repeat(200), 'a\nb']) {
      expect(labelValue(value)).toBe('other');
    }
  });

  it('never let through a space, quote, slash, @ or newline', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
      expect(labelValue(text)).not.toMatch(/[\s"'\\/@=]/);
      expect(labelValue(text).length).toBeLessThanOrEqual(128);
    }));
  });
});

describe('scheduler pass recording', () => {
  it('counts started slots as claimed and the rest as skips by reason, and stamps the pass', async () => {
    const telemetry = createTelemetry({ env: {} });
    try {
      recordSchedulerPass([
        { checkId: 'a', action: 'started' }, { checkId: 'a', action: 'taken' }, { checkId: 'b', action: 'skipped' }, { checkId: 'b', action: 'failed' },
      ], new Date(1_700_000_000_000));
      recordSchedulerPass([], new Date(1_700_000_060_000));
      const text = await telemetry.scrape();
      expect(text).toMatch(/^parity_scheduler_slots_claimed_total\{check_id="a"\} 1$/m);
      expect(text).toMatch(/^parity_scheduler_slots_skipped_total\{check_id="a",reason="claimed_elsewhere"\} 1$/m);
      expect(text).toMatch(/^parity_scheduler_slots_skipped_total\{check_id="b",reason="still_running"\} 1$/m);
      expect(text).toMatch(/^parity_scheduler_slots_skipped_total\{check_id="b",reason="failed"\} 1$/m);
      expect(text).toMatch(/^parity_scheduler_last_tick_timestamp_seconds 1700000060$/m);
    } finally {
      await telemetry.shutdown();
    }
  });
});
