/**
 * Scenario files for the contract window: the two mutations only `unused` catches are refused at
 * load where nothing could ever catch them, and a hidden reader takes a statement, not a victim.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError } from '../../src/replay/scenario/load.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { scenarioVariant } from './support.js';

async function problemsOf(dir: string): Promise<string> {
  try {
    await loadScenario(dir);
    return '';
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
}

describe('contract-window scenarios', () => {
  beforeAll(() => loadSqlParser());

  it('loads the repository scenario with its stop_old_writes step and unused check', async () => {
    const scenario = await loadScenario(await scenarioVariant('01-split-full-name'));
    expect(scenario.steps.stop_old_writes?.file).toBe('06-stop-old-writes.sql');
    expect(scenario.mutations.filter((m) => m.definition.window === 'contract_window').map((m) => m.class)).toEqual(['writer_after_stop', 'hidden_reader', 'hidden_reader']);
  });

  it('refuses writer_after_stop and hidden_reader without a stop_old_writes step', async () => {
    const dir = await scenarioVariant('01-split-full-name', { 'scenario.yaml': (y) => y.replace('  stop_old_writes: 06-stop-old-writes.sql\n', '') });
    expect(await problemsOf(dir)).toMatch(/scenario\.yaml:1:1: mutations: writer_after_stop, hidden_reader, hidden_reader strike after old writes stop: declare steps\.stop_old_writes/);
  });

  it('refuses them when the check file has no unused check to catch them', async () => {
    const dir = await scenarioVariant('01-split-full-name', { 'checks.yaml': (y) => y.replace(/ {2}# Contract readiness[\s\S]*$/, '') });
    expect(await problemsOf(dir)).toMatch(/can only be caught by an unused check; checks\.yaml has none/);
  });

  it('gives a hidden reader a statement only, never a victim row', () => {
    const base = 'tables: { users: { columns: { full_name: { type: person_name } } } }\nsteps: { old_schema: a.sql, expand: b.sql, dual_write: c.sql, backfill: { batch: d.sql, reset: "select 1" }, read_switch: e.sql, contract: f.sql }\n';
    const withTable = parseScenario(`${base}mutations:\n  - class: hidden_reader\n    table: users\n    sql: "select full_name from users"\n`, 'scenario.yaml');
    expect(Array.isArray(withTable) && withTable.map((p) => p.message).join('\n')).toMatch(/hidden_reader takes no table/);
    const withoutSql = parseScenario(`${base}mutations:\n  - class: hidden_reader\n`, 'scenario.yaml');
    expect(Array.isArray(withoutSql) && withoutSql.map((p) => p.message).join('\n')).toMatch(/hidden_reader needs sql:/);
  });
});
