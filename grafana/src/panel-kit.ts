/** Small builders shared by the dashboard's panels: a Prometheus query, thresholds and value mappings. */
import { MappingType, ThresholdsConfigBuilder, ThresholdsMode, type Threshold, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { DATASOURCE_VARIABLE } from './datasource.js';

/** Every panel reads the datasource chosen in the dashboard's variable. */
export const datasource = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

/** A range query with a legend. */
export function query(expr: string, legend: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder().datasource(datasource).expr(expr).legendFormat(legend).refId(refId).range();
}

/** An instant query, one series per label set (stat panels show the value now). */
export function instant(expr: string, legend: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder().datasource(datasource).expr(expr).legendFormat(legend).refId(refId).instant();
}

/** An instant query as a table: one row per label set, a column per label. */
export function tableQuery(expr: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder().datasource(datasource).expr(expr).refId(refId).instant().format(PromQueryFormat.Table);
}

/** Green below `red` (or below `amber` then amber), red from `red` up. */
export function thresholds(red: number, amber?: number): ThresholdsConfigBuilder {
  const steps: Threshold[] = [{ value: null, color: 'green' }];
  if (amber !== undefined) steps.push({ value: amber, color: 'orange' });
  steps.push({ value: red, color: 'red' });
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

/** 1 → allowed (green), 0 → denied (red). */
export const gateMappings: ValueMapping[] = [{
  type: MappingType.ValueToText,
  options: { 0: { text: 'denied', color: 'red', index: 0 }, 1: { text: 'allowed', color: 'green', index: 1 } },
}];

/** Colours for series named by status (legend {{status}}): pass green, fail red, error orange. */
export const statusColors: [string, string][] = [['pass', 'green'], ['fail', 'red'], ['error', 'orange']];

/** A fixed-colour field override. */
export function fixedColor(color: string) {
  return [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }];
}
