import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/replay/scenario/load.js';
import { insertStatements } from '../../src/replay/seed.js';
import { affectedKeys, diffSnapshots, type Snapshot } from '../../src/replay/snapshot.js';
import { correctRunProblems, isMissed, judgeMutation, sampleNames } from '../../src/replay/verdict.js';
import type { CaseRun } from '../../src/replay/run-case.js';

const snapshotArbitrary: fc.Arbitrary<Snapshot> = fc
  .dictionary(fc.constantFrom('users', 'orders', 'audit'), fc.dictionary(fc.integer({ min: 1, max: 20 }).map((n) => `["${n}"]`), fc.string({ maxLength: 6 }), { maxKeys: 6 }), { maxKeys: 3 })
  .map((tables) => new Map(Object.entries(tables).map(([table, rows]) => [table, { keyColumns: ['id'], rows: new Map(Object.entries(rows).map(([k, v]) => [k, [v]])) }])));

describe('comparing database states', () => {
  it('finds no difference between a state and itself', () => {
    fc.assert(fc.property(snapshotArbitrary, (s) => diffSnapshots(s, s).length === 0));
  });

  it('reports the same keys in both directions, with before and after swapped', () => {
    fc.assert(fc.property(snapshotArbitrary, snapshotArbitrary, (a, b) => {
      const forward = diffSnapshots(a, b);
      const backward = diffSnapshots(b, a);
      expect(backward.map((d) => ({ ...d, before: d.after, after: d.before }))).toEqual(forward);
    }));
  });

  it('names each affected row once, by table and key column values', () => {
    const before: Snapshot = new Map([['users', { keyColumns: ['id'], rows: new Map([['["1"]', ['{"id":1,"a":"x"}']], ['["2"]', ['{"id":2}']]]) }]]);
    const after: Snapshot = new Map([['users', { keyColumns: ['id'], rows: new Map([['["1"]', ['{"id":1,"a":"y"}']], ['["3"]', ['{"id":3}']]]) }]]);
    expect(affectedKeys(diffSnapshots(before, after))).toEqual([
      { table: 'users', key: { id: '1' } }, { table: 'users', key: { id: '2' } }, { table: 'users', key: { id: '3' } },
    ]);
  });
});

describe('judging a mutated replay', () => {
  const drift = [{ table: 'users', key: { id: '7' }, before: ['{"id":7,"first_name":null}'], after: ['{"id":7,"first_name":"Ann"}'] }];
  const run = (checks: CaseRun['checks']): CaseRun => ({ batches: 2, killed: false, writes: { applied: 0, skipped: 0 }, drift, checks, mutation: { injected: true, victim: { table: 'users', key: { id: '7' } } } });
  const failing = (samples: NonNullable<CaseRun['checks']>[number]['samples']) => ({ id: 'names', kind: 'null_check', status: 'fail' as const, summary: '1 null', samples });

  it('counts a catch as named when a failing check samples an affected key, in its key or its detail', () => {
    expect(sampleNames({ category: 'null', key: { id: '7' } }, drift[0]!)).toBe(true);
    expect(sampleNames({ category: 'row', key: {}, detail: { id: 7, first_name: null } }, drift[0]!)).toBe(true);
    expect(sampleNames({ category: 'null', key: { id: '8' } }, drift[0]!)).toBe(false);
    expect(judgeMutation(run([failing([{ category: 'null', key: { id: '7' } }])]))).toMatchObject({ outcome: 'caught', caughtBy: ['names'], namedBy: ['names'] });
  });

  it('flags a catch that names only other keys as unnamed, which strict replays count as missed', () => {
    const verdict = judgeMutation(run([failing([{ category: 'null', key: { id: '8' } }])]));
    expect(verdict).toMatchObject({ outcome: 'caught', namedBy: [] });
    expect(isMissed(verdict, false)).toBe(false);
    expect(isMissed(verdict, true)).toBe(true);
  });

  it('calls a defect missed when the data drifted and every check passed, and no_effect when nothing drifted', () => {
    expect(judgeMutation(run([{ id: 'names', kind: 'null_check', status: 'pass', summary: '', samples: [] }])).outcome).toBe('missed');
    expect(judgeMutation({ ...run(undefined), drift: [] }).outcome).toBe('no_effect');
    expect(judgeMutation({ ...run(undefined), mutation: { injected: false } }).outcome).toBe('not_applicable');
  });

  it('treats a state the backfill cannot even rerun on as affecting the victim', () => {
    const verdict = judgeMutation({ ...run([failing([{ category: 'mismatch', key: { id: '7' } }])]), drift: undefined, rerunError: 'bigint out of range' });
    expect(verdict).toMatchObject({ outcome: 'caught', affected: [{ table: 'users', key: { id: '7' } }], namedBy: ['names'] });
    expect(verdict.note).toMatch(/bigint out of range/);
  });

  it('never lets an erroring check count as a catch', () => {
    const verdict = judgeMutation(run([{ id: 'names', kind: 'null_check', status: 'error', summary: 'could not verify', samples: [] }]));
    expect(verdict.outcome).toBe('check_error');
    expect(isMissed(verdict, false)).toBe(true);
  });

  it('explains a correct run that drifted or failed a check', () => {
    expect(correctRunProblems({ ...run([]), mutation: undefined })[0]).toMatch(/running the backfill again from scratch would change 1 row/);
    expect(correctRunProblems({ batches: 0, killed: false, writes: { applied: 0, skipped: 0 }, failure: { step: 'expand (02-expand.sql)', message: 'syntax error' } }))
      .toEqual(['step expand (02-expand.sql) failed: syntax error']);
  });
});

