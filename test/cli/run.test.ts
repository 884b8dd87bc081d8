import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { lockDataDir } from '../../src/embedded/lockfile.js';
import { cleanEnv, runParity, tempDir, SPAWN_TIMEOUT_MS, removeTempDirs } from '../support/spawn-parity.js';
import { runMain } from '../support/run-main.js';

const CHECKS = `sources:
  app: { url: "embedded:verified", max_connections: 1 }
checks:
  - id: users-count
    kind: row_count
    tags: [counts]
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
  - id: users-names
    kind: column_parity
    tags: [names]
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
  - id: ghost
    kind: row_count
    tags: [ghost]
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.no_such_table }
`;

interface JsonRun { status: string; trigger: string; check_ids: string[]; results: { check_id: string; status: string; samples: { key: Record<string, unknown> }[]; error: { code: string } | null }[] }

// The default layout of a project: ./checks and ./.parity, nothing configured. The commands run
// in-process through main(); the data-directory lock test spawns the binary, as it needs a second process.
describe('parity run', { timeout: SPAWN_TIMEOUT_MS + 10_000 }, () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await tempDir('parity-run-');
    await mkdir(path.join(cwd, 'checks'));
    await writeFile(path.join(cwd, 'checks', 'app.yaml'), CHECKS);
    await mkdir(path.join(cwd, 'broken'));
    await writeFile(path.join(cwd, 'broken', 'bad.yaml'), 'checks:\n  - id: x\n    kind: nope\n');
    // Seeded here with full privileges, then released: the CLI must be able to take the data-dir lock.
    const { db, release } = await openEmbedded(path.join(cwd, '.parity'), 'verified');
    await db.exec(`
      create table users_legacy (id int primary key, full_name text);
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users_legacy select g, 'Name' || g || ' Surname' from generate_series(1, 1000) g;
      insert into users select g, 'Name' || g || ' Surname', 'Name' || g, case when g = 7 then 'Surnam' else 'Surname' end from generate_series(1, 1000) g;
    `);
    await release();
  });
  afterAll(removeTempDirs);

  it('exits 0 and prints a PASS row when every selected check passes', async () => {
    const result = await runMain(['run', 'users-count'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^CHECK\s+KIND\s+STATUS\s+MISMATCHES\s+ROWS SCANNED\s+DURATION\s+SUMMARY$/m);
    expect(result.stdout).toMatch(/^users-count\s+row_count\s+PASS\s+0\s+2,000\s+\S+ m?s\s+public\.users has the same number of rows/m);
    expect(result.stdout).toMatch(/1 check: 1 passed, 0 failed, 0 could not be verified/);
  });

  it('exits 1 when a check fails, listing the offending key with both values', async () => {
    const result = await runMain(['run', 'users-names'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^users-names\s+column_parity\s+FAIL\s+1\s+1,000\s/m);
    expect(result.stdout).toContain('users-names failed: public.users: 1 mismatching of 1,000 rows compared');
    expect(result.stdout).toContain('mismatch       id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
  });

  it('--recheck failing re-reads the failing keys under <check>:recheck; anything but "failing" is bad usage', async () => {
    // The last failing result must have been kept: a state store is configured (the data directory).
    expect((await runMain(['run', 'users-names', '--data-dir', '.parity'], { cwd })).code).toBe(1);
    const result = await runMain(['run', 'users-names', '--recheck', 'failing', '--data-dir', '.parity'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^users-names:recheck\s+column_parity\s+FAIL\s+1\s+1\s/m);
    expect(result.stdout).toMatch(/recheck of 1 key that failed in result \S+: public\.users: 1 mismatching of 1 rows compared; not gate evidence/);
    const bad = await runMain(['run', 'users-names', '--recheck', 'all'], { cwd });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--recheck takes "failing" (got "all")');
  });

  it('exits 2 when a check cannot be verified (missing table), never 0', async () => {
    const result = await runMain(['run', 'ghost'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^ghost\s+row_count\s+ERROR\s/m);
    expect(result.stdout).toMatch(/could not verify:\n {2}ghost: missing_relation \(SQLSTATE 42P01\): .*no_such_table/);
  });

  it('prints the finished run as JSON with --json (the same shape as the API); a failure outranks an error in the exit code', async () => {
    const result = await runMain(['run', '--tag', 'names', '--tag', 'ghost', '--json'], { cwd });
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as JsonRun;
    expect(run).toMatchObject({ status: 'finished', trigger: 'cli', check_ids: ['users-names', 'ghost'] });
    const byId = Object.fromEntries(run.results.map((r) => [r.check_id, r]));
    expect(byId['users-names']).toMatchObject({ status: 'fail', samples: [{ key: { id: '7' } }] });
    expect(byId.ghost).toMatchObject({ status: 'error', error: { code: 'missing_relation' } });
  });

  it('off a terminal, prints a progress line to stderr every --progress-interval seconds, keeping stdout clean', async () => {
    const result = await runMain(['run', '--json', '--progress-interval', '0.001'], { cwd });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'finished' });
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^parity: \d+(ms|s) · \d of 3 checks done( \(.*\))?( · running: .+)?$/);
    expect((await runMain(['run', 'users-count', '--progress-interval', '0'], { cwd })).stderr).toBe('');
    const bad = await runMain(['run', '--progress-interval', 'soon'], { cwd });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--progress-interval');
  });

  it('exits 64 for an unknown check id, before opening any database', async () => {
    const result = await runMain(['run', 'users-count', 'no-such-check'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('unknown check id: no-such-check');
    expect(result.stdout).toBe('');
  });

  it('exits 64 when no check carries the requested tag', async () => {
    const result = await runMain(['run', '--tag', 'nothing'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('no checks selected (no check is tagged nothing)');
  });

  it('exits 64 on broken check files, naming file:line:column', async () => {
    const result = await runMain(['run', '--checks', 'broken'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^broken\/bad\.yaml:3:11: checks\[0\]\.kind: unknown kind "nope"/m);
  });

  it('exits 2 with a clear message when another process holds the embedded data directory', { timeout: 2 * SPAWN_TIMEOUT_MS }, async () => {
    const release = lockDataDir(path.join(cwd, '.parity'));
    try {
      // A configured data directory is the state store: the run cannot start.
      const result = await runParity(['run', 'users-count'], { cwd, env: cleanEnv({ PARITY_DATA_DIR: '.parity' }) });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`is in use by process ${process.pid}`);
      expect(result.stdout).toBe('');
      // No store configured: the run starts, and the check that reads the embedded source cannot verify.
      const oneShot = await runParity(['run', 'users-count'], { cwd });
      expect(oneShot.code).toBe(2);
      expect(oneShot.stdout).toMatch(/^users-count\s+row_count\s+ERROR\s/m);
      expect(oneShot.stdout).toContain(`is in use by process ${process.pid}`);
    } finally {
      release();
    }
  });
});
