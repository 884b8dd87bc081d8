/**
 * `parity run` with no state store configured keeps its record in memory: nothing is written under
 * ./.parity, the output and exit codes are those of a run on a store, and configuring a store
 * (--data-dir, PARITY_DATA_DIR, DATABASE_URL) still keeps the results for gates and history.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { cleanEnv, removeTempDirs, tempDir, SPAWN_TIMEOUT_MS } from '../support/spawn-parity.js';

const checks = (url: string) => `sources:
  app: { url: "${url}" }
checks:
  - id: users-count
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
  - id: users-names
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
  - id: ghost
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.no_such_table }
migrations:
  - id: users-split-name
    phases:
      - { name: switch-reads, requires: [users-names] }
`;

/** A value with ids, times, durations and the owning process blanked: what differs between two runs of the same checks. */
function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key,
    // A result's last progress report: its rows are findings, its timings are not.
    key === 'progress' && v !== null && typeof v === 'object' ? { rows_scanned: (v as { rows_scanned?: unknown }).rows_scanned }
      : /^(id|run_id|owner)$|_at$|duration_ms$/.test(key) ? typeof v : withoutVolatile(v)]));
}

interface JsonRun { id: string; status: string; results: { check_id: string; status: string; samples: { key: Record<string, unknown> }[]; statements?: { sql: string }[] }[] }

describeOnPostgres('parity run without a state store', () => {
  let verified: TestDatabase;
  let cwd: string;
  const dotParity = () => path.join(cwd, '.parity');

  beforeAll(async () => {
    verified = await createTestDatabase('postgres');
    await verified.exec(`
      create table users_legacy (id int primary key, full_name text);
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users_legacy select g, 'Name' || g || ' Surname' from generate_series(1, 100) g;
      insert into users select g, 'Name' || g || ' Surname', 'Name' || g, case when g = 7 then 'Surnam' else 'Surname' end from generate_series(1, 100) g;
    `);
    cwd = await tempDir('parity-oneshot-');
    await mkdir(path.join(cwd, 'checks'));
    await writeFile(path.join(cwd, 'checks', 'app.yaml'), checks(verified.url));
  });
  afterAll(async () => {
    await verified.close();
    await removeTempDirs();
  });

  it('passes, fails and cannot verify with the usual exit codes and output, and creates no ./.parity', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const pass = await runMain(['run', 'users-count'], { cwd });
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/^users-count\s+row_count\s+PASS\s+0\s+200\s/m);
    const fail = await runMain(['run', 'users-names'], { cwd });
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('mismatch       id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
    const error = await runMain(['run', 'ghost'], { cwd });
    expect(error.code).toBe(2);
    expect(error.stdout).toMatch(/could not verify:\n {2}ghost: missing_relation \(SQLSTATE 42P01\)/);
    const json = await runMain(['run', '--json'], { cwd });
    expect(json.code).toBe(1);
    const run = JSON.parse(json.stdout) as JsonRun;
    expect(run.status).toBe('finished');
    expect(Object.fromEntries(run.results.map((r) => [r.check_id, r.status]))).toEqual({ 'users-count': 'pass', 'users-names': 'fail', ghost: 'error' });
    expect(run.results.find((r) => r.check_id === 'users-names')!.samples).toMatchObject([{ key: { id: '7' } }]);
    expect(existsSync(dotParity())).toBe(false);
  });

  it('refuses --recheck failing with a clear message: there is no last failing result to read', async () => {
    const result = await runMain(['run', 'users-names', '--recheck', 'failing'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--recheck failing reads the last failing results from a state store, and none is configured: set --data-dir (PARITY_DATA_DIR) or DATABASE_URL');
    expect(result.stdout).toBe('');
    expect(existsSync(dotParity())).toBe(false);
  });

  it('keeps results on a configured Postgres state store (DATABASE_URL), printed exactly as the one-shot run prints them', async () => {
    const state = await createTestStore('postgres');
    try {
      const result = await runMain(['run', 'users-count', 'users-names', '--json'], { cwd, env: cleanEnv({ DATABASE_URL: state.url! }) });
      expect(result.code).toBe(1);
      const run = JSON.parse(result.stdout) as JsonRun;
      const stored = await state.store.getRun(run.id);
      expect(stored?.results.map((r) => [r.checkId, r.status]).sort()).toEqual([['users-count', 'pass'], ['users-names', 'fail']]);
      expect(existsSync(dotParity())).toBe(false);
      // Same document, key order included (jsonb's), once ids, times and durations are set aside.
      const oneShot = await runMain(['run', 'users-count', 'users-names', '--json'], { cwd });
      // Two runs, not one read back: statements a check sends at once (both sides' catalog lookups)
      // are recorded in whichever order they started, so they are compared as a set.
      const bySql = (statements: { sql: string }[] = []) => [...statements].sort((a, b) => a.sql.localeCompare(b.sql));
      const byCheck = (r: JsonRun) => ({ ...r, results: [...r.results].sort((a, b) => a.check_id.localeCompare(b.check_id)).map((result) => ({ ...result, statements: bySql(result.statements) })) });
      expect(JSON.stringify(withoutVolatile(byCheck(JSON.parse(oneShot.stdout) as JsonRun)))).toBe(JSON.stringify(withoutVolatile(byCheck(run))));
    } finally {
      await state.close();
    }
  });

  it('gates on the embedded store as before: a one-shot result is no evidence, a kept one is, and --refresh works', { timeout: SPAWN_TIMEOUT_MS + 20_000 }, async () => {
    const env = cleanEnv({ PARITY_LOG_LEVEL: 'silent' });
    expect((await runMain(['run', 'users-names'], { cwd, env })).code).toBe(1);
    const unseen = await runMain(['gate', 'users-split-name', 'switch-reads'], { cwd, env });
    expect(unseen.code).toBe(1);
    expect(unseen.stdout).toMatch(/✗ users-names\s+missing\s+never finished/);

    expect((await runMain(['run', 'users-names', '--data-dir', '.parity'], { cwd, env })).code).toBe(1);
    const kept = await runMain(['gate', 'users-split-name', 'switch-reads'], { cwd, env });
    expect(kept.code).toBe(1);
    expect(kept.stdout).toMatch(/✗ users-names\s+fail\s+finished/);

    const refreshed = await runMain(['gate', 'users-split-name', 'switch-reads', '--refresh'], { cwd, env });
    expect(refreshed.code).toBe(1);
    expect(refreshed.stdout).toContain('DENIED (checks re-run)');
  });
});
