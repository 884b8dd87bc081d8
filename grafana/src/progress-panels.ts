/**
 * The "Backfill and running checks" row: how each backfill watched by a null_check is getting on
 * (rows left, share done, rows per minute, time left — ParityBackfillStalled watches the rate),
 * where each long check running now stands (rows done against the estimate, rate, time left), and
 * how much of its window each `unused` check has observed (contract readiness counts up to 100%),
 * and the chain each incremental check's latest result closes (full pass, passes since, unbroken).
 * Gauges are merged across replicas with max: every replica reports the store's backfill figures,
 * and a running check's progress comes from the one replica that runs it.
 */
import { BigValueColorMode, BigValueGraphMode, BigValueTextMode } from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { instant, query, tableQuery } from './panel-kit.js';

const CHECKS = 'check_id=~"$check_id"';

/** The row's panels, in layout order. */
export function progressPanels(): cog.Builder<Panel>[] {
  return [
    new StatPanel()
      .title('Backfill done')
      .description('Share of each null_check\'s scope already filled, from its latest pass or fail.')
      .withTarget(instant(`max by (check_id) (parity_backfill_progress_ratio{${CHECKS}})`, '{{check_id}}'))
      .unit('percentunit').min(0).max(1).colorMode(BigValueColorMode.Value)
      .textMode(BigValueTextMode.ValueAndName).graphMode(BigValueGraphMode.Area).noValue('no null_check results')
      .span(8).height(7),
    new TimeSeriesPanel()
      .title('Backfill: rows still to fill')
      .description('rows_with_nulls of each null_check\'s latest pass or fail. A flat line above zero is a stalled backfill (ParityBackfillStalled).')
      .withTarget(query(`max by (check_id) (parity_backfill_remaining_rows{${CHECKS}})`, '{{check_id}}'))
      .unit('short').min(0).span(8).height(7),
    new TimeSeriesPanel()
      .title('Backfill: rows filled per minute')
      .description('From the null_check\'s stored results over at least 15 minutes; 0 or below while remaining rows exist means stalled.')
      .withTarget(query(`max by (check_id) (parity_backfill_rows_per_minute{${CHECKS}})`, '{{check_id}}'))
      .unit('short').span(8).height(7),
    new TablePanel()
      .title('Backfill: time left')
      .description('Time until the backfill is done at its current rate; absent while the remaining count is not falling.')
      .withTarget(tableQuery(`max by (check_id) (parity_backfill_eta_seconds{${CHECKS}})`, 'A'))
      .withTarget(tableQuery(`max by (check_id) (parity_backfill_remaining_rows{${CHECKS}})`, 'B'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'time left (s)', 'Value #B': 'rows left' } } })
      .span(8).height(7),
    new TablePanel()
      .title('Running checks: rows, estimate, rate, time left')
      .description('Long checks running now (chunked scans, table_diff passes, shadow_read batches): rows done, the planner\'s estimate, rows per second and seconds left.')
      .withTarget(tableQuery(`max by (check_id) (parity_check_progress_rows{${CHECKS}})`, 'A'))
      .withTarget(tableQuery(`max by (check_id) (parity_check_progress_rows_estimated{${CHECKS}})`, 'B'))
      .withTarget(tableQuery(`max by (check_id) (parity_check_progress_rows_per_second{${CHECKS}})`, 'C'))
      .withTarget(tableQuery(`max by (check_id) (parity_check_progress_eta_seconds{${CHECKS}})`, 'D'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'rows done', 'Value #B': 'rows estimated', 'Value #C': 'rows/s', 'Value #D': 'time left (s)' } },
      })
      .span(16).height(7),
    new StatPanel()
      .title('Contract readiness: unused window covered')
      .description('Share of its window each unused check\'s evidence covers (pg_stat_statements and table counters since a snapshot at least the window old). Below 100% the check says "observing" and cannot pass; catalog-only checks (evidence: catalog) have no window and show nothing here.')
      .withTarget(instant(`max by (check_id) (parity_unused_window_coverage_ratio{${CHECKS}})`, '{{check_id}}'))
      .unit('percentunit').min(0).max(1).colorMode(BigValueColorMode.Value)
      .textMode(BigValueTextMode.ValueAndName).graphMode(BigValueGraphMode.None).noValue('no unused checks with a window')
      .span(8).height(7),
    new TablePanel()
      .title('Incremental coverage: full pass, passes since, unbroken')
      .description('Checks with incremental: the chain their latest result closes — when its full pass ran (age in seconds), how many incremental passes followed it, and whether every link passed (1) or the chain is broken (0: the next run is a full pass; gates with coverage: continuous deny).')
      .withTarget(tableQuery(`time() - max by (check_id) (parity_check_coverage_full_pass_timestamp_seconds{${CHECKS}})`, 'A'))
      .withTarget(tableQuery(`max by (check_id) (parity_check_coverage_incremental_passes{${CHECKS}})`, 'B'))
      .withTarget(tableQuery(`min by (check_id) (parity_check_coverage_unbroken{${CHECKS}})`, 'C'))
      .withTransformation({ id: 'merge', options: {} })
      .withTransformation({
        id: 'organize',
        options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'full pass age (s)', 'Value #B': 'incremental passes', 'Value #C': 'unbroken' } },
      })
      .span(16).height(7),
  ];
}