describe('seeding', () => {
  it('binds every generated value as a parameter, never into the SQL text', () => {
    const [statement] = insertStatements('users', ['full_name'], [{ full_name: "x'); drop table users; --" }, { full_name: null }]);
    expect(statement).toEqual({ text: 'insert into "users" ("full_name") values ($1), ($2)', params: ["x'); drop table users; --", null] });
  });

  it('splits large tables so a statement stays under the parameter limit', () => {
    const rows = Array.from({ length: 3000 }, () => ({ a: '1', b: '2', c: '3', d: '4' }));
    const statements = insertStatements('t', ['a', 'b', 'c', 'd'], rows);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.every((s) => s.params.length <= 10_000)).toBe(true);
    expect(statements.reduce((n, s) => n + s.params.length, 0)).toBe(12_000);
  });
});

describe('scenario.yaml validation', () => {
  const valid = `
tables:
  users:
    columns:
      full_name: { type: person_name, nullable: true }
steps:
  old_schema: 01.sql
  expand: 02.sql
  dual_write: 03.sql
  backfill: { batch: 04.sql, reset: "delete from progress" }
  read_switch: 05.sql
  contract: 06.sql
mutations:
  - class: backfill_interrupted
`;

  it('accepts a minimal scenario and fills in the defaults', () => {
    const spec = parseScenario(valid, 'scenario.yaml');
    expect(Array.isArray(spec)).toBe(false);
    expect(spec).toMatchObject({ source: 'app', checks: 'checks.yaml', tables: { users: { key: ['id'], rows: { min: 0, max: 40 } } } });
  });

  it('names file, line and column of an unknown column type, listing the types', () => {
    const problems = parseScenario(valid.replace('type: person_name', 'type: persona'), 'scenario.yaml');
    expect(Array.isArray(problems) && problems[0]).toMatchObject({ file: 'scenario.yaml', line: 5, path: 'tables.users.columns.full_name.type' });
    expect(JSON.stringify(problems)).toMatch(/person_name.*email.*money/);
  });

  it('rejects a mutation without a table or a defect', () => {
    const text = `${valid}  - class: row_dropped\n`;
    const problems = parseScenario(text, 'scenario.yaml');
    expect(Array.isArray(problems)).toBe(true);
    const messages = (problems as { message: string }[]).map((p) => p.message).join('\n');
    expect(messages).toMatch(/row_dropped needs table:/);
    expect(messages).toMatch(/row_dropped needs exactly one of set:, delete: true or sql:/);
  });

  it('rejects SQL that would escape its statement', () => {
    const problems = parseScenario(valid.replace('reset: "delete from progress"', 'reset: "delete from progress; drop table users"'), 'scenario.yaml');
    expect(JSON.stringify(problems)).toMatch(/reset must be one SQL statement, not 2/);
  });

  it('rejects app parameters that name no generated column or key', () => {
    const text = `${valid}app:\n  before_switch:\n    - { sql: "update users set nick = $2 where id = $1", params: [users.id, users.nick] }\n`;
    const problems = parseScenario(text, 'scenario.yaml') as { path: string; message: string }[];
    expect(problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(/app\.before_switch\.0\.params\.1: "nick" is neither a key nor a generated column of users/);
  });
});
