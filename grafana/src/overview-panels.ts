/**
 * The overview row: gate verdicts, failing checks, mismatch trends, last-verified age, durations,
 * scheduler health and the API. Queries merge replicas with max (gauges, which every replica
 * reports from the shared store) or sum (counters, which each replica counts for itself).
 */
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { gateMappings, instant, query, tableQuery, thresholds } from './panel-kit.js';

const CHECKS = 'check_id=~"$check_id"';
const GATES = 'migration=~"$migration"';

/** The overview panels, in layout order. */
export function overviewPanels(): cog.Builder<Panel>[] {
  return [
    new StatPanel()
      .title('Gate verdicts')
      .description('Each phase\'s gate as a gate answer gives it now (denied while a required check re-runs: its outcome is not known yet; denied by any replica is denied). Green: the phase may start.')
      .withTarget(instant(`min by (migration, phase) (parity_gate_allowed{${GATES}})`, '{{migration}} / {{phase}}'))
      .mappings(gateMappings).thresholds(thresholds(1)).colorMode(BigValueColorMode.Background)
      .textMode(BigValueTextMode.ValueAndName).graphMode(BigValueGraphMode.None).noValue('no migrations declared')
      .span(12).height(6),
    new StatPanel()
      .title('Failing checks')
      .description('Checks whose latest result is fail (found differences) or error (could not verify).')
      .withTarget(query(`count(max by (check_id) (parity_check_status{status="fail", ${CHECKS}}) == 1) or vector(0)`, 'fail'))
      .withTarget(query(`count(max by (check_id) (parity_check_status{status="error", ${CHECKS}}) == 1) or vector(0)`, 'error', 'B'))
      .thresholds(thresholds(1)).colorMode(BigValueColorMode.Background).textMode(BigValueTextMode.ValueAndName)
      .span(4).height(6),
    new TablePanel()
      .title('Checks not passing')
      .description('Latest status per check; fail = differences found, error = could not verify.')
      .withTarget(tableQuery(`max by (check_id, kind, status) (parity_check_status{status!="pass", ${CHECKS}}) == 1`))
      .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true } } })
      .span(8).height(6),
    new StateTimelinePanel()
      .title('Gate history')
      .description('When each gate was allowed (green) or denied (red).')
      .withTarget(query(`min by (migration, phase) (parity_gate_allowed{${GATES}})`, '{{migration}} / {{phase}}'))
      .mappings(gateMappings).thresholds(thresholds(1))
      .span(24).height(6),
    new TimeSeriesPanel()
      .title('Mismatches (latest result)')
      .description('Mismatches reported by each check\'s newest result. A step up on a check that passed is drift.')
      .withTarget(query(`max by (check_id) (parity_check_mismatches{${CHECKS}})`, '{{check_id}}'))
      .unit('short').min(0).span(12).height(8),
    new TimeSeriesPanel()
      .title('Mismatch ratio (latest result)')
      .withTarget(query(`max by (check_id) (parity_check_mismatch_ratio{${CHECKS}})`, '{{check_id}}'))
      .unit('percentunit').min(0).span(12).height(8),
    new TablePanel()
      .title('Last verified age vs expected interval')
      .description('Seconds since each check\'s newest pass or fail, next to how often it should be verified. '
        + 'ParityCheckNotVerified fires above twice the interval.')
      .withTarget(tableQuery(`time() - max by (check_id) (parity_check_last_verified_timestamp_seconds{${CHECKS}})`, 'A'))
      .withTarget(tableQuery(`max by (check_id) (parity_check_expected_interval_seconds{${CHECKS}})`, 'B'))
      .withTarget(tableQuery(`time() - max by (check_id) (parity_check_last_success_timestamp_seconds{${CHECKS}})`, 'C'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'since verified', 'Value #B': 'expected interval', 'Value #C': 'since pass' } },
      })
      .unit('s').span(12).height(8),
    new TimeSeriesPanel()
      .title('Check duration p95')
      .withTarget(query(`histogram_quantile(0.95, sum by (le, check_id) (rate(parity_check_duration_seconds_bucket{${CHECKS}}[$__rate_interval])))`, '{{check_id}}'))
      .unit('s').min(0).span(12).height(8),
    new TimeSeriesPanel()
      .title('Check runs by status')
      .withTarget(query(`sum by (status) (increase(parity_check_runs_total{${CHECKS}}[$__rate_interval]))`, '{{status}}'))
      .unit('short').min(0).span(8).height(8),
    new TimeSeriesPanel()
      .title('Rows scanned per second')
      .withTarget(query(`sum by (check_id) (rate(parity_check_rows_scanned_total{${CHECKS}}[$__rate_interval]))`, '{{check_id}}'))
      .unit('rowsps').min(0).span(8).height(8),
    new TimeSeriesPanel()
      .title('Gate decisions')
      .description('Questions answered by the gate API / CLI, by answer.')
      .withTarget(query(`sum by (migration, phase, decision) (increase(parity_gate_decisions_total{${GATES}}[$__rate_interval]))`, '{{migration}}/{{phase}} {{decision}}'))
      .unit('short').min(0).span(8).height(8),
    new TimeSeriesPanel()
      .title('Scheduler: slots claimed, skipped, runs aborted')
      .withTarget(query('sum(increase(parity_scheduler_slots_claimed_total[$__rate_interval]))', 'claimed'))
      .withTarget(query('sum by (reason) (increase(parity_scheduler_slots_skipped_total[$__rate_interval]))', 'skipped: {{reason}}', 'B'))
      .withTarget(query('sum(increase(parity_scheduler_runs_aborted_total[$__rate_interval]))', 'aborted runs', 'C'))
      .unit('short').min(0).span(12).height(8),
    new StatPanel()
      .title('Since last scheduler pass')
      .description('Seconds since any replica\'s scheduler last ran; ParitySchedulerStalled fires above 300.')
      .withTarget(query('time() - max(parity_scheduler_last_tick_timestamp_seconds)', 'any replica'))
      .unit('s').thresholds(thresholds(300, 60)).colorMode(BigValueColorMode.Background).noValue('never')
      .span(4).height(8),
    new StatPanel()
      .title('Scheduled checks')
      .withTarget(query('max(parity_scheduled_checks)', 'scheduled'))
      .span(8).height(8),
    new TimeSeriesPanel()
      .title('API requests by route and status')
      .withTarget(query('sum by (http_route, http_response_status_code) (rate(http_server_request_duration_count[$__rate_interval]))', '{{http_route}} {{http_response_status_code}}'))
      .unit('reqps').min(0).span(12).height(8),
    new TimeSeriesPanel()
      .title('API latency p95')
      .withTarget(query('histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_bucket[$__rate_interval])))', '{{http_route}}'))
      .unit('s').min(0).span(12).height(8),
  ];
}
