/**
 * parity's alerts, declared once. build.ts renders them both as a Prometheus rule file
 * (grafana/alerts/parity-rules.yml, unit-tested with promtool) and as Grafana-managed rules
 * (grafana/provisioning/alerting/parity-alerts.yml). Every expression returns a positive value
 * exactly when it should fire, so Grafana's "> 0" threshold means the same as Prometheus' "any sample".
 *
 * Gauges come from every replica with the store's values, hence `max by (…)` to merge replicas —
 * except a gate's verdict, merged with `min by (…)`: replicas judge by the check files each has
 * seen, and one replica still allowing on files the others have moved past must not hide a denial.
 */

export interface AlertRule {
  /** Alert name (Prometheus) and title (Grafana). */
  name: string;
  /** Stable Grafana uid. */
  uid: string;
  expr: string;
  /** How long the condition must hold before firing. */
  for: string;
  severity: 'page' | 'ticket';
  summary: string;
  description: string;
}

export const alertRules: AlertRule[] = [
  {
    name: 'ParityDriftDetected',
    uid: 'parity-drift-detected',
    expr: 'max by (check_id, kind) (parity_check_mismatches) > 0'
      + ' and on (check_id, kind) max by (check_id, kind) (parity_check_status{status="fail"}) == 1'
      + ' and on (check_id, kind) max by (check_id, kind) (parity_check_last_success_timestamp_seconds) > 0',
    for: '1m',
    severity: 'page',
    summary: 'Drift on {{ $labels.check_id }}: {{ $value }} mismatches',
    description: 'Check {{ $labels.check_id }} ({{ $labels.kind }}) passed before and now fails with {{ $value }} mismatches. '
      + 'Dual writes or a backfill are diverging; see GET /v1/checks/{{ $labels.check_id }}/results for the offending keys.',
  },
  {
    name: 'ParityCheckErroring',
    uid: 'parity-check-erroring',
    expr: 'max by (check_id, kind) (parity_check_consecutive_errors) >= 3',
    for: '0m',
    severity: 'ticket',
    summary: '{{ $labels.check_id }} could not verify {{ $value }} times in a row',
    description: 'The newest {{ $value }} results of {{ $labels.check_id }} are errors (timeout, lost connection, missing table, …): '
      + 'nothing is being verified, and gates requiring it stay closed.',
  },
  {
    name: 'ParityCheckNotVerified',
    uid: 'parity-check-not-verified',
    // A check edited or added without a verification since has no last-verified series; the time
    // its definition was declared stands in, so it is not exempt for ever.
    expr: '(time() - max by (check_id, kind) (parity_check_last_verified_timestamp_seconds or parity_check_awaiting_verification_since_timestamp_seconds))'
      + ' > on (check_id, kind) 2 * max by (check_id, kind) (parity_check_expected_interval_seconds)',
    for: '5m',
    severity: 'ticket',
    summary: '{{ $labels.check_id }} not verified for {{ $value | humanizeDuration }}',
    description: 'The newest pass or fail of {{ $labels.check_id }} (of its current definition; if none yet, the time that definition was declared) '
      + 'is older than twice its expected interval (its schedule period, or the strictest max_age of the gates requiring it).',
  },
  {
    name: 'ParityGateDenied',
    uid: 'parity-gate-denied',
    // Denied by any replica, and not merely waiting for a required check's re-run to finish (every
    // replica says so): a scheduled run closes the gate while it runs, which is no flip to page about.
    expr: '((1 - min by (migration, phase) (parity_gate_allowed)) == 1'
      + ' unless on (migration, phase) min by (migration, phase) (parity_gate_awaiting_outcome) == 1)'
      + ' and on (migration, phase) max by (migration, phase) (max_over_time(parity_gate_allowed[1h])) == 1',
    for: '1m',
    severity: 'page',
    summary: 'Gate {{ $labels.migration }}/{{ $labels.phase }} flipped from allowed to denied',
    description: 'Within the last hour the {{ $labels.phase }} gate of {{ $labels.migration }} was allowed; now it is denied. '
      + 'If the phase already started, stop and look at GET /v1/migrations/{{ $labels.migration }}/gates/{{ $labels.phase }}?respond=body.',
  },
  {
    name: 'ParitySchedulerStalled',
    uid: 'parity-scheduler-stalled',
    expr: 'max(parity_scheduled_checks) > 0'
      + ' and on () ((time() - max(parity_scheduler_last_tick_timestamp_seconds)) > 300'
      + ' or on () absent(parity_scheduler_last_tick_timestamp_seconds))',
    for: '5m',
    severity: 'page',
    summary: 'No parity replica has run its scheduler for 5 minutes',
    description: '{{ $value }} checks carry a schedule, but no replica reported a scheduler pass in the last 5 minutes: '
      + 'scheduled verification has stopped.',
  },
  {
    name: 'ParityBackfillStalled',
    uid: 'parity-backfill-stalled',
    // The rate is parity's own, from the null_check's stored results over at least 15 minutes, so a
    // check verified hourly is judged on its previous run, not on a flat scrape between two runs.
    expr: 'max by (check_id, kind) (parity_backfill_remaining_rows) > 0'
      + ' and on (check_id, kind) max by (check_id, kind) (parity_backfill_rows_per_minute) <= 0',
    for: '30m',
    severity: 'ticket',
    summary: 'Backfill behind {{ $labels.check_id }} stalled with {{ $value }} rows left',
    description: 'The null_check {{ $labels.check_id }} still finds {{ $value }} rows to backfill, and the count has not fallen between its '
      + 'results for 30 minutes: the backfill job has stopped, is stuck, or new rows arrive unfilled as fast as it fills them.',
  },
  {
    name: 'ParityNotScraped',
    uid: 'parity-not-scraped',
    // Every replica always exports parity_scheduled_checks (0 with nothing scheduled). When none is
    // scraped — all down, or the scrape broken — every other rule here sees no series and stays
    // silent, a denied gate included: this one says the silence means nothing.
    expr: 'absent(parity_scheduled_checks)',
    for: '5m',
    severity: 'page',
    summary: 'No parity replica has been scraped for 5 minutes',
    description: 'No parity metrics arrive: every replica is down or no longer scraped. Until they return, no other parity alert '
      + '(drift, errors, denied gates, stalled scheduler or backfill) can fire.',
  },
];

/**
 * Where each alert's runbook lives: a section of docs/runbooks.md named after the alert. A path in
 * the repository (and the package), since the docs' public address is the deployer's to choose;
 * test/grafana/runbooks.test.ts checks that every alert has its section.
 */
export const RUNBOOK_DOCUMENT = 'docs/runbooks.md';

/** The runbook_url annotation of an alert (GitHub's heading anchor: the name, lower-cased). */
export function runbookUrl(rule: Pick<AlertRule, 'name'>): string {
  return `${RUNBOOK_DOCUMENT}#${rule.name.toLowerCase()}`;
}
