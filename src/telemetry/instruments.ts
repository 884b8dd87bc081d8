/**
 * Every metric parity exports, declared once as data: name, type, unit, description and the only
 * attribute keys it may carry. Dashboards and alert rules may only query names declared here (a
 * test enforces it), and attributes stay low-cardinality: ids, kinds, statuses — never SQL, keys,
 * error text or run ids.
 */

export type InstrumentType = 'counter' | 'observable_counter' | 'histogram' | 'gauge' | 'observable_gauge' | 'updown_counter';

export interface InstrumentSpec {
  /** Name as created; the Prometheus exporter only swaps "." for "_" and adds `_total` to counters. */
  readonly name: string;
  readonly type: InstrumentType;
  /** UCUM unit ("s", "1", "{row}"); seconds-valued names also say so in their name for PromQL readers. */
  readonly unit: string;
  readonly description: string;
  readonly attributes: readonly string[];
  /** Explicit histogram bucket boundaries. */
  readonly buckets?: readonly number[];
  /** Who creates the instrument: parity, or a library whose output parity re-exports. */
  readonly createdBy: 'parity' | '@hono/otel';
}

const CHECK = ['check_id', 'kind'] as const;

/** The declarations. Keys are how code refers to an instrument. */
export const instruments = {
  checkRuns: {
    name: 'parity_check_runs', type: 'counter', unit: '{run}', createdBy: 'parity',
    description: 'Check executions finished by this replica, by outcome',
    attributes: [...CHECK, 'status', 'trigger'],
  },
  checkDuration: {
    name: 'parity_check_duration_seconds', type: 'histogram', unit: 's', createdBy: 'parity',
    description: 'Wall-clock duration of one check execution',
    attributes: [...CHECK, 'status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  },
  rowsScanned: {
    name: 'parity_check_rows_scanned', type: 'counter', unit: '{row}', createdBy: 'parity',
    description: 'Rows read by check executions of this replica',
    attributes: [...CHECK],
  },
  checkStatus: {
    name: 'parity_check_status', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Status of the latest finished result: 1 on the series whose status label matches, 0 on the others',
    attributes: [...CHECK, 'status'],
  },
  mismatches: {
    name: 'parity_check_mismatches', type: 'observable_gauge', unit: '{row}', createdBy: 'parity',
    description: 'Mismatches reported by the latest finished result (observation "mismatches")',
    attributes: [...CHECK],
  },
  countsLowerBound: {
    name: 'parity_check_counts_lower_bound', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Whether parity_check_mismatches and parity_check_differences of the latest finished result are lower bounds: 1 when its scan stopped early (stop_after), so the true counts are at least these; 0 when exact',
    attributes: [...CHECK],
  },
  mismatchRatio: {
    name: 'parity_check_mismatch_ratio', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Mismatch ratio of the latest finished result (observation "mismatch_ratio")',
    attributes: [...CHECK],
  },
  differences: {
    name: 'parity_check_differences', type: 'observable_gauge', unit: '{row}', createdBy: 'parity',
    description: 'Differences by type in the latest result (observations missing_in_new, missing_in_old, changed)',
    attributes: [...CHECK, 'type'],
  },
  shadowReadUpperBound: {
    name: 'parity_shadow_read_mismatch_rate_upper_bound', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Upper confidence bound of the shadow-read mismatch rate (observation "mismatch_rate_upper_bound")',
    attributes: [...CHECK],
  },
  windowCoverage: {
    name: 'parity_unused_window_coverage_ratio', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Share of its window an unused check\'s evidence covers in the latest result, 0 to 1 (observation "coverage_ratio"; "observing" until 1)',
    attributes: [...CHECK],
  },
  lastSuccess: {
    name: 'parity_check_last_success_timestamp_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Unix time at which the newest passing result finished',
    attributes: [...CHECK],
  },
  lastVerified: {
    name: 'parity_check_last_verified_timestamp_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Unix time at which the newest pass or fail (a completed verification, not an error) finished',
    attributes: [...CHECK],
  },
  awaitingVerification: {
    name: 'parity_check_awaiting_verification_since_timestamp_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'For a check whose current definition has no pass or fail yet: Unix time at which any replica first declared that definition (kept in the state store; until the store answers, this replica\'s own first sight of it) (ParityCheckNotVerified reads it where parity_check_last_verified_timestamp_seconds is absent)',
    attributes: [...CHECK],
  },
  consecutiveErrors: {
    name: 'parity_check_consecutive_errors', type: 'observable_gauge', unit: '{result}', createdBy: 'parity',
    description: 'Newest results in a row whose status is error (could not verify)',
    attributes: [...CHECK],
  },
  expectedInterval: {
    name: 'parity_check_expected_interval_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'How often the check should be verified: its schedule period, else the strictest max_age of the gates requiring it',
    attributes: [...CHECK],
  },
  progressRows: {
    name: 'parity_check_progress_rows', type: 'observable_gauge', unit: '{row}', createdBy: 'parity',
    description: 'Rows done by the check\'s current (else latest) long run on this replica: chunked scans, table_diff passes, shadow_read batches',
    attributes: [...CHECK],
  },
  progressRowsEstimated: {
    name: 'parity_check_progress_rows_estimated', type: 'observable_gauge', unit: '{row}', createdBy: 'parity',
    description: 'The planner\'s estimate of the rows that run reads (pg_class.reltuples), or its sample size; NaN when unknown',
    attributes: [...CHECK],
  },
  progressRate: {
    name: 'parity_check_progress_rows_per_second', type: 'observable_gauge', unit: '{row}/s', createdBy: 'parity',
    description: 'Rows per second that run has read since it began reading; NaN before the first rows',
    attributes: [...CHECK],
  },
  progressEta: {
    name: 'parity_check_progress_eta_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Seconds that run has left at its rate so far, against the estimate; 0 once finished; NaN when unknown',
    attributes: [...CHECK],
  },
  backfillRemaining: {
    name: 'parity_backfill_remaining_rows', type: 'observable_gauge', unit: '{row}', createdBy: 'parity',
    description: 'Rows a null_check still finds unfilled in its latest pass or fail (observation "rows_with_nulls"): the backfill left to do',
    attributes: [...CHECK],
  },
  backfillProgress: {
    name: 'parity_backfill_progress_ratio', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Share of a null_check\'s scope already filled, 0 to 1',
    attributes: [...CHECK],
  },
  backfillRate: {
    name: 'parity_backfill_rows_per_minute', type: 'observable_gauge', unit: '{row}/min', createdBy: 'parity',
    description: 'Rows filled per minute, from the null_check\'s stored results over at least 15 minutes (negative when the remaining count grew; NaN with one result)',
    attributes: [...CHECK],
  },
  backfillEta: {
    name: 'parity_backfill_eta_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Seconds until the backfill is done at that rate; 0 when done; +Inf while the remaining count is not falling; NaN with one result',
    attributes: [...CHECK],
  },
  coverageFullPass: {
    name: 'parity_check_coverage_full_pass_timestamp_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Incremental checks: Unix time of the full pass the latest result\'s chain starts from (observation "coverage.full_pass_at")',
    attributes: [...CHECK],
  },
  coverageIncrementalPasses: {
    name: 'parity_check_coverage_incremental_passes', type: 'observable_gauge', unit: '{pass}', createdBy: 'parity',
    description: 'Incremental checks: incremental passes on that full pass in the latest result\'s chain (observation "coverage.incremental_passes")',
    attributes: [...CHECK],
  },
  coverageUnbroken: {
    name: 'parity_check_coverage_unbroken', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Incremental checks: 1 while the chain since the full pass is unbroken (every link passed), else 0; a result that could not verify breaks it',
    attributes: [...CHECK],
  },
  scheduledChecks: {
    name: 'parity_scheduled_checks', type: 'observable_gauge', unit: '{check}', createdBy: 'parity',
    description: 'Checks in the catalog that carry a schedule',
    attributes: [],
  },
  gateAllowed: {
    name: 'parity_gate_allowed', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Gate verdict as a gate answer gives it now: 1 allowed, 0 denied or could not be evaluated',
    attributes: ['migration', 'phase'],
  },
  gateAwaiting: {
    name: 'parity_gate_awaiting_outcome', type: 'observable_gauge', unit: '1', createdBy: 'parity',
    description: 'Gate denied only because required checks are running and their outcome is not known yet: 1, else 0',
    attributes: ['migration', 'phase'],
  },
  gateDecisions: {
    name: 'parity_gate_decisions', type: 'counter', unit: '{decision}', createdBy: 'parity',
    description: 'Gate questions answered by this replica, by answer',
    attributes: ['migration', 'phase', 'decision'],
  },
  slotsClaimed: {
    name: 'parity_scheduler_slots_claimed', type: 'counter', unit: '{slot}', createdBy: 'parity',
    description: 'Schedule slots this replica claimed and ran',
    attributes: ['check_id'],
  },
  slotsSkipped: {
    name: 'parity_scheduler_slots_skipped', type: 'counter', unit: '{slot}', createdBy: 'parity',
    description: 'Schedule slots this replica did not run, by reason',
    attributes: ['check_id', 'reason'],
  },
  runsAborted: {
    name: 'parity_scheduler_runs_aborted', type: 'counter', unit: '{run}', createdBy: 'parity',
    description: 'Runs marked aborted because their owner stopped heart-beating',
    attributes: [],
  },
  schedulerTick: {
    name: 'parity_scheduler_last_tick_timestamp_seconds', type: 'gauge', unit: 's', createdBy: 'parity',
    description: 'Unix time of this replica\'s latest scheduler pass',
    attributes: [],
  },
  catalogValid: {
    name: 'parity_catalog_valid', type: 'gauge', unit: '1', createdBy: 'parity',
    description: '1 when the check files on disk loaded at the last look, 0 while they do not (the last good catalog is in use and gates answer 503)',
    attributes: [],
  },
  catalogReloadFailures: {
    name: 'parity_catalog_reload_failures', type: 'counter', unit: '{reload}', createdBy: 'parity',
    description: 'Reloads of the check files that did not load, by this replica',
    attributes: [],
  },
  processCpu: {
    name: 'parity_process_cpu_seconds', type: 'observable_counter', unit: 's', createdBy: 'parity',
    description: 'CPU time this process used (user and system), from process.cpuUsage()',
    attributes: [],
  },
  processMemory: {
    name: 'parity_process_resident_memory_bytes', type: 'observable_gauge', unit: 'By', createdBy: 'parity',
    description: 'Resident set size of this process',
    attributes: [],
  },
  processHeap: {
    name: 'parity_nodejs_heap_used_bytes', type: 'observable_gauge', unit: 'By', createdBy: 'parity',
    description: 'V8 heap in use by this process',
    attributes: [],
  },
  eventLoopDelay: {
    name: 'parity_nodejs_eventloop_delay_p99_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: '99th percentile of the event loop delay since the previous export (a busy or blocked loop delays every request)',
    attributes: [],
  },
  processStart: {
    name: 'parity_process_start_time_seconds', type: 'observable_gauge', unit: 's', createdBy: 'parity',
    description: 'Unix time at which this process started (restarts show as jumps)',
    attributes: [],
  },
  httpDuration: {
    name: 'http.server.request.duration', type: 'histogram', unit: 's', createdBy: '@hono/otel',
    description: 'Duration of HTTP requests in seconds',
    attributes: ['http_request_method', 'http_route', 'http_response_status_code', 'service_name', 'service_version'],
  },
  httpActive: {
    name: 'http.server.active_requests', type: 'updown_counter', unit: '{request}', createdBy: '@hono/otel',
    description: 'Number of active (in-flight) HTTP server requests',
    attributes: ['http_request_method', 'service_name', 'service_version'],
  },
} as const satisfies Record<string, InstrumentSpec>;

export type InstrumentKey = keyof typeof instruments;

/** The values the `type` attribute of parity_check_differences takes (observation names). */
export const DIFFERENCE_TYPES = ['missing_in_new', 'missing_in_old', 'changed'] as const;

/** Statuses the state-set gauge parity_check_status reports. */
export const RESULT_STATUSES = ['pass', 'fail', 'error'] as const;

/** The metric family name the Prometheus exporter writes for an instrument. */
export function prometheusName(spec: InstrumentSpec): string {
  const base = spec.name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
  return (spec.type === 'counter' || spec.type === 'observable_counter') && !base.endsWith('_total') ? `${base}_total` : base;
}

/** Every series name the exporter writes for an instrument (histograms expand to three). */
export function prometheusSeriesNames(spec: InstrumentSpec): string[] {
  const name = prometheusName(spec);
  return spec.type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** Series name → its instrument, for every declared instrument. */
export function declaredSeries(): Map<string, InstrumentSpec> {
  const out = new Map<string, InstrumentSpec>();
  for (const spec of Object.values(instruments) as InstrumentSpec[]) {
    for (const series of prometheusSeriesNames(spec)) out.set(series, spec);
  }
  return out;
}
