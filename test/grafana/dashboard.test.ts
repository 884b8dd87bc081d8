import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAFANA_DIR, generatedFiles } from '../../grafana/src/build.js';
import { DATASOURCE_VARIABLE } from '../../grafana/src/datasource.js';

const dashboard = JSON.parse(await readFile(path.join(GRAFANA_DIR, 'dashboards', 'parity.json'), 'utf8'));
const panels: any[] = dashboard.panels;
const rows = panels.filter((p) => p.type === 'row');
const charts = panels.filter((p) => p.type !== 'row');

describe('grafana/dashboards/parity.json', () => {
  it('is exactly what grafana/src generates (run npm run grafana:build after editing the TypeScript)', async () => {
    for (const [relative, content] of generatedFiles()) {
      expect(await readFile(path.join(GRAFANA_DIR, relative), 'utf8'), relative).toBe(content);
    }
  });

  it('has an overview row, a backfill row and a drill-down row repeated for each selected check', () => {
    expect(dashboard.uid).toBe('parity-overview');
    expect(rows.map((r) => r.title)).toEqual(['Overview', 'Backfill and running checks', 'Check: $check_id']);
    expect(rows[2].repeat).toBe('check_id');
    const drill = charts.filter((p) => p.gridPos.y > rows[2].gridPos.y);
    expect(drill.length).toBeGreaterThanOrEqual(8);
    for (const panel of drill) {
      for (const target of panel.targets) expect(target.expr, panel.title).toContain('check_id="$check_id"');
    }
  });

  it('offers the datasource, migration and check template variables', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v: any) => [v.name, v]));
    expect(variables[DATASOURCE_VARIABLE]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.migration).toMatchObject({ type: 'query', multi: true, includeAll: true, definition: 'label_values(parity_gate_allowed, migration)' });
    expect(variables.check_id).toMatchObject({ type: 'query', multi: true, includeAll: true, definition: 'label_values(parity_check_status, check_id)' });
  });

  it('covers what the overview promises: gates, failing checks, mismatch trends, freshness, durations, scheduler, API', () => {
    const titles = charts.map((p) => p.title).join('\n');
    for (const title of ['Gate verdicts', 'Gate history', 'Failing checks', 'Checks not passing', 'Mismatches (latest result)',
      'Last verified age vs expected interval', 'Check duration p95', 'Scheduler: slots claimed, skipped, runs aborted',
      'Since last scheduler pass', 'API requests by route and status',
      'Backfill done', 'Backfill: rows still to fill', 'Backfill: rows filled per minute', 'Backfill: time left',
      'Running checks: rows, estimate, rate, time left', 'Contract readiness: unused window covered',
      'Incremental coverage: full pass, passes since, unbroken']) {
      expect(titles).toContain(title);
    }
  });

  it('queries through the datasource variable, with a PromQL expression and a refId per target', () => {
    for (const panel of charts) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets.map((t: any) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets) {
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` });
        expect(target.expr, panel.title).toMatch(/\S/);
      }
    }
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const panel of panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${panel.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
    }
  });
});
