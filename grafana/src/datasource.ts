/** The Prometheus datasource grafana/provisioning/datasources/parity.yml provisions; dashboards and alerts refer to it by uid. */
export const DATASOURCE_UID = 'parity-prometheus';

/** The dashboard's datasource variable, so a user can point the dashboard at another Prometheus. */
export const DATASOURCE_VARIABLE = 'datasource';
