/**
 * A check whose sides hold no SQL to parse — a row_count of two ordinary tables with no filter —
 * runs without loading the PostgreSQL parser (its wasm is a sixth of a one-shot `parity run`'s
 * CPU). Whatever does need it still gets it: a side that is a view over the other side's table is
 * followed through the view's parsed definition and refused as self_comparison, in a process where
 * nothing loaded the parser before. Each case is a fresh Node process running `parity run`
 * in-process (the test set-up loads the parser into every test worker, which would hide a miss).
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { cleanEnv, removeTempDirs, REPO_ROOT, tempDir } from '../support/spawn-parity.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

interface Ran { exitCode: number; parserLoaded: boolean; output: string }

/** `parity run` through main() in a new process; its exit code, output and whether the parser was loaded after. */
function runInFreshProcess(dir: string): Ran {
  const script = `
    const { main } = await import(${JSON.stringify(`${SRC}cli/main.ts`)});
    const { isSqlParserLoaded } = await import(${JSON.stringify(`${SRC}sql/parser.ts`)});
    let output = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk, ...rest) => { output += String(chunk); return true; };
    const exitCode = await main(['node', 'parity', 'run']);
    process.stdout.write = write;
    write(JSON.stringify({ exitCode, parserLoaded: isSqlParserLoaded(), output }));
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    // From the checkout (tsx resolves there); the checks come from PARITY_CHECKS_DIR.
    cwd: REPO_ROOT, encoding: 'utf8', env: cleanEnv({ PARITY_CHECKS_DIR: dir, PARITY_LOG_LEVEL: 'silent' }),
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.slice(child.stdout.lastIndexOf('{"exitCode"'))) as Ran;
}

describeOnPostgres('loading the SQL parser when a run first needs it', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`
      create table users_legacy (id int primary key);
      create table users (id int primary key);
      insert into users_legacy select generate_series(1, 10);
      insert into users select generate_series(1, 10);
      create view users_again as select * from users_legacy;`);
  });
  afterAll(async () => {
    await removeTempDirs();
    await db?.close();
  });

  const project = async (newTable: string, more = '') => {
    const dir = await tempDir('parity-lazy-parser-run-');
    await writeFile(path.join(dir, 'checks.yaml'), `sources:
  app: { url: "${db.url}" }
checks:
  - { id: count, kind: row_count, old: { source: app, table: public.users_legacy }, new: { source: app, table: ${newTable} } }
${more}`);
    return dir;
  };

  it('runs a row_count of two ordinary tables without loading the parser', { timeout: 60_000 }, async () => {
    const ran = runInFreshProcess(await project('public.users'));
    expect(ran.exitCode, ran.output).toBe(0);
    expect(ran.parserLoaded).toBe(false);
  });

  it('runs the other kinds that need no SQL in their check file (table_diff, null_check) to a verdict', { timeout: 60_000 }, async () => {
    const ran = runInFreshProcess(await project('public.users', `  - { id: diff, kind: table_diff, key: [id], old: { source: app, table: public.users_legacy }, new: { source: app, table: public.users } }
  - { id: nulls, kind: null_check, source: app, table: public.users, columns: [id] }
`));
    expect(ran.exitCode, ran.output).toBe(0);
    expect(ran.output).toMatch(/3 checks: 3 passed/);
  });

  it('loads it to follow a view over the other side\'s table, and refuses the check', { timeout: 60_000 }, async () => {
    const ran = runInFreshProcess(await project('public.users_again'));
    expect(ran.output).toMatch(/self_comparison/);
    expect(ran.exitCode).toBe(2);
    expect(ran.parserLoaded).toBe(true);
  });
});
