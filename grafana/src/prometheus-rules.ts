/** Renders the alerts as a Prometheus rule file (the format `promtool check rules` and Prometheus load). */
import { runbookUrl, type AlertRule } from './alert-rules.js';

export interface PrometheusRuleFile {
  groups: { name: string; interval?: string; rules: Record<string, unknown>[] }[];
}

/** One group, evaluated every minute; labels carry severity and a stable service label. */
export function prometheusRuleFile(rules: readonly AlertRule[]): PrometheusRuleFile {
  return {
    groups: [{
      name: 'parity',
      interval: '1m',
      rules: rules.map((rule) => ({
        alert: rule.name,
        expr: rule.expr,
        for: rule.for,
        labels: { severity: rule.severity, service: 'parity' },
        annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(rule) },
      })),
    }],
  };
}
