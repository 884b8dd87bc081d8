import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRules } from '../../grafana/src/alert-rules.js';
import { GRAFANA_DIR } from '../../grafana/src/build.js';
import { DATASOURCE_UID } from '../../grafana/src/datasource.js';

const PROVISIONING = path.join(GRAFANA_DIR, 'provisioning');
const load = async (relative: string) => parse(await readFile(path.join(PROVISIONING, relative), 'utf8'));

/** Grafana's $VAR / ${VAR} expansion of provisioning files. */
const expand = (text: string, env: Record<string, string>) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? '');

describe('grafana/provisioning', () => {
  it('has one directory per kind Grafana provisions, each with YAML only', async () => {
    expect((await readdir(PROVISIONING)).sort()).toEqual(['alerting', 'dashboards', 'datasources']);
    for (const dir of ['alerting', 'dashboards', 'datasources']) {
      for (const file of await readdir(path.join(PROVISIONING, dir))) expect(file).toMatch(/\.ya?ml$/);
    }
  });

  it('provisions the Prometheus datasource under the uid the dashboard and the alerts use', async () => {
    const { apiVersion, datasources } = await load('datasources/parity.yml');
    expect(apiVersion).toBe(1);
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: '${PARITY_PROMETHEUS_URL}' });
  });

  it('points the dashboard provider at grafana/dashboards, relative to the provisioning directory', async () => {
    const { providers } = await load('dashboards/parity.yml');
    expect(providers[0]).toMatchObject({ type: 'file', folder: 'parity' });
    const resolved = path.resolve(expand(providers[0].options.path, { GF_PATHS_PROVISIONING: PROVISIONING }));
    expect(resolved).toBe(path.join(GRAFANA_DIR, 'dashboards'));
    expect(await readdir(resolved)).toContain('parity.json');
  });

  it('provisions every alert as a Grafana-managed rule with the same PromQL as the Prometheus rule file', async () => {
    const { apiVersion, groups } = await load('alerting/parity-alerts.yml');
    const prometheus = parse(await readFile(path.join(GRAFANA_DIR, 'alerts', 'parity-rules.yml'), 'utf8'));
    expect(apiVersion).toBe(1);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ orgId: 1, name: 'parity', folder: 'parity', interval: '1m' });
    const rules = groups[0].rules as any[];
    expect(rules.map((r) => r.title)).toEqual(alertRules.map((r) => r.name));
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    const promRules = prometheus.groups[0].rules as any[];
    for (const rule of rules) {
      const promRule = promRules.find((r) => r.alert === rule.title);
      const byRef = Object.fromEntries(rule.data.map((d: any) => [d.refId, d]));
      expect(byRef.A).toMatchObject({ datasourceUid: DATASOURCE_UID, model: { expr: promRule.expr, instant: true } });
      expect(byRef[rule.condition].datasourceUid).toBe('__expr__');
      expect(rule).toMatchObject({ for: promRule.for, noDataState: 'OK', execErrState: 'Error', labels: promRule.labels });
      expect(JSON.stringify(rule)).not.toContain('$value ');
    }
  });
});
