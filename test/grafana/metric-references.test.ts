import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GRAFANA_DIR } from '../../grafana/src/build.js';
import { kindOf } from '../../src/catalog/registry.js';
import { declaredSeries } from '../../src/telemetry/instruments.js';
import { recordRunAborted, recordSchedulerTick, recordSlotClaimed, recordSlotSkipped } from '../../src/telemetry/recorders.js';
import { engines } from '../support/databases.js';
import { toolAvailable } from '../support/tools.js';
import type { Exposition } from '../telemetry/exposition.js';
import { CHECKS_YAML, createWorld, runChecks, startParity, type Parity, type World } from '../telemetry/support.js';
import { metricNames } from './promql-names.js';
import { findPromtool } from './promtool.js';

/** Every PromQL expression the dashboard, its variables and both alert files evaluate, with where it is. */
async function queriedExpressions(): Promise<{ where: string; expr: string }[]> {
  const out: { where: string; expr: string }[] = [];
  const dashboard = JSON.parse(await readFile(path.join(GRAFANA_DIR, 'dashboards', 'parity.json'), 'utf8'));
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) out.push({ where: `dashboard panel "${panel.title}"`, expr: target.expr });
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'query') out.push({ where: `dashboard variable $${variable.name}`, expr: variable.definition });
  }
  const rules = parse(await readFile(path.join(GRAFANA_DIR, 'alerts', 'parity-rules.yml'), 'utf8'));
  for (const rule of rules.groups.flatMap((g: any) => g.rules)) out.push({ where: `Prometheus rule ${rule.alert}`, expr: rule.expr });
  const grafana = parse(await readFile(path.join(GRAFANA_DIR, 'provisioning', 'alerting', 'parity-alerts.yml'), 'utf8'));
  for (const rule of grafana.groups.flatMap((g: any) => g.rules)) {
    for (const query of rule.data) if (query.model.expr) out.push({ where: `Grafana alert ${rule.title}`, expr: query.model.expr });
  }
  return out;
}

const expressions = await queriedExpressions();
const referenced = new Map<string, string[]>();
for (const { where, expr } of expressions) {
  for (const name of metricNames(expr)) referenced.set(name, [...(referenced.get(name) ?? []), where]);
}

/** A shadow_read check over the seeded tables, for when that kind is registered. */
const SHADOW_READ_CHECK = `
  - id: users-shadow-read
    kind: shadow_read
    key: [id]
    sample: { size: 50, seed: 7, from: { source: app, table: public.users_legacy } }
    old: { source: app, query: "select id, full_name as name from users_legacy where id = any($keys.id)" }
    new: { source: app, query: "select id, first_name || ' ' || last_name as name from users where id = any($keys.id)" }
    max_mismatch_rate: 0.5
`;

/** A null_check, so the backfill gauges have results to read. */
const BACKFILL_CHECK = `
  - id: users-first-name-filled
    kind: null_check
    source: app
    table: public.users
    columns: [first_name]
    where: "last_name is not null"
    min_rows: 0
`;

/**
 * An unused check: its window coverage needs pg_stat_statements, which the test servers lack. Its
 * schedule gives it an expected interval, and never verified it has the time its definition was
 * declared instead of a last verification.
 */
const UNUSED_CHECK = `
  - id: legacy-unused
    kind: unused
    source: app
    tables: [public.users_legacy]
    window: 24h
    schedule: "0 3 * * *"
`;

/** An incremental check, so the coverage gauges have a chain to read (the table is created with its trigger below). */
const INCREMENTAL_CHECK = `
  - id: touched-parity
    kind: column_parity
    source: app
    table: public.touched
    key: [id]
    old: a
    new: b
    incremental: { column: updated_at, overlap: 1s, full_every: 7d }
`;
const TOUCHED_SQL = `
  create table touched (id int primary key, a text, b text, updated_at timestamptz not null default now());
  create function touched_touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
  create trigger touched_touch before insert or update on touched for each row execute function touched_touch();
  insert into touched select g, 'v' || g, 'v' || g from generate_series(1, 20) g;
`;

