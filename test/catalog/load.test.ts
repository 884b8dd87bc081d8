import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { loadCatalog } from '../../src/catalog/load.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { ParsedFile } from '../../src/catalog/catalog.js';
import { CheckFileError, formatProblem, type SpecProblem } from '../../src/checkfile/problems.js';

const SOURCES = `sources:
  app:
    url: postgres://parity:s3cretpw@db.internal:5432/app
`;

function problemsOf(text: string, env: Record<string, string> = {}): SpecProblem[] {
  const result = parseCheckFile(text, 'checks/x.yaml', env);
  if (!Array.isArray(result)) {
    const catalog = buildCatalog([result]);
    return Array.isArray(catalog) ? catalog : [];
  }
  return result;
}

function parsed(text: string, env: Record<string, string> = {}): ParsedFile {
  const result = parseCheckFile(text, 'checks/x.yaml', env);
  if (Array.isArray(result)) throw new Error(result.map(formatProblem).join('\n'));
  return result;
}

describe('check file loading', () => {
  it('parses the documented example with defaults applied', () => {
    const file = parsed(`${SOURCES}checks:
  - id: users-row-count
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users, where: "deleted_at is null" }
  - id: users-name-parity
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    normalize: [trim, collapse_whitespace, { numeric_scale: 2 }]
`);
    expect(file.sources[0]?.spec).toMatchObject({ statement_timeout: 30_000, lock_timeout: 1_000, max_connections: 4 });
    const [count, parity] = file.checks.map((c) => c.spec);
    expect(count).toMatchObject({ kind: 'row_count', tolerance: { absolute: 0 }, old: { table: { schema: 'public', name: 'users_legacy' } } });
    expect(parity).toMatchObject({ kind: 'column_parity', sample: 20, normalize: ['trim', 'collapse_whitespace', { numeric_scale: 2 }] });
  });

  it('names file, line and column of an unknown kind and lists allowed kinds', () => {
    const [problem] = problemsOf(`${SOURCES}checks:
  - id: a
    kind: row_cont
`);
    expect(problem).toMatchObject({ file: 'checks/x.yaml', line: 6, column: 11, path: 'checks[0].kind' });
    expect(problem?.message).toContain('allowed kinds: row_count, null_check, column_parity, sql_assert');
  });

  // Was: a TypeError thrown out of the loader ("Do not know how to serialize a BigInt"): a kind
  // written as a huge integer is a BigInt since YAML integers are exact.
  it('reports a kind that is not text, even a huge integer, as a problem', () => {
    for (const kind of ['123456789012345678901234567890', '12', '[a]', '{ a: 1 }']) {
      const [problem] = problemsOf(`${SOURCES}checks:
  - id: a
    kind: ${kind}
`);
      expect(problem).toMatchObject({ file: 'checks/x.yaml', line: 6, column: 11, path: 'checks[0].kind' });
      expect(problem?.message).toMatch(/^unknown kind .*; allowed kinds:/);
    }
  });

  it('points at an unknown key and lists the allowed keys', () => {
    const [problem] = problemsOf(`${SOURCES}checks:
  - id: a
    kind: row_count
    old: { source: app, table: t }
    new: { source: app, table: t }
    tolerance: { absolut: 1 }
`);
    expect(problem).toMatchObject({ line: 9, column: 18, path: 'checks[0].tolerance.absolut' });
    expect(problem?.message).toMatch(/unknown key "absolut"; allowed keys: .*absolute/);
  });

  it('reports a missing required key at its parent', () => {
    const problems = problemsOf(`${SOURCES}checks:
  - id: a
    kind: null_check
    source: app
    columns: [x]
`);
    expect(problems.map(formatProblem)).toContainEqual(expect.stringMatching(/^checks\/x\.yaml:5:5: checks\[0\]\.table: is required/));
  });

  it('lists allowed values for enums', () => {
    const [problem] = problemsOf(`${SOURCES}checks:
  - id: a
    kind: column_parity
    source: app
    table: t
    key: [id]
    old: a
    new: b
    normalize: [trim, squash]
`);
    expect(problem?.path).toBe('checks[0].normalize[1]');
    expect(problem?.message).toContain('"collapse_whitespace"');
  });

  it('reports duplicate ids across files with both locations', () => {
    const a = parsed(`${SOURCES}checks:\n  - { id: dup, kind: sql_assert, source: app, query: "select id from orders where total < 0" }\n`);
    const b = parseCheckFile(`checks:\n  - { id: dup, kind: sql_assert, source: app, query: "select id from orders where total < 0" }\n`, 'checks/y.yaml', {});
    const result = buildCatalog([a, b as ParsedFile]);
    expect(Array.isArray(result)).toBe(true);
    expect((result as SpecProblem[])[0]).toMatchObject({ file: 'checks/y.yaml', line: 2, message: expect.stringContaining('first declared at checks/x.yaml:5:5') });
  });

  it('reports an undeclared source at the reference', () => {
    const [problem] = problemsOf(`${SOURCES}checks:
  - id: a
    kind: sql_assert
    source: legacy
    query: select 1
`);
    expect(problem).toMatchObject({ line: 7, column: 13, message: expect.stringContaining('declared sources: app') });
  });

  it.each([
    ['users; drop table x', /not an identifier/],
    ['public.users.extra', /more than two parts/],
    ['"unterminated', /unterminated/],
    ['', /empty/],
  ])('rejects the table name %j before any SQL is built', (table, message) => {
    const [problem] = problemsOf(`${SOURCES}checks:\n  - { id: a, kind: null_check, source: app, table: ${JSON.stringify(table)}, columns: [x] }\n`);
    expect(problem?.path).toBe('checks[0].table');
    expect(problem?.message).toMatch(message);
  });

  it('keeps quoted identifiers verbatim and folds unquoted ones', () => {
    const file = parsed(`${SOURCES}checks:\n  - { id: a, kind: null_check, source: app, table: 'Public."Odd ""Name"""', columns: [Col, '"MixedCase"'] }\n`);
    expect(file.checks[0]?.spec).toMatchObject({ table: { schema: 'public', name: 'Odd "Name"' }, columns: ['col', 'MixedCase'] });
  });

  it.each([
    ['true; delete from users', /";"/],
    ['1 = 1 -- trailing', /comment/],
    ['(a', /does not end where it should/],
    ["name = 'x", /unterminated quoted string/],
  ])('rejects the expression %j that would escape its statement', (where, message) => {
    const [problem] = problemsOf(`${SOURCES}checks:\n  - { id: a, kind: null_check, source: app, table: t, columns: [x], where: ${JSON.stringify(where)} }\n`);
    expect(problem?.path).toBe('checks[0].where');
    expect(problem?.message).toMatch(message);
  });

  it('accepts semicolons and dashes inside string literals', () => {
    expect(problemsOf(`${SOURCES}checks:\n  - { id: a, kind: null_check, source: app, table: t, columns: [x], where: "note <> 'a;b -- c' and $$x;y$$ <> ''" }\n`)).toEqual([]);
  });

  it('interpolates the environment in source urls and keeps the template to show', () => {
    const file = parsed(`sources:\n  app: { url: "postgres://u:\${PW}@h/db" }\n`, { PW: 'hunter22' });
    expect(file.sources[0]?.spec.url).toBe('postgres://u:hunter22@h/db');
    expect(file.sources[0]?.templates).toEqual({ url: 'postgres://u:${PW}@h/db' });
  });

  it('rejects ${ outside the places that read the environment, at its line and column, without the value', () => {
    const [problem, ...rest] = problemsOf(`sources:\n  app: { url: "postgres://u@h/db", description: "\${PW}" }\n`, { PW: 'hunter22' });
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ line: 2, column: 49, path: 'sources.app.description', message: expect.stringContaining('not allowed here') });
  });

  it('reports an unset environment variable without echoing other values', () => {
    const [problem] = problemsOf(`sources:\n  app: { url: "\${MISSING_URL}" }\n`);
    expect(problem).toMatchObject({ line: 2, path: 'sources.app.url', message: expect.stringContaining('MISSING_URL is not set') });
  });

  it('never echoes a DSN password in a problem', () => {
    const problems = problemsOf(`sources:\n  app: { url: "mysql://root:topsecret99@h/db" }\n`);
    expect(problems.length).toBeGreaterThan(0);
    expect(JSON.stringify(problems)).not.toContain('topsecret99');
  });

  it('reports YAML syntax errors with their position', () => {
    const [problem] = problemsOf('checks:\n  - id: a\n   kind: b\n');
    expect(problem?.message).toMatch(/^YAML:/);
    expect(problem?.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects duplicate keys', () => {
    const [problem] = problemsOf(`${SOURCES}checks:\n  - id: a\n    id: b\n    kind: sql_assert\n`);
    expect(problem?.message).toMatch(/YAML:.*[Uu]nique|duplicate/);
  });

  it('checks that migrations require declared checks', () => {
    const problems = problemsOf(`${SOURCES}checks:
  - { id: a, kind: sql_assert, source: app, query: "select id from orders where total < 0" }
migrations:
  - id: m
    phases:
      - { name: switch-reads, requires: [a, b] }
`);
    expect(problems).toEqual([expect.objectContaining({ line: 9, message: 'migration "m" requires check "b", which is not declared' })]);
  });

  it('changes the definition hash when what is verified changes, not when metadata does', () => {
    const hashOf = (extra: string, url = 'postgres://u:p@h/db', parityVersion?: string) => {
      const file = parsed(`sources:\n  app: { url: "${url}" }\nchecks:\n  - { id: a, kind: sql_assert, source: app, query: "select id from orders where total < 0"${extra} }\n`);
      const catalog = buildCatalog([file], parityVersion);
      if (Array.isArray(catalog)) throw new Error('bad');
      return catalog.checks.get('a')!.hash;
    };
    const base = hashOf('');
    expect(hashOf(', description: "words", tags: [x]')).toBe(base);
    expect(hashOf(', expect: { rows: 1 }')).not.toBe(base);
    expect(hashOf('', 'postgres://u:p@other/db')).not.toBe(base);
    expect(hashOf('', 'postgres://u:rotated@h/db')).toBe(base);
    // Another parity judged (and checkpointed) under the same file: its passes do not carry over.
    expect(hashOf('', undefined, '0.0.1-older')).not.toBe(base);
    expect(hashOf('', undefined, '0.0.1-older')).toBe(hashOf('', undefined, '0.0.1-older'));
  });

  it('loads a directory recursively and throws every problem at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parity-load-'));
    await mkdir(path.join(dir, 'nested'));
    await writeFile(path.join(dir, 'a.yaml'), `${SOURCES}checks:\n  - { id: one, kind: sql_assert, source: app, query: "select 1" }\n`);
    await writeFile(path.join(dir, 'nested', 'b.yml'), 'checks:\n  - { id: two, kind: nope }\n  - { id: three }\n');
    await writeFile(path.join(dir, 'ignored.txt'), 'not yaml: [');
    const error = await loadCatalog(dir, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFileError);
    expect((error as CheckFileError).problems).toHaveLength(2);
    expect((error as CheckFileError).message).toContain('nested/b.yml:2:');
  });
});
