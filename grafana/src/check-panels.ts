/**
 * The per-check drill-down: one row per selected `$check_id` (Grafana repeats the row), with the
 * check's status, findings by type, freshness, duration and the shadow-read bound when it has one.
 */
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { fixedColor, instant, query, statusColors, thresholds } from './panel-kit.js';

const CHECK = 'check_id="$check_id"';

/** The drill-down panels for the row repeated over $check_id. */
export function checkPanels(): cog.Builder<Panel>[] {
  const status = new StatPanel()
    .title('Status')
    .description('Latest finished result: pass, fail (differences found) or error (could not verify).')
    .withTarget(instant(`max by (status) (parity_check_status{${CHECK}}) == 1`, '{{status}}'))
    .textMode(BigValueTextMode.Name).colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None).noValue('no result yet')
    .span(4).height(6);
  for (const [name, color] of statusColors) status.overrideByName(name, fixedColor(color));
  const history = new StateTimelinePanel()
    .title('Status history')
    .withTarget(query(`max by (status) (parity_check_status{${CHECK}}) == 1`, '{{status}}'))
    .span(24).height(4);
  for (const [name, color] of statusColors) history.overrideByName(name, fixedColor(color));
  return [
    status,
    new StatPanel()
      .title('Mismatches')
      .description('From the latest finished result. When "at least" shows 1, the scan stopped early (stop_after): the true count is this or more.')
      .withTarget(instant(`max(parity_check_mismatches{${CHECK}})`, 'mismatches'))
      .withTarget(instant(`max(parity_check_counts_lower_bound{${CHECK}})`, 'at least', 'B'))
      .thresholds(thresholds(1)).colorMode(BigValueColorMode.Value)
      .span(4).height(6),
    new StatPanel()
      .title('Errors in a row')
      .withTarget(instant(`max(parity_check_consecutive_errors{${CHECK}})`, 'errors'))
      .thresholds(thresholds(3, 1)).colorMode(BigValueColorMode.Value)
      .span(4).height(6),
    new StatPanel()
      .title('Since last pass')
      .withTarget(instant(`time() - max(parity_check_last_success_timestamp_seconds{${CHECK}})`, 'since pass'))
      .unit('s').noValue('never passed').span(4).height(6),
    new StatPanel()
      .title('Since last verification')
      .withTarget(instant(`time() - max(parity_check_last_verified_timestamp_seconds{${CHECK}})`, 'since verified'))
      .unit('s').noValue('never verified').span(4).height(6),
    new StatPanel()
      .title('Expected interval')
      .withTarget(instant(`max(parity_check_expected_interval_seconds{${CHECK}})`, 'expected'))
      .unit('s').noValue('none (no schedule, no gate)').span(4).height(6),
    history,
    new TimeSeriesPanel()
      .title('Mismatches and differences by type')
      .description('missing_in_new / missing_in_old / changed, as reported by table_diff and join-form column_parity.')
      .withTarget(query(`max(parity_check_mismatches{${CHECK}})`, 'mismatches'))
      .withTarget(query(`max by (type) (parity_check_differences{${CHECK}})`, '{{type}}', 'B'))
      .unit('short').min(0).span(12).height(8),
    new TimeSeriesPanel()
      .title('Mismatch ratio and shadow-read upper bound')
      .description('For shadow_read the upper confidence bound of the mismatch rate is what the check judges.')
      .withTarget(query(`max(parity_check_mismatch_ratio{${CHECK}})`, 'ratio'))
      .withTarget(query(`max(parity_shadow_read_mismatch_rate_upper_bound{${CHECK}})`, 'upper bound', 'B'))
      .unit('percentunit').min(0).span(12).height(8),
    new TimeSeriesPanel()
      .title('Duration p50 / p95')
      .withTarget(query(`histogram_quantile(0.5, sum by (le) (rate(parity_check_duration_seconds_bucket{${CHECK}}[$__rate_interval])))`, 'p50'))
      .withTarget(query(`histogram_quantile(0.95, sum by (le) (rate(parity_check_duration_seconds_bucket{${CHECK}}[$__rate_interval])))`, 'p95', 'B'))
      .unit('s').min(0).span(8).height(8),
    new TimeSeriesPanel()
      .title('Runs by status and trigger')
      .withTarget(query(`sum by (status, trigger) (increase(parity_check_runs_total{${CHECK}}[$__rate_interval]))`, '{{status}} ({{trigger}})'))
      .unit('short').min(0).span(8).height(8),
    new TimeSeriesPanel()
      .title('Scheduler slots')
      .withTarget(query(`sum(increase(parity_scheduler_slots_claimed_total{${CHECK}}[$__rate_interval]))`, 'claimed'))
      .withTarget(query(`sum by (reason) (increase(parity_scheduler_slots_skipped_total{${CHECK}}[$__rate_interval]))`, 'skipped: {{reason}}', 'B'))
      .unit('short').min(0).span(8).height(8),
  ];
}
