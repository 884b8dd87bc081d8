import { describe, expect, it } from 'vitest';
import { metricNames } from './promql-names.js';

describe('metricNames', () => {
  it('finds selectors, not functions, keywords, grouping labels, matchers or variables', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, check_id) (rate(parity_check_duration_seconds_bucket{check_id=~"$check_id"}[$__rate_interval])))'))
      .toEqual(['parity_check_duration_seconds_bucket']);
    expect(metricNames('count(max by (check_id) (parity_check_status{status="fail"}) == 1) or vector(0)')).toEqual(['parity_check_status']);
    expect(metricNames('max(parity_scheduled_checks) > 0 and on () ((time() - max(parity_scheduler_last_tick_timestamp_seconds)) > 300 or on () absent(parity_scheduler_last_tick_timestamp_seconds))'))
      .toEqual(['parity_scheduled_checks', 'parity_scheduler_last_tick_timestamp_seconds']);
  });

  it('reads the metric of a Grafana label_values() variable query', () => {
    expect(metricNames('label_values(parity_gate_allowed, migration)')).toEqual(['parity_gate_allowed']);
  });

  it('catches a misspelt or unsuffixed name', () => {
    expect(metricNames('sum(rate(parity_check_runs[5m]))')).toEqual(['parity_check_runs']);
  });
});
