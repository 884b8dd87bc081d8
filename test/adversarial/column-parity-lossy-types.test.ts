/**
 * column_parity compares numbers, dates and times with Postgres's `=`. Between two types of
 * different families that `=` first casts one side implicitly, and some of those casts round:
 * bigint and numeric become double precision (2^53 + 1 = 2^53, 0.1000000000000000001 = 0.1), and
 * integer becomes oid modulo 2^32 (-1 = 4294967295). A migration that lost those digits passed.
 * Now only types of one family compare by value; any other pair compares by text, so a lossy
 * conversion has to be written in the check file to be accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** Pairs (old type, new type, old value, new value) whose values differ but whose implicit cast makes them equal. */
const LOSSY: [string, string, string, string][] = [
  ['bigint', 'double precision', '9007199254740993', '9007199254740992'],
  ['bigint', 'real', '9007199254740993', '9007199254740992'],
  ['numeric', 'double precision', '0.1000000000000000001', '0.1'],
  ['numeric(20,4)', 'double precision', '12345678901234.5678', '12345678901234.5678'],
  ['numeric', 'real', '0.100000001490116119384765625000001', '0.1'],
  ['integer', 'oid', '-1', '4294967295'],
];

describe.each(engines)('column_parity across lossy type pairs on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    for (const [i, [oldType, newType, oldValue, newValue]] of LOSSY.entries()) {
      await db.exec(`create table pair_${i} (id int primary key, o ${oldType}, n ${newType});
        insert into pair_${i} values (1, '${oldValue}', '${newValue}'), (2, 7, 7);
        create table old_${i} (id int primary key, v ${oldType});
        create table new_${i} (id int primary key, v ${newType});
        insert into old_${i} values (1, '${oldValue}'), (2, 7);
        insert into new_${i} values (1, '${newValue}'), (2, 7);`);
    }
  });
  afterAll(() => db.close());

  it("the implicit cast really calls each pair equal (the trap is armed)", async () => {
    for (const i of LOSSY.keys()) {
      expect(await db.exec(`select (o = n) as eq, (o::text = n::text) as same_text from pair_${i} where id = 1`)).toEqual([{ eq: true, same_text: false }]);
    }
  });

  it('fails each pair in the same-table form', async () => {
    for (const [i, pair] of LOSSY.entries()) {
      const result = await runCheck(db, `checks:
  - { id: lossy, kind: column_parity, source: app, table: pair_${i}, key: [id], old: o, new: n }
`);
      expect([...pair, result.status, result.observations.mismatches]).toEqual([...pair, 'fail', 1]);
    }
  });

  it('fails each pair in the join form', async () => {
    for (const [i, pair] of LOSSY.entries()) {
      const result = await runCheck(db, `checks:
  - { id: lossy, kind: column_parity, source: app, key: [id], old: { table: old_${i}, expr: v }, new: { table: new_${i}, expr: v } }
`);
      expect([...pair, result.status, result.observations.mismatches]).toEqual([...pair, 'fail', 1]);
    }
  });

  it('an integer or numeric and a float that hold the same number agree (decimal text, as table_diff compares them)', async () => {
    await db.exec(`create table same_number (id int primary key, n numeric(10,2), i bigint, f float8, r real);
      insert into same_number values (1, 12.50, 12, 12.5, 12.5), (2, 7.00, 7, 7, 7), (3, 0, 0, '-0', '-0'), (4, -1.25, -1, -1.25, -1.25)`);
    for (const [old, neu] of [['n', 'f'], ['n', 'r'], ['i', 'round(f)'], ['n', 'f + 0.001']] as const) {
      const result = await runCheck(db, `checks:
  - { id: same, kind: column_parity, source: app, table: same_number, key: [id], old: "${old}", new: "${neu}" }
`);
      expect([old, neu, result.status, result.observations.mismatches]).toEqual([old, neu, neu.includes('0.001') ? 'fail' : 'pass', neu.includes('0.001') ? 4 : 0]);
    }
  });

  it('a float printed with an exponent still agrees with the integer or numeric it equals (1e-05, 1e+15), and differs from a near one', async () => {
    await db.exec(`create table exponent (id int primary key, n numeric, i bigint, f float8, g float8);
      insert into exponent values (1, 0.00001, 0, 1e-05, 1.0000001e-05), (2, 1000000000000000, 1000000000000000, 1e15, 1.0000000000001e15),
        (3, 123456789012345678, 123456789012345678, 1.2345678901234568e17, 1.2345678901234568e17)`);
    const parity = async (old: string, neu: string) => (await runCheck(db, `checks:
  - { id: exp, kind: column_parity, source: app, table: exponent, key: [id], old: "${old}", new: "${neu}" }
`)).observations.mismatches;
    expect(await db.exec(`select f::text as f from exponent order by id`)).toEqual([{ f: '1e-05' }, { f: '1e+15' }, { f: '1.2345678901234568e+17' }]);
    // Row 3's double is 123456789012345680: not the integer, whatever its text rounds to.
    expect(await parity('n', 'f')).toBe(1);
    expect(await parity('i', 'f')).toBe(2);
    expect(await parity('n', 'g')).toBe(3);
  });

  it('a conversion written in the check file is compared as written', async () => {
    const result = await runCheck(db, `checks:
  - { id: cast, kind: column_parity, source: app, table: pair_0, key: [id], old: "o::double precision", new: n }
`);
    expect(result.status).toBe('pass');
  });
});
