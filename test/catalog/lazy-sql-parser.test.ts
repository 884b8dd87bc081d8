/**
 * The PostgreSQL parser loads only when a check file holds operator SQL: a catalog without any
 * starts without its wasm, and one with SQL is still judged by it (a refusal pinned to its place).
 * Each case is a fresh Node process: the test set-up loads the parser into every test worker.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Loads the catalog in a new process; what it answered and whether the parser was loaded after. */
function loadInFreshProcess(dir: string): { checks?: string[]; problems?: { line: number; path: string; message: string }[]; parserLoaded: boolean } {
  const script = `
    const { loadCatalog } = await import(${JSON.stringify(`${SRC}catalog/load.ts`)});
    const { isSqlParserLoaded } = await import(${JSON.stringify(`${SRC}sql/parser.ts`)});
    let answer;
    try { answer = { checks: [...(await loadCatalog(${JSON.stringify(dir)}, {})).checks.keys()] }; }
    catch (error) { answer = { problems: error.problems ?? [{ line: 0, path: '', message: String(error) }] }; }
    process.stdout.write(JSON.stringify({ ...answer, parserLoaded: isSqlParserLoaded() }));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as ReturnType<typeof loadInFreshProcess>;
}

const SOURCES = 'sources:\n  app: { url: "postgres://localhost/app" }\n';
const dirs: string[] = [];
async function dirWith(yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-lazy-parser-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'checks.yaml'), SOURCES + yaml);
  return dir;
}

describe('loading the SQL parser on first need', () => {
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('loads a catalog without operator SQL without loading the parser', { timeout: 30_000 }, async () => {
    const plain = await dirWith('checks:\n  - { id: c, kind: row_count, old: { source: app, table: a }, new: { source: app, table: b } }\n');
    expect(loadInFreshProcess(plain)).toEqual({ checks: ['c'], parserLoaded: false });
  });

  it('loads the parser for a file with operator SQL and judges it: a refusal pinned to its line, or the check', { timeout: 30_000 }, async () => {
    const file = (expression: string) => `checks:\n  - id: p\n    kind: column_parity\n    source: app\n    table: t\n    key: [id]\n    old: a\n    new: "${expression}"\n`;
    const refused = loadInFreshProcess(await dirWith(file('pg_terminate_backend(1)')));
    expect(refused.parserLoaded).toBe(true);
    expect(refused.problems).toEqual([expect.objectContaining({ line: 10, path: 'checks[0].new' })]);
    expect(loadInFreshProcess(await dirWith(file('first || last')))).toEqual({ checks: ['p'], parserLoaded: true });
  });
});
