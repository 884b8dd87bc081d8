import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { SpecProblem } from '../../src/checkfile/problems.js';

/** Loading must always end in a catalog or a list of located problems — never an exception. */
function loadsCleanly(text: string): boolean {
  const parsed = parseCheckFile(text, 'fuzz.yaml', { SET: 'postgres://h/db' });
  const problems: SpecProblem[] = Array.isArray(parsed) ? parsed : (() => {
    const catalog = buildCatalog([parsed]);
    return Array.isArray(catalog) ? catalog : [];
  })();
  for (const p of problems) {
    expect(p.file).toBe('fuzz.yaml');
    expect(Number.isInteger(p.line) && p.line >= 1).toBe(true);
    expect(Number.isInteger(p.column) && p.column >= 1).toBe(true);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
  }
  return true;
}

const VALID = {
  sources: { app: { url: 'postgres://u:pw@h/db', statement_timeout: '5s' } },
  checks: [
    { id: 'rc', kind: 'row_count', old: { source: 'app', table: 'a' }, new: { source: 'app', table: 'public.b', where: 'x > 1' }, tolerance: { relative: 0.1 } },
    { id: 'nc', kind: 'null_check', source: 'app', table: 'b', columns: ['x', 'y'], max_nulls: 3 },
    { id: 'cp', kind: 'column_parity', source: 'app', table: 'b', key: ['id'], old: 'a', new: 'b', normalize: ['trim', { numeric_scale: 2 }] },
    { id: 'cj', kind: 'column_parity', source: 'app', key: ['id'], old: { table: 'a', expr: 'x' }, new: { table: 'b', expr: 'y' } },
    { id: 'sa', kind: 'sql_assert', source: 'app', query: 'select id from t', expect: { max_rows: 2 } },
  ],
  migrations: [{ id: 'm', phases: [{ name: 'switch-reads', requires: ['rc', 'nc'], max_age: '1h' }] }],
};

const leaf = fc.oneof(
  fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom('row_count', 'null_check', 'column_parity', 'sql_assert', 'app', '${SET}', '${UNSET}', 'users; drop table x', '1h', '-1s', 'embedded:demo'),
);

/** Replaces one random spot of the valid document with generated junk. */
const mutatedValid = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.anything(), fc.boolean()).map(([path, junk, remove]) => {
  const doc = structuredClone(VALID) as unknown as Record<string, unknown>;
  let node: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node as object);
    if (keys.length === 0) break;
    const key = keys[path[i]! % keys.length]!;
    if (i === path.length - 1 || typeof (node as Record<string, unknown>)[key] !== 'object') {
      if (remove) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = junk;
      break;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return stringify(doc);
});

describe('check file loader under fuzzing', () => {
  it('accepts the valid base document', () => {
    const parsed = parseCheckFile(stringify(VALID), 'fuzz.yaml', {});
    expect(Array.isArray(parsed)).toBe(false);
  });

  it('never throws on generated structures', () => {
    const structure = fc.dictionary(fc.constantFrom('sources', 'checks', 'migrations', 'other'), fc.anything({ values: [leaf], maxDepth: 4 }));
    fc.assert(fc.property(structure, (doc) => loadsCleanly(stringify(doc))), { numRuns: 2000 });
  });

  it('never throws on mutated valid documents', () => {
    fc.assert(fc.property(mutatedValid, loadsCleanly), { numRuns: 2000 });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), loadsCleanly), { numRuns: 1500 });
  });

  it('never throws on alias bombs and odd YAML features', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    for (const text of [bomb, '--- a\n--- b\n', '!!binary aGk=', 'checks: !!set {a, b}', '? [a]\n: b\n', '\uFEFFchecks: []', 'checks:\n  - *undefined']) {
      expect(loadsCleanly(text)).toBe(true);
    }
  });
});