describe('metric names used by dashboards and alerts', () => {
  it('reads some metric from every expression', () => {
    expect(expressions.length).toBeGreaterThan(40);
    for (const { where, expr } of expressions) expect(metricNames(expr), `${where}: ${expr}`).not.toEqual([]);
  });

  it('are all declared in src/telemetry/instruments.ts (as the exporter names them)', () => {
    const declared = declaredSeries();
    const undeclared = [...referenced].filter(([name]) => !declared.has(name) && name !== 'target_info');
    expect(undeclared.map(([name, where]) => `${name} (${where[0]})`)).toEqual([]);
  });
});

describe.each(engines)('metric names used by dashboards and alerts, emitted on %s', (engine) => {
  let world: World;
  let parity: Parity;
  let scrape: Exposition;
  beforeAll(async () => {
    const shadowRead = kindOf('shadow_read') !== undefined;
    const extra = `${shadowRead ? SHADOW_READ_CHECK.trimStart().replace(/^/, '  ') : ''}${BACKFILL_CHECK.trimStart().replace(/^/, '  ')}${UNUSED_CHECK.trimStart().replace(/^/, '  ')}${INCREMENTAL_CHECK.trimStart().replace(/^/, '  ')}`;
    world = await createWorld(engine, { checks: CHECKS_YAML.replace('migrations:', `${extra}migrations:`) });
    await world.db.exec(TOUCHED_SQL);
    parity = await startParity(world);
    await runChecks(parity);
    // A second result of the null_check: the backfill rate needs two.
    await runChecks(parity, ['users-first-name-filled']);
    // A long check's live progress enters through the RunObserver hook the runner calls.
    const at = new Date();
    parity.telemetry.observer.progress?.({
      runId: 'r', checkId: 'users-row-count', rowsScanned: 500, rowsEstimated: 2_000, at, startedAt: new Date(at.getTime() - 5_000), rowsPerSecond: 100, etaSeconds: 15,
    });
    if (!shadowRead) {
      // Until the shadow_read kind is registered, its documented observation enters through the
      // same RunObserver hook the runner calls, with the observation the kind reports.
      const check = parity.service.catalog().checks.get('users-ghost')!;
      parity.telemetry.observer.checkFinished?.({
        runId: 'r', resultId: 'shadow', check,
        result: { status: 'pass', summary: 's', observations: { mismatch_rate_upper_bound: 0.004 }, statements: [], finishedAt: new Date(), durationMs: 5, samples: [] },
      });
    }
    // Without pg_stat_statements the unused check could not verify; a server that has it reports
    // the share of the window observed, entering through the same hook with the kind's observation.
    parity.telemetry.observer.checkFinished?.({
      runId: 'r', resultId: 'unused', check: parity.service.catalog().checks.get('legacy-unused')!,
      result: { status: 'error', summary: 'observing: 3h of 24h covered', observations: { coverage_ratio: 0.125 }, statements: [], finishedAt: new Date(), durationMs: 5, samples: [] },
    });
    await parity.service.gates.decide('users-split-name', 'backfill');
    // What the scheduler reports (it calls these record functions).
    recordSlotClaimed({ checkId: 'users-row-count' });
    recordSlotSkipped({ checkId: 'users-row-count', reason: 'claimed_elsewhere' });
    recordRunAborted();
    recordSchedulerTick(new Date());
    scrape = await parity.scrape();
  });
  afterAll(async () => {
    await parity?.stop();
    await world?.close();
  });

  it('appear in a real scrape after real check runs, spelled exactly as queried', () => {
    const emitted = scrape.names();
    const missing = [...referenced.keys()].filter((name) => !emitted.has(name));
    expect(missing, `emitted:\n${[...emitted].sort().join('\n')}`).toEqual([]);
  });

  const promtool = findPromtool();
  if (toolAvailable('promtool', promtool !== undefined, 'run scripts/install-promtool.sh (.ci/run always does)')) it('are exposed in a format promtool accepts', async () => {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(promtool!, ['check', 'metrics'], (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }));
      child.stdin!.end(scrape.text);
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
