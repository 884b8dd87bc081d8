/**
 * Check files whose YAML means something other than what it says to its reader: a `%YAML 1.1`
 * directive (`yes` is true, `010` is 8), and tags that turn a value into something no check field
 * holds (a Date, a Map, a Set, a Buffer) which then became `{}` or a pile of byte indices. Each
 * gave an expectation that was not the one written, and `expect: { value }` against `'{}'::jsonb`
 * passed. Now each is a load error at its file:line:column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/checkfile/problems.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

/** One row read from the catalog: an answer the data decides (a query of constants alone is refused at load). */
const ONE_ROW = " from pg_namespace where nspname = 'pg_catalog'";

const valueCheck = (value: string, query = `select '{}'::jsonb${ONE_ROW}`, directive = '', url = 'embedded:x') => `${directive}
sources:
  app: { url: "${url}" }
checks:
  - id: tagged
    kind: sql_assert
    source: app
    query: "${query}"
    expect: { value: ${value} }
`;

/** Values written as non-empty, that the loader made into an empty object (or something else). */
const TAGGED = [
  ['an ordered map', '!!omap [ a: 1 ]'],
  ['a set', '!!set { a, b }'],
  ['a timestamp', '!!timestamp 2024-01-01'],
  ['a nested timestamp', '{ at: !!timestamp 2024-01-01 }'],
  ['binary', '!!binary aGVsbG8='],
  ['pairs', '!!pairs [ a: 1 ]'],
  ['a local tag', '!thing { a: 1 }'],
  ['a float tag on an integer', '!!float 1'],
] as const;

/** Loads a whole check file (directive first) and runs its one check; throws the load problems. */
const runFile = runCheckFile;

describe.each(engines)('YAML that means something else never passes an expectation, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  it.each(TAGGED)('%s (%s)', async (_what, value) => {
    let result: FinishedResult | undefined;
    try {
      result = await runFile(db, valueCheck(value, undefined, '', db.url));
    } catch (error) {
      expect((error as Error).message).toMatch(/test\.yaml:\d+:\d+: checks\[0\]\.expect\.value/);
    }
    expect(result?.status).not.toBe('pass');
  });

  it('a %YAML 1.1 file, whose 010 is 8 and yes is true', async () => {
    for (const [value, query] of [['010', `select 10${ONE_ROW}`], ['yes', `select 'yes'::text${ONE_ROW}`]] as const) {
      let result: FinishedResult | undefined;
      try {
        result = await runFile(db, valueCheck(value, query, '%YAML 1.1\n---', db.url));
      } catch (error) {
        expect((error as Error).message).toContain('%YAML');
      }
      expect(result?.status, value).not.toBe('pass');
    }
  });
});

describe('tags and directives in check files', () => {
  const problems = (text: string) => {
    const parsed = parseCheckFile(text, 'checks.yaml', {});
    return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
  };

  it.each(TAGGED)('refuses %s at its file:line:column', (_what, value) => {
    const found = problems(valueCheck(value));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^checks\.yaml:9:\d+: checks\[0\]\.expect\.value.*: .*tag/);
  });

  it('refuses a %YAML directive other than 1.2, and accepts 1.2', () => {
    expect(problems(valueCheck('1', `select 1${ONE_ROW}`, '%YAML 1.1\n---'))).toEqual([expect.stringMatching(/^checks\.yaml:1:1: .*%YAML 1\.1.*1\.2/)]);
    expect(problems(valueCheck('1', `select 1${ONE_ROW}`, '%YAML 1.2\n---'))).toEqual([]);
  });

  it('keeps the core tags, which say what YAML 1.2 would read anyway or force a string', () => {
    const parsed = parseCheckFile(valueCheck('!!str 5', `select '5'::text${ONE_ROW}`), 'checks.yaml', {});
    expect(Array.isArray(parsed) ? parsed.map(formatProblem) : parsed.checks[0]!.spec).toMatchObject({ expect: { value: { type: 'string', value: '5' } } });
    expect(problems(valueCheck('!!int "7"', `select 7${ONE_ROW}`))).toEqual([]);
    expect(problems(valueCheck('!!map { a: !!seq [ !!bool true, !!null null, !!float 1.5 ] }'))).toEqual([]);
  });
});
