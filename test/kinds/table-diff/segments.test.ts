/**
 * table_diff in key-range segments, against the rows that could slip between segments: keys on
 * new beyond old's last key or before its first, NULL keys (in no range), sides that order keys
 * differently (collation, key type) — none may pass wrongly. Plus the pure checkpoint codec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../../support/databases.js';
import { runCheck } from '../../support/run-check.js';
import { compile } from '../../../src/sql/build.js';
import { AUTO_SEGMENT_FROM_ROWS, AUTO_SEGMENT_ROWS, KEY_ORDER_PROBE, keyOrderProbeFor, planKeyCorrelation, planSegmentEnd, restoreTally, segmentSide, segmentProgress, segmentRowsFor } from '../../../src/kinds/table-diff/segments.js';
import type { DiffTally } from '../../../src/kinds/table-diff/verdict.js';

const diffYaml = (key: string, extra = '') => `checks:
  - id: d
    kind: table_diff
    key: [${key}]
    old: { source: app, table: t_old }
    new: { source: app, table: t_new }
    sample: 50
    segment_rows: 10
${extra}`;

describe.each(engines)('segmented table_diff on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  async function tables(columns: string, oldRows: string, newRows: string) {
    await db.exec(`drop table if exists t_old; drop table if exists t_new; create table t_old (${columns}); create table t_new (${columns})`);
    await db.exec(`insert into t_old ${oldRows}`);
    await db.exec(`insert into t_new ${newRows}`);
  }

  it('passes when equal, in more segments than one', async () => {
    await tables('id int primary key, v text', 'select g, md5(g::text) from generate_series(1, 95) g', 'select g, md5(g::text) from generate_series(1, 95) g');
    const result = await runCheck(db, diffYaml('id'));
    expect(result).toMatchObject({ status: 'pass', observations: { old_rows: 95, new_rows: 95, mismatches: 0 } });
    expect(result.observations.passes).toBeGreaterThanOrEqual(10);
  });

  it('counts rows on new beyond old\'s last key and before its first (the open end segments)', async () => {
    await tables('id int primary key, v text', 'select g, md5(g::text) from generate_series(1, 95) g',
      'select g, md5(g::text) from generate_series(-4, 95) g union all select g, md5(g::text) from generate_series(1000, 1006) g');
    const result = await runCheck(db, diffYaml('id'));
    expect(result).toMatchObject({ status: 'fail', observations: { old_rows: 95, new_rows: 107, missing_in_old: 12, missing_in_new: 0, changed: 0 } });
    expect(result.samples.map((s) => Number(s.key.id)).sort((a, b) => a - b)).toEqual([-4, -3, -2, -1, 0, 1000, 1001, 1002, 1003, 1004, 1005, 1006]);
  });

  it('an empty old side leaves one open segment: every new row is missing in old', async () => {
    await tables('id int primary key, v text', 'select 1, 1::text where false', 'select g, g::text from generate_series(1, 30) g');
    expect(await runCheck(db, diffYaml('id', '    min_rows: 0'))).toMatchObject({ status: 'fail', observations: { old_rows: 0, new_rows: 30, missing_in_old: 30 } });
  });

  it('a NULL key on either side is an error, never a pass (counted apart: it is in no key range)', async () => {
    await tables('id int, v text', 'select g, g::text from generate_series(1, 50) g', 'select g, g::text from generate_series(1, 50) g union all select null, \'x\'');
    const result = await runCheck(db, diffYaml('id'));
    expect(result).toMatchObject({ status: 'error', error: { code: 'null_key' }, observations: { null_key_rows_old: 0, null_key_rows_new: 1 } });
  });

  it('a composite key with a NULL part equal to a boundary is still an error', async () => {
    // (5, NULL) compares neither <= (5, 'x') nor > it: a row comparison alone would skip it.
    await tables('a int, b text', "select g / 3, 'x' || g from generate_series(0, 59) g", "select g / 3, 'x' || g from generate_series(0, 59) g union all select 5, null");
    const result = await runCheck(db, diffYaml('a, b'));
    expect(result).toMatchObject({ status: 'error', error: { code: 'null_key' }, observations: { null_key_rows_new: 1 } });
  });

  it('a key repeated on one side is an error inside a segment', async () => {
    await tables('id int, v text', 'select g, g::text from generate_series(1, 50) g', "select g, g::text from generate_series(1, 50) g union all select 17, 'dup'");
    expect(await runCheck(db, diffYaml('id'))).toMatchObject({ status: 'error', error: { code: 'duplicate_key' } });
  });

  it('sides ordering keys differently (text on old, integer on new) is "could not verify", not a pass', async () => {
    await db.exec('drop table if exists t_old; drop table if exists t_new; create table t_old (id text primary key, v int); create table t_new (id int primary key, v int)');
    await db.exec('insert into t_old select g::text, g from generate_series(1, 100) g; insert into t_new select g, g from generate_series(1, 100) g');
    expect(await runCheck(db, diffYaml('id'))).toMatchObject({ status: 'error', error: { code: 'key_order_differs' } });
    // In one pass the key order does not matter (buckets hash the key text): the same data passes.
    expect(await runCheck(db, diffYaml('id').replace('segment_rows: 10', 'segment_rows: 0'))).toMatchObject({ status: 'pass' });
  });

  // The grammar reads `character` and `bit` without a length as length 1: bounds cast to the key
  // type as pg_typeof names it were truncated ('k00012' became 'k'), and every run was key_order_differs.
  it.each([
    ['character(6)', "'k' || lpad(g::text, 5, '0')"],
    ['bit(12)', 'g::bit(12)'],
    ['character(3)[]', "array['a' || g::text]"],
  ])('segments over a %s key: equal sides pass, a changed last row fails', async (type, value) => {
    await tables(`k ${type} primary key, v int`, `select ${value}, g from generate_series(1, 95) g`, `select ${value}, g from generate_series(1, 95) g`);
    const equal = await runCheck(db, diffYaml('k'));
    expect(equal, equal.error?.message).toMatchObject({ status: 'pass', observations: { old_rows: 95, new_rows: 95, mismatches: 0 } });
    expect(equal.observations.passes).toBeGreaterThanOrEqual(10);
    await db.exec('update t_new set v = -1 where v = 95');
    const changed = await runCheck(db, diffYaml('k'));
    expect(changed, changed.error?.message).toMatchObject({ status: 'fail', observations: { changed: 1 } });
  });

  it('reads the planner\'s key correlation: none before ANALYZE, about 1 for a table filled in key order', async () => {
    await tables('id int primary key, v text', 'select g, g::text from generate_series(1, 500) g', 'select g, g::text from generate_series(1, 500) g');
    const side = { source: 'app', table: { name: 't_old' }, keys: [], values: [] };
    const read = async () => {
      const { text, params } = compile(planKeyCorrelation(side, 'id'));
      return (await db.exec(text, params as unknown[]))[0]?.correlation;
    };
    expect(await read()).toBeUndefined();
    await db.exec('analyze t_old');
    expect(Number(await read())).toBeGreaterThan(0.99);
  });

  it('stops early in segments only as a failure with lower bounds', async () => {
    await tables('id int primary key, v text', 'select g, g::text from generate_series(1, 200) g', "select g, case when g % 10 = 0 then 'x' else g::text end from generate_series(1, 200) g");
    const result = await runCheck(db, diffYaml('id', '    stop_after: 3'));
    expect(result).toMatchObject({ status: 'fail', observations: { counts_are_lower_bounds: true } });
    expect(result.observations.changed).toBeLessThan(20);
    expect(result.observations.old_rows).toBeLessThan(200);
  });

  it('never stops before both sides reach min_rows: too few rows stays an error', async () => {
    await tables('id int primary key, v text', 'select g, g::text from generate_series(1, 200) g', "select g, case when g % 10 = 0 then 'x' else g::text end from generate_series(1, 200) g");
    const result = await runCheck(db, diffYaml('id', '    stop_after: 3\n    min_rows: 500'));
    expect(result).toMatchObject({ status: 'error', error: { code: 'scope_too_small' }, observations: { old_rows: 200 } });
  });
});

describeOnPostgres('segmented table_diff between collations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(() => db.close());

  it('text keys ordered by "C" on old and ICU on new: segment_rows is "could not verify", never a pass', async () => {
    await db.exec(`create table t_old (id text collate "C" primary key, v int); create table t_new (id text collate "und-x-icu" primary key, v int)`);
    const keys = "select k || g, g from generate_series(1, 40) g, unnest(array['a', 'B', 'c', 'D', 'é', 'Z']) k";
    await db.exec(`insert into t_old ${keys}; insert into t_new ${keys}`);
    const equal = await runCheck(db, diffYaml('id'));
    expect(equal).toMatchObject({ status: 'error', error: { code: 'key_order_differs' } });
    expect(equal.error!.message).toMatch(/collation "C" on old, "und-x-icu" on new/);
    // One row really differs: still never a pass.
    await db.exec(`update t_new set v = -1 where id = 'c7'`);
    expect((await runCheck(db, diffYaml('id'))).status).toBe('error');
    // Unsegmented, the collations do not matter: the one change is found.
    expect(await runCheck(db, diffYaml('id').replace('segment_rows: 10', 'segment_rows: 0'))).toMatchObject({ status: 'fail', observations: { changed: 1, mismatches: 1 } });
  });

  it('past the boundary probe (same collation name, other order), key ranges still never pass wrongly', async () => {
    // A domain hides the collation from the probe: the segment boundaries are then checked pair by
    // pair, and rows landing in different segments on the two sides can only show as differences.
    await db.exec(`drop table t_old, t_new; create domain icu_text as text collate "und-x-icu";
      create table t_old (id text collate "C" primary key, v int); create table t_new (id icu_text primary key, v int)`);
    const keys = "select k || g, g from generate_series(1, 40) g, unnest(array['a', 'B', 'c', 'D', 'é', 'Z']) k";
    await db.exec(`insert into t_old ${keys}; insert into t_new ${keys}`);
    const result = await runCheck(db, diffYaml('id'));
    expect(result.status).not.toBe('pass');
    expect(result.status === 'fail' || result.error?.code === 'key_order_differs').toBe(true);
  });
});

describe('segments (pure)', () => {
  it('plans half-open key ranges with bound, cast values and boundaries that skip NULL keys', () => {
    const side = { source: 'app', table: { schema: 'billing', name: 'Payments' }, where: 'amount > 0', keys: [], values: [] };
    const key = [{ name: 'region', type: 'integer' }, { name: 'handle', type: 'text' }];
    const end = compile(planSegmentEnd(side, key, ['3', 'x'], 500));
    expect(end.text).toContain('"region" is not null and "handle" is not null and ("region", "handle") > ($1::integer, $2::text)');
    expect(end.text).toMatch(/order by "region", "handle" offset \$3 limit 1$/);
    expect(end.params).toEqual(['3', 'x', 499]);
    const ranged = segmentSide(side, key, ['3', 'x'], ['9', 'y']);
    expect(compile(ranged.range!).text).toBe('("region", "handle") > ($1::integer, $2::text) and ("region", "handle") <= ($3::integer, $4::text)');
    // Both ends open: the whole side, no predicate at all.
    expect(segmentSide(side, key, undefined, undefined)).toBe(side);
    expect(() => segmentSide(side, [{ name: 'id', type: 'int; drop table x' }], ['1'], undefined)).toThrow(/unsupported key type/);
  });

  it('segments only when asked, or for big tables stored in key order on both sides', () => {
    expect(segmentRowsFor(undefined, undefined, [1, 1])).toBeUndefined();
    expect(segmentRowsFor(undefined, AUTO_SEGMENT_FROM_ROWS - 1, [1, 1])).toBeUndefined();
    expect(segmentRowsFor(undefined, AUTO_SEGMENT_FROM_ROWS, [1, -0.95])).toBe(AUTO_SEGMENT_ROWS);
    // A heap in random key order (or never analyzed): every segment's range scan would touch the whole table.
    expect(segmentRowsFor(undefined, AUTO_SEGMENT_FROM_ROWS, [1, 0.3])).toBeUndefined();
    expect(segmentRowsFor(undefined, AUTO_SEGMENT_FROM_ROWS, [1, undefined])).toBeUndefined();
    expect(segmentRowsFor(undefined, AUTO_SEGMENT_FROM_ROWS)).toBeUndefined();
    expect(segmentRowsFor(0, 1e9, [1, 1])).toBeUndefined();
    expect(segmentRowsFor(500, 10)).toBe(500);
  });

  const tally: DiffTally = {
    oldRows: 10, newRows: 11, missingInNew: 1, missingInOld: 2, changed: 3, changedByColumn: [2, 1], changedUnattributed: 0,
    keys: { missingInNew: [['4']], missingInOld: [['20'], ['21']], changed: [{ parts: ['5'], columns: [0] }] },
    rows: { old: new Map(), new: new Map() }, rowsTransferred: 40, passes: 6, bucketBits: 9, rowHash: 'fast',
  };
  const key = [{ name: 'id', type: 'integer' }];
  const expected = { key, columns: ['a', 'b'], rowHash: 'fast' as const, sample: 5 };
  const recorded = (progress = segmentProgress(key, ['10'], tally, ['a', 'b'], 2, 5)) => ({ ...progress, fromRun: 'r', since: new Date() });

  it('restores exactly what it recorded', () => {
    const { rows: _rows, rowHash: _mode, ...counted } = tally;
    expect(restoreTally(JSON.parse(JSON.stringify(recorded())) as ReturnType<typeof recorded>, expected)).toEqual(counted);
  });

  it('refuses progress of another question or a damaged record', () => {
    expect(restoreTally(recorded(), { ...expected, rowHash: 'sha256' })).toBeUndefined();
    expect(restoreTally(recorded(), { ...expected, columns: ['a', 'c'] })).toBeUndefined();
    expect(restoreTally(recorded(), { ...expected, key: [{ name: 'id', type: 'bigint' }] })).toBeUndefined();
    expect(restoreTally(recorded(), { ...expected, sample: 1 })).toBeUndefined();
    expect(restoreTally({ ...recorded(), counts: { ...recorded().counts, changed: -1 } }, expected)).toBeUndefined();
    expect(restoreTally({ ...recorded(), state: { columns: ['a', 'b'] } }, expected)).toBeUndefined();
    expect(restoreTally({ ...recorded(), state: undefined }, expected)).toBeUndefined();
  });
});

describe('key order probe texts', () => {
  it('keeps only texts every server encoding holds, and ASCII for an encoding not known', () => {
    expect(keyOrderProbeFor(['UTF8', 'UTF8'])).toEqual(KEY_ORDER_PROBE);
    expect(keyOrderProbeFor(['UTF8', 'SQL_ASCII'])).toEqual(KEY_ORDER_PROBE);
    expect(keyOrderProbeFor(['UTF8', 'LATIN1'])).toEqual(KEY_ORDER_PROBE.filter((t) => t !== 'Ω'));
    expect(keyOrderProbeFor(['LATIN1', 'WIN1251'])).toEqual(KEY_ORDER_PROBE.filter((t) => /^[\x00-\x7f]*$/.test(t)));
  });
});

describeOnPostgres('segmented table_diff with a text key in a LATIN1 database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres', { template: "template0 encoding 'LATIN1' lc_collate 'C' lc_ctype 'C'" });
    await db.exec(`create table t_old (id text primary key, v int); create table t_new (id text primary key, v int);
      insert into t_old select 'k' || g, g from generate_series(1, 40) g; insert into t_new select 'k' || g, g from generate_series(1, 40) g;`);
  });
  afterAll(() => db?.close());

  it('probes the key order with texts LATIN1 holds, and diffs', async () => {
    // The probe held Ω, which LATIN1 cannot hold: every segmented run was an error.
    expect(await runCheck(db, diffYaml('id'))).toMatchObject({ status: 'pass' });
    await db.exec(`update t_new set v = -1 where id = 'k7'`);
    expect(await runCheck(db, diffYaml('id'))).toMatchObject({ status: 'fail', observations: { changed: 1 } });
  });
});
