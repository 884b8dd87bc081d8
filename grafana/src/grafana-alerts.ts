/**
 * Renders the alerts as Grafana-managed rules in the file-provisioning format
 * (provisioning/alerting/*.yml): query A is the PromQL expression, B reduces each series to its
 * last value, C fires when it is above 0 — the same meaning as the Prometheus rule.
 */
import { QueryBuilder, RuleBuilder } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { runbookUrl, type AlertRule } from './alert-rules.js';
import { DATASOURCE_UID } from './datasource.js';

/** The folder (title) Grafana files the rules under; created on first provisioning. */
export const ALERT_FOLDER = 'parity';

/** Prometheus' `$value` is one number; Grafana exposes each query's value, and B is the reduced one. */
function grafanaTemplate(text: string): string {
  return text.replaceAll('$value', '$values.B.Value');
}

function grafanaRule(rule: AlertRule): Record<string, unknown> {
  const built = new RuleBuilder(rule.name)
    .uid(rule.uid)
    .condition('C')
    .withQuery(new QueryBuilder('A').datasourceUid(DATASOURCE_UID).relativeTimeRange({ from: 3600, to: 0 })
      .model(new DataqueryBuilder().refId('A').expr(rule.expr).instant()))
    .withQuery(new QueryBuilder('B').datasourceUid('__expr__')
      .model(new TypeReduceBuilder().refId('B').expression('A').reducer('last')))
    .withQuery(new QueryBuilder('C').datasourceUid('__expr__')
      .model(new TypeThresholdBuilder().refId('C').expression('B').conditions([{ evaluator: { type: 'gt', params: [0] } }])))
    .forDuration(rule.for)
    // No series means nothing is wrong: every expression only returns series that should fire.
    .noDataState('OK')
    .execErrState('Error')
    .labels({ severity: rule.severity, service: 'parity' })
    .annotations({ summary: grafanaTemplate(rule.summary), description: grafanaTemplate(rule.description), runbook_url: runbookUrl(rule) })
    .build();
  // The provisioning file names the folder and org on the group, not on each rule.
  const { folderUID: _folder, orgID: _org, ruleGroup: _group, ...fileRule } = built;
  // A JSON round trip drops the SDK's marker methods on query models.
  return JSON.parse(JSON.stringify(fileRule)) as Record<string, unknown>;
}

/** The alerting provisioning document. */
export function grafanaAlertProvisioning(rules: readonly AlertRule[]): Record<string, unknown> {
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: 'parity', folder: ALERT_FOLDER, interval: '1m', rules: rules.map(grafanaRule) }],
  };
}
