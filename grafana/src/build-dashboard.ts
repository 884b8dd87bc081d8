/**
 * The parity dashboard, built with @grafana/grafana-foundation-sdk: template variables for the
 * datasource, migrations and checks; an overview row; and a per-check drill-down row that Grafana
 * repeats for every selected check. `npm run grafana:build` writes it to grafana/dashboards/parity.json.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh, VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { checkPanels } from './check-panels.js';
import { DATASOURCE_UID, DATASOURCE_VARIABLE } from './datasource.js';
import { overviewPanels } from './overview-panels.js';
import { progressPanels } from './progress-panels.js';
import { datasource } from './panel-kit.js';

export const DASHBOARD_UID = 'parity-overview';

function labelVariable(name: string, label: string, metric: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(datasource)
    .query({ qryType: 1, query: `label_values(${metric}, ${name})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(`label_values(${metric}, ${name})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/** The dashboard as Grafana's JSON model. */
export function buildDashboard(): Dashboard {
  const builder = new DashboardBuilder('parity: migration verification')
    .uid(DASHBOARD_UID)
    .description('Gate verdicts, failing checks, drift, freshness and scheduler health of parity; drill down per check below.')
    .tags(['parity', 'migrations'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .editable()
    .withVariable(new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
      .label('Prometheus')
      .type('prometheus')
      .current({ selected: true, text: 'Parity Prometheus', value: DATASOURCE_UID }))
    .withVariable(labelVariable('migration', 'Migration', 'parity_gate_allowed'))
    .withVariable(labelVariable('check_id', 'Check', 'parity_check_status'))
    .withRow(new RowBuilder('Overview'));
  for (const panel of overviewPanels()) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Backfill and running checks'));
  for (const panel of progressPanels()) builder.withPanel(panel);
  builder.withRow(new RowBuilder('Check: $check_id').repeat('check_id'));
  for (const panel of checkPanels()) builder.withPanel(panel);
  return builder.build();
}
