/**
 * Careless and hostile inputs to `unused`, on both engines: nothing about a typo, a tiny window, a
 * missing statistics extension or a renamed column may ever turn into a pass.
 */
import { describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, unusedYaml, withDatabaseAndStore } from '../kinds/unused/support.js';

function problemsOf(body: string, window = 'window: 24h'): string[] {
  const yaml = `sources:\n  app: { url: "embedded:x" }\nchecks:\n  - id: u\n    kind: unused\n    source: app\n${window ? `    ${window}\n` : ''}${body.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const parsed = parseCheckFile(yaml, 'checks.yaml', {});
  return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
}

describe('unused check files that could only ever prove too little', () => {
  it.each([
    ['a window under an hour', 'columns: [users.full_name]', 'window: 5m', /checks\.yaml:7:13: checks\[0\]\.window: window must be at least 1h/],
    ['a bare-number window (milliseconds)', 'columns: [users.full_name]', 'window: 86400', /checks\.yaml:7:13: checks\[0\]\.window: window must be at least 1h/],
    ['no window at all', 'columns: [users.full_name]', '', /checks\.yaml:4:5.*window/],
    ['nothing listed', 'columns: []', 'window: 24h', /checks\.yaml:\d+:\d+.*list at least one of columns or tables/],
    ['a column without its table', 'columns: [full_name]', 'window: 24h', /checks\.yaml:8:15.*must be table\.column or schema\.table\.column/],
    ['catalog-only evidence that claims a window it never reads', 'columns: [users.full_name]\nevidence: catalog', 'window: 24h', /checks\.yaml:7:13: checks\[0\]\.window: evidence: catalog reads no statement statistics/],
    ['a misspelt evidence mode (never silently full or catalog)', 'columns: [users.full_name]\nevidence: catalogue', 'window: 24h', /checks\.yaml:9:15.*evidence.*"full".*"catalog"/],
    ['a misspelt ignore key', 'tables: [t]\nignore: { role: [parity] }', 'window: 24h', /checks\.yaml:9:15.*unknown key "role"; allowed keys: roles, applications/],
  ])('rejects %s with file:line:column', (_, body, window, expected) => {
    expect(problemsOf(body, window).join('\n')).toMatch(expected);
  });
});

describe.each(engines)('unused never passes on missing evidence on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text, "Email" text); create table users_legacy (id int)', (opened) => ({ db, store } = opened));

  it.each([
    ['a misspelt column', 'columns: [public.users.fullname]', 'missing_column'],
    ['a quoted name that differs in case', 'columns: [\'public.users."Full_Name"\']', 'missing_column'],
    ['a column that is really "Email", written unquoted', 'columns: [public.users.Email]', 'missing_column'],
    ['a table in the wrong schema', 'tables: [other.users_legacy]', 'missing_relation'],
    ['one good and one misspelt target', 'tables: [users_legacy, users_legcy]', 'missing_relation'],
  ])('cannot verify %s', async (_, body, code) => {
    const result = await runUnused(db, unusedYaml('typo', `${body}\nignore: { roles: [postgres] }`), store);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe(code);
  });

  it('resolves unquoted names like Postgres (folded) and labels them schema-qualified', async () => {
    const result = await runUnused(db, unusedYaml('folded', 'columns: [USERS.FULL_NAME, \'users."Email"\']\nignore: { roles: [postgres] }'), store);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('statement_stats_unavailable');
  });

  it('cannot verify without query statistics, even with no catalog dependency and no state store', async () => {
    for (const snapshots of [store, undefined]) {
      const result = await runUnused(db, unusedYaml('no-stats', 'tables: [users_legacy]\nignore: { roles: [postgres] }'), snapshots);
      expect(result.status).toBe('error');
      expect(result.summary).toMatch(/^could not verify: statement_stats_unavailable: /);
    }
  });

  it('still fails on a hidden reader in the catalog when query statistics are missing', async () => {
    await db.exec('create view report as select u.* from users u');
    try {
      const result = await runUnused(db, unusedYaml('hidden', 'columns: [users.full_name]\nignore: { roles: [postgres] }'), store);
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(/view report depends on public\.users\.full_name/);
      expect(result.observations.unverified).toEqual([expect.stringMatching(/^statement_stats_unavailable: /)]);
    } finally {
      await db.exec('drop view report');
    }
  });
});
