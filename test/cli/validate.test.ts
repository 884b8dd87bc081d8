import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_CHECKS, runParity, tempDir, removeTempDirs } from '../support/spawn-parity.js';
import { runMain } from '../support/run-main.js';

const SOURCES = `sources:
  app: { url: "embedded:app" }
`;

async function checksDir(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('parity-validate-');
  await mkdir(path.join(dir, 'checks'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'checks', name), text);
  return dir;
}

// One spawned smoke test (the shipped demo checks); the rest call main() in-process.
describe('parity validate', () => {
  let cwd: string;
  beforeAll(async () => { cwd = await tempDir('parity-validate-'); });
  afterAll(removeTempDirs);

  it('accepts the shipped demo checks with a one-line summary and exit 0', async () => {
    // Only the demo files: other check files may join the repository's checks/ over time.
    await mkdir(path.join(cwd, 'demo'));
    for (const file of ['demo-sources.yaml', 'demo-users.yaml']) await copyFile(path.join(REPO_CHECKS, file), path.join(cwd, 'demo', file));
    const result = await runParity(['validate', '--checks', 'demo'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^ok: 1 source, 7 checks, 1 migration in 2 files under demo$/m);
  });

  it('--connect shows each source\'s identity and least-privilege warnings; require_least_privilege makes them fail (exit 2)', async () => {
    const dir = await checksDir({ 's.yaml': 'sources:\n  app: { url: "embedded:app" }\n  strict: { url: "embedded:strict", require_least_privilege: true }\n' });
    const result = await runParity(['validate', '--connect'], { cwd: dir, env: { PARITY_DATA_DIR: path.join(dir, 'data') } });
    // PGlite always runs as a superuser: a warning for app, an error for strict.
    expect(result.stdout).toMatch(/^source app: postgres@local\/postgres, PostgreSQL \d+, system /m);
    expect(result.stdout).toMatch(/^ {2}warning: role "postgres" is a superuser$/m);
    expect(result.stdout).toMatch(/^ {2}error: role "postgres" is a superuser$/m);
    expect(result.code).toBe(2);
  });

  it('reports malformed YAML at file:line:column and exits 64', async () => {
    const dir = await checksDir({ 'broken.yaml': `${SOURCES}checks:\n  - id: a\n    kind: row_count\n    old: { source: app, table: users\n` });
    const result = await runMain(['validate'], { cwd: dir });
    expect(result.code).toBe(64);
    expect(result.stdout).toMatch(/checks\/broken\.yaml:\d+:\d+: YAML: /);
  });

  it('names an unknown kind with its position and the allowed kinds', async () => {
    const dir = await checksDir({ 'kinds.yaml': `${SOURCES}checks:\n  - id: a\n    kind: row_cuont\n    source: app\n` });
    const result = await runMain(['validate'], { cwd: dir });
    expect(result.code).toBe(64);
    expect(result.stdout).toMatch(/^checks\/kinds\.yaml:5:11: checks\[0\]\.kind: unknown kind "row_cuont"; allowed kinds: row_count, null_check, column_parity, sql_assert/m);
  });

  it('reports a check id declared in two files, pointing at both', async () => {
    const check = (file: string) => `checks:\n  - id: same\n    kind: sql_assert\n    source: app\n    query: select 1 from pg_namespace where nspname = 'parity_never' # ${file}\n`;
    const dir = await checksDir({ 'a.yaml': SOURCES + check('a'), 'b.yaml': check('b') });
    const result = await runMain(['validate'], { cwd: dir });
    expect(result.code).toBe(64);
    expect(result.stdout).toMatch(/checks\/b\.yaml:2:5: id: duplicate check id "same"; first declared at checks\/a\.yaml:4:5/);
  });

  it('prints problems as JSON with --json', async () => {
    const dir = await checksDir({ 'x.yaml': `${SOURCES}checks:\n  - id: Bad Id\n    kind: sql_assert\n    source: app\n    query: select 1\n` });
    const result = await runMain(['validate', '--json'], { cwd: dir });
    expect(result.code).toBe(64);
    const body = JSON.parse(result.stdout) as { ok: boolean; problems: { file: string; line: number; column: number; path: string }[] };
    expect(body.ok).toBe(false);
    expect(body.problems[0]).toMatchObject({ file: 'checks/x.yaml', line: 4, path: 'checks[0].id' });
  });

  it('exits 64 when the checks directory does not exist', async () => {
    const result = await runMain(['validate', '--checks', 'nowhere'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stdout).toContain('nowhere:1:1: cannot read checks directory: ENOENT');
  });
});
