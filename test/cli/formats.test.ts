/**
 * `parity run` and `parity gate` with --format json|junit|markdown against a real embedded
 * database and state store, in-process through main(): the reports CI consumes, and exit codes
 * that stay fail-closed whatever the format.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { RunDetailSchema } from '../../src/http/schemas.js';
import { checkJunit } from '../support/junit-schema.js';
import { runMain } from '../support/run-main.js';
import { removeTempDirs, SPAWN_TIMEOUT_MS, tempDir } from '../support/spawn-parity.js';

const CHECKS = `sources:
  app: { url: "embedded:verified", max_connections: 1 }
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
      - { name: switch-reads, requires: [users-count, users-names] }
      - { name: contract, requires: [ghost], require_earlier_phases: false }
`;

describe('--format on run and gate', { timeout: SPAWN_TIMEOUT_MS }, () => {
  let cwd: string;
  const exec = async (sql: string) => {
    const { db, release } = await openEmbedded(path.join(cwd, '.parity'), 'verified');
    try { await db.exec(sql); } finally { await release(); }
  };
  beforeAll(async () => {
    cwd = await tempDir('parity-formats-');
    await mkdir(path.join(cwd, 'checks'));
    await writeFile(path.join(cwd, 'checks', 'app.yaml'), CHECKS);
    await exec(`
      create table users_legacy (id int primary key, full_name text);
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users_legacy select g, 'Name' || g || ' Surname' from generate_series(1, 100) g;
      insert into users select g, 'Name' || g || ' Surname', 'Name' || g, case when g = 7 then 'Surnam' else 'Surname' end from generate_series(1, 100) g;
    `);
  });
  afterAll(removeTempDirs);

  it('run --format junit: a failure and an error, valid JUnit, exit 1', async () => {
    const result = await runMain(['run', 'users-names', 'ghost', 'users-count', '--format', 'junit'], { cwd });
    expect(result.code).toBe(1);
    const { problems, suites } = checkJunit(result.stdout);
    expect(problems).toEqual([]);
    expect(suites[0]!.counts).toEqual({ tests: 3, failures: 1, errors: 1 });
    const byName = Object.fromEntries(suites[0]!.cases.map((c) => [c.name, c]));
    expect(byName['users-names']).toMatchObject({ outcome: 'failure', message: 'public.users: 1 mismatching of 100 rows compared' });
    expect(byName['users-names']!.text).toContain('id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
    expect(byName.ghost).toMatchObject({ outcome: 'error' });
    expect(byName.ghost!.message).toMatch(/^missing_relation \(SQLSTATE 42P01\): /);
    expect(byName['users-count']).toMatchObject({ outcome: 'pass' });
  });

  it('run --format markdown: the headline says could not verify and exit is 2 when a check errors', async () => {
    const result = await runMain(['run', 'ghost', 'users-count', '--format', 'markdown'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^### ⚠️ parity run: could not verify \(1 passed, 0 failed, 1 could not be verified\)\n/);
    expect(result.stdout).toMatch(/^\| ⚠️ \| `ghost` \| row_count \| \*\*error\*\* \|/m);
    expect(result.stdout).not.toContain('✅ parity run');
  });

  it('run --json and --format json print the same documented shape: the run object of GET /v1/runs/{id}', async () => {
    const viaAlias = await runMain(['run', 'users-count', '--json'], { cwd });
    const viaFormat = await runMain(['run', 'users-count', '--format', 'json'], { cwd });
    expect([viaAlias.code, viaFormat.code]).toEqual([0, 0]);
    for (const out of [viaAlias.stdout, viaFormat.stdout]) {
      const run = JSON.parse(out);
      // The API's own response schema, strictly: no key the API would not send, none missing.
      expect(RunDetailSchema.strict().parse(run)).toEqual(run);
      expect(run).toMatchObject({ status: 'finished', trigger: 'cli', progress: null, results: [{ check_id: 'users-count', status: 'pass' }] });
    }
  });

  it('refuses two different formats with exit 64 before doing anything', async () => {
    const result = await runMain(['run', '--json', '--format', 'junit'], { cwd });
    expect(result).toMatchObject({ code: 64, stdout: '' });
    expect(result.stderr).toBe('parity: --json asks for JSON but --format asks for junit; use one\n');
    expect((await runMain(['gate', 'users-split-name', 'switch-reads', '--format', 'xml'], { cwd })).code).toBe(64);
  });

  it('gate --format junit and markdown: denied is a failure and exit 1; allowed after the fix is exit 0', async () => {
    const denied = await runMain(['gate', 'users-split-name', 'switch-reads', '--refresh', '--format', 'junit'], { cwd });
    expect(denied.code).toBe(1);
    const { problems, suites } = checkJunit(denied.stdout);
    expect(problems).toEqual([]);
    expect(suites[0]!.cases.map((c) => [c.name, c.outcome])).toEqual([
      ['users-split-name → switch-reads', 'failure'], ['users-count', 'pass'], ['users-names', 'failure'],
    ]);
    const deniedMd = await runMain(['gate', 'users-split-name', 'switch-reads', '--format', 'markdown'], { cwd });
    expect(deniedMd.code).toBe(1);
    expect(deniedMd.stdout).toMatch(/^### ❌ Gate `users-split-name` → `switch-reads`: \*\*DENIED\*\*\n/);
    expect(deniedMd.stdout).toContain('- check "users-names" failed: public.users: 1 mismatching of 100 rows compared');

    await exec(`update users set last_name = 'Surname' where id = 7`);
    const allowed = await runMain(['gate', 'users-split-name', 'switch-reads', '--refresh', '--format', 'markdown'], { cwd });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^### ✅ Gate `users-split-name` → `switch-reads`: \*\*ALLOWED\*\* \(checks re-run\)\n/);
    const allowedJunit = checkJunit((await runMain(['gate', 'users-split-name', 'switch-reads', '--format', 'junit'], { cwd })).stdout);
    expect(allowedJunit.suites[0]!.counts).toEqual({ tests: 3, failures: 0, errors: 0 });
  });

  it('gate --format junit: a check that could not be verified is an error and the gate exits 1 (denied)', async () => {
    const result = await runMain(['gate', 'users-split-name', 'contract', '--refresh', '--format', 'junit'], { cwd });
    expect(result.code).toBe(1);
    const { suites } = checkJunit(result.stdout);
    expect(suites[0]!.cases.map((c) => [c.name, c.outcome])).toEqual([['users-split-name → contract', 'failure'], ['ghost', 'error']]);
  });

  it('gate that cannot be evaluated (state store unreachable): exit 2, and every machine format says so', async () => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, DATABASE_URL: 'postgres://postgres:secret-pw@127.0.0.1:1/none', PARITY_LOG_LEVEL: 'silent' };
    const junit = await runMain(['gate', 'users-split-name', 'switch-reads', '--format', 'junit'], { cwd, env });
    expect(junit.code).toBe(2);
    const { problems, suites } = checkJunit(junit.stdout);
    expect(problems).toEqual([]);
    expect(suites[0]!.cases).toEqual([expect.objectContaining({ name: 'users-split-name → switch-reads', outcome: 'error' })]);
    const json = await runMain(['gate', 'users-split-name', 'switch-reads', '--json'], { cwd, env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false, evaluated: false, error: { code: 'gate_unavailable' } });
    const md = await runMain(['gate', 'users-split-name', 'switch-reads', '--format', 'markdown'], { cwd, env });
    expect(md.code).toBe(2);
    expect(md.stdout).toMatch(/^### ⚠️ Gate .*\*\*COULD NOT EVALUATE\*\* \(not allowed\)/);
    for (const out of [junit, json, md]) expect(out.stdout + out.stderr).not.toContain('secret-pw');
  });
});
