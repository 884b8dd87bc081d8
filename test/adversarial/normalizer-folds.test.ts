/**
 * A normaliser applies to both sides, so one that maps two values the user did not mean to
 * equate to one text passes a check that must fail. Two such folds, each once a wrong pass:
 * - `{ time_zone: NAME }` printed wall-clock time without its offset, so the two instants a DST
 *   fall-back gives one local time (05:30Z and 06:30Z are both 01:30 in New York on 2024-11-03)
 *   were one text, and a migration that moved values by the hour in that hour passed;
 * - `lower`, `upper`, `trim` and `collapse_whitespace` over the text of a json(b), array,
 *   composite or range value in column_parity and table_diff folded member names and structure
 *   with the values: `{"Email": "a"}` equalled `{"email": "a"}`.
 * Every case runs on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** [zone, old instant, new instant]: two instants one wall-clock time names (fall-back folds). */
const FOLDS: [string, string, string][] = [
  ['America/New_York', '2024-11-03 05:30:00+00', '2024-11-03 06:30:00+00'],
  ['Europe/Berlin', '2024-10-27 00:30:00+00', '2024-10-27 01:30:00+00'],
  ['Australia/Lord_Howe', '2024-04-06 14:45:00+00', '2024-04-06 15:15:00+00'],
  ['Europe/Dublin', '2024-10-27 00:59:59.5+00', '2024-10-27 01:59:59.5+00'],
];

describe.each(engines)('normalisers that folded different values on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table tz_fold (id int primary key, zone text, o timestamptz, n timestamptz, ot text, nt text);
      create table tz_old (id int primary key, v timestamptz);
      create table tz_new (id int primary key, v timestamptz);
      create domain normalizer_folds_doc as jsonb;
      create type normalizer_folds_pair as (label text, doc jsonb);
      create table doc_fold (id int primary key, oj jsonb, nj jsonb, ojs json, njs json, oa text[], na text[], oja jsonb[], nja jsonb[],
        od normalizer_folds_doc, nd normalizer_folds_doc, oc normalizer_folds_pair, nc normalizer_folds_pair, otext text, ntext text);
      insert into doc_fold values
        (1, '{"Email": "a"}', '{"email": "a"}', '{"Email": "a"}', '{"email": "a"}', '{Ab}', '{ab}', array['{"Email": 1}'::jsonb], array['{"email": 1}'::jsonb],
          '{"Email": "a"}', '{"email": "a"}', row('x', '{"Email": 1}'), row('x', '{"email": 1}'), 'Same', 'same'),
        (2, '{"first  name": "a"}', '{"first name": "a"}', '{"first  name": "a"}', '{"first name": "a"}', '{x}', '{x}', array['{}'::jsonb], array['{}'::jsonb],
          '{"a b": 1}', '{"a  b": 1}', row('x', '{}'), row('x', '{}'), 'x', 'x');
      create table doc_old (id int primary key, doc jsonb, note text);
      create table doc_new (id int primary key, doc jsonb, note text);
      insert into doc_old values (1, '{"Email": "a"}', 'A'), (2, '{"b": "x"}', 'B');
      insert into doc_new values (1, '{"email": "a"}', 'a'), (2, '{"b": "x"}', 'b');`);
    for (const [i, [zone, o, n]] of FOLDS.entries()) {
      await db.exec(`insert into tz_fold values (${i + 1}, '${zone}', '${o}', '${n}', '${o}', '${n}');
        insert into tz_old values (${i + 1}, '${o}'); insert into tz_new values (${i + 1}, '${n}');`);
    }
  });
  afterAll(() => db.close());

  describe('time_zone keeps the two instants of a fall-back hour apart', () => {
    it('the trap is armed: each pair is two instants with one local time', async () => {
      for (const [zone, o, n] of FOLDS) {
        const [row] = await db.exec(`select ('${o}'::timestamptz <> '${n}'::timestamptz) as differ,
          (timezone('${zone}', '${o}'::timestamptz) = timezone('${zone}', '${n}'::timestamptz)) as same_local`);
        expect([zone, row]).toEqual([zone, { differ: true, same_local: true }]);
      }
    });

    it('column_parity fails them, timestamptz or text, alone or chained', async () => {
      for (const [i, [zone]] of FOLDS.entries()) {
        for (const [o, n] of [['o', 'n'], ['ot', 'nt']]) {
          for (const chain of [`[{ time_zone: ${zone} }]`, `[{ time_zone: ${zone} }, { timestamp_precision: s }]`, `[{ timestamp_precision: ms }, { time_zone: ${zone} }, trim]`]) {
            const result = await runCheck(db, `checks:
  - { id: tz, kind: column_parity, source: app, table: tz_fold, key: [id], old: ${o}, new: ${n}, where: "id = ${i + 1}", normalize: ${chain} }
`);
            expect([zone, o, chain, result.status]).toEqual([zone, o, chain, 'fail']);
          }
        }
      }
    });

    it('the join form and table_diff fail them', async () => {
      for (const [i, [zone]] of FOLDS.entries()) {
        const join = await runCheck(db, `checks:
  - { id: tz, kind: column_parity, source: app, key: [id], old: { table: tz_old, expr: v, where: "id = ${i + 1}" }, new: { table: tz_new, expr: v, where: "id = ${i + 1}" }, normalize: [{ time_zone: ${zone} }] }
`);
        expect([zone, join.status]).toEqual([zone, 'fail']);
        const diff = await runCheck(db, `checks:
  - id: tz
    kind: table_diff
    key: [id]
    old: { source: app, table: tz_old, where: "id = ${i + 1}" }
    new: { source: app, table: tz_new, where: "id = ${i + 1}" }
    normalize: { v: [{ time_zone: ${zone} }] }
`);
        expect([zone, diff.status]).toEqual([zone, 'fail']);
      }
    });

    it('still passes one instant written in two offsets', async () => {
      // The instant written again in another offset, as a column of its own (a value computed from
      // the column it is compared with is refused: self-comparison-own-columns.test.ts).
      await db.exec(`alter table tz_fold add column if not exists kathmandu text;
        update tz_fold set kathmandu = (o at time zone 'Asia/Kathmandu')::text || '+05:45'`);
      const result = await runCheck(db, `checks:
  - { id: tz, kind: column_parity, source: app, table: tz_fold, key: [id], old: o, new: kathmandu, normalize: [{ time_zone: America/New_York }] }
`);
      expect(result.status).toBe('pass');
    });
  });

  describe('a normaliser never hides a real where the other side holds a double', () => {
    // Composites, ranges and arrays holding a real print it as a double prints (0.1), so they are
    // refused without a normaliser (container-float-widths.test.ts); under one they were compared
    // by their (tagged) text and passed.
    const CASES: [string, string, string, string][] = [
      ['normalizer_folds_p8', 'normalizer_folds_p4', '(0.1)', '[{ numeric_scale: 2 }]'],
      ['normalizer_folds_p8', 'normalizer_folds_p4', '(0.1)', '[empty_as_null]'],
      ['normalizer_folds_p8[]', 'normalizer_folds_p4[]', '{"(0.1)"}', '[{ timestamp_precision: s }]'],
      ['double precision[]', 'real[]', '{0.1}', '[{ numeric_scale: 30 }]'],
      ['double precision[]', 'real[]', '{0.1}', '[empty_as_null]'],
    ];
    beforeAll(async () => {
      await db.exec(`create type normalizer_folds_p8 as (x double precision); create type normalizer_folds_p4 as (x real)`);
      for (const [i, [oldType, newType, value]] of CASES.entries()) {
        await db.exec(`create table fw_${i} (id int primary key, o ${oldType}, n ${newType}); insert into fw_${i} values (1, '${value}', '${value}');
          create table fw_old_${i} (id int primary key, v ${oldType}); insert into fw_old_${i} values (1, '${value}');
          create table fw_new_${i} (id int primary key, v ${newType}); insert into fw_new_${i} values (1, '${value}');`);
      }
    });

    it('column_parity (both forms) and table_diff refuse them', async () => {
      const seen = [];
      for (const [i, [oldType, newType, , chain]] of CASES.entries()) {
        const same = await runCheck(db, `checks:
  - { id: fw, kind: column_parity, source: app, table: fw_${i}, key: [id], old: o, new: n, normalize: ${chain} }
`);
        const join = await runCheck(db, `checks:
  - { id: fw, kind: column_parity, source: app, key: [id], old: { table: fw_old_${i}, expr: v }, new: { table: fw_new_${i}, expr: v }, normalize: ${chain} }
`);
        const diff = await runCheck(db, `checks:
  - { id: fw, kind: table_diff, key: [id], old: { source: app, table: fw_old_${i} }, new: { source: app, table: fw_new_${i} }, normalize: { v: ${chain} } }
`);
        seen.push([oldType, newType, chain, same.error?.code, join.error?.code, diff.error?.code]);
      }
      expect(seen).toEqual(CASES.map(([o, n, , chain]) => [o, n, chain, 'float_widths_differ', 'float_widths_differ', 'float_widths_differ']));
    });

    it('still compares two scalar floats under numeric_scale', async () => {
      await db.exec(`create table fw_scalar (id int primary key, o double precision, n real); insert into fw_scalar values (1, 0.1, 0.1)`);
      const result = await runCheck(db, `checks:
  - { id: fw, kind: column_parity, source: app, table: fw_scalar, key: [id], old: o, new: n, normalize: [{ numeric_scale: 2 }] }
`);
      expect(result.status).toBe('pass');
    });
  });

  describe('a text normaliser never folds a container', () => {
    const CONTAINERS: [string, string, string][] = [
      ['oj', 'nj', 'lower'], ['oj', 'nj', 'upper'], ['ojs', 'njs', 'lower'], ['oj', 'nj', 'collapse_whitespace'], ['ojs', 'njs', 'collapse_whitespace'],
      ['oja', 'nja', 'lower'], ['od', 'nd', 'lower'], ['od', 'nd', 'collapse_whitespace'], ['oc', 'nc', 'lower'],
      ['oj', 'nj', 'trim'], ['row(oj)', 'row(nj)', 'lower'], ['oj', 'nj', '{ numeric_scale: 2 }, lower'], ['oj', 'nj', 'empty_as_null, upper'],
    ];

    it('column_parity refuses it (same-table form)', async () => {
      for (const [o, n, chain] of CONTAINERS) {
        // Row 1 differs in case only, row 2 in whitespace only: each fold once passed its row.
        const row = chain.includes('collapse_whitespace') ? 2 : 1;
        const result = await runCheck(db, `checks:
  - { id: doc, kind: column_parity, source: app, table: doc_fold, key: [id], old: "${o}", new: "${n}", where: "id = ${row}", normalize: [${chain}] }
`);
        expect([o, chain, result.status, result.error?.code]).toEqual([o, chain, 'error', 'normalizer_on_container']);
      }
    });

    it('column_parity refuses it (join form), on either side', async () => {
      for (const [o, n] of [['doc', 'doc'], ['doc', 'doc::text'], ['doc::text', 'doc']]) {
        const result = await runCheck(db, `checks:
  - { id: doc, kind: column_parity, source: app, key: [id], old: { table: doc_old, expr: "${o}", where: "id = 1" }, new: { table: doc_new, expr: "${n}", where: "id = 1" }, normalize: [lower] }
`);
        expect([o, n, result.status, result.error?.code]).toEqual([o, n, 'error', 'normalizer_on_container']);
      }
    });

    it('table_diff refuses it, named or every column', async () => {
      const named = await runCheck(db, `checks:
  - id: doc
    kind: table_diff
    key: [id]
    old: { source: app, table: doc_old }
    new: { source: app, table: doc_new }
    normalize: { doc: [lower], note: [lower] }
`);
      expect([named.status, named.error?.code]).toEqual(['error', 'normalizer_on_container']);
      expect(named.error?.message).toContain('doc');
      const columns = await runCheck(db, `checks:
  - id: doc
    kind: table_diff
    key: [id]
    old: { source: app, table: doc_old }
    new: { source: app, table: doc_new }
    columns: { doc: "doc", note: "note" }
    normalize: { doc: [collapse_whitespace, upper], note: [lower] }
`);
      expect([columns.status, columns.error?.code]).toEqual(['error', 'normalizer_on_container']);
    });

    it('refuses extension types whose text it cannot know (hstore), not text-like ones (citext, enums)', async () => {
      if (engine !== 'postgres') return; // PGlite loads no extension here
      await db.exec(`create extension if not exists hstore; create extension if not exists citext;
        create type normalizer_folds_mood as enum ('Happy', 'happy');
        create table ext_fold (id int primary key, oh hstore, nh hstore, oc citext, nc citext, oe normalizer_folds_mood, ne normalizer_folds_mood);
        insert into ext_fold values (1, '"Email"=>"a"', '"email"=>"a"', 'Abc', 'abc', 'Happy', 'happy')`);
      const seen = [];
      for (const [o, n] of [['oh', 'nh'], ['oc', 'nc'], ['oe', 'ne'], ['oh::text', 'nh']]) {
        const result = await runCheck(db, `checks:
  - { id: ext, kind: column_parity, source: app, table: ext_fold, key: [id], old: "${o}", new: "${n}", normalize: [lower] }
`);
        seen.push([o, n, result.status, result.error?.code]);
      }
      expect(seen).toEqual([
        ['oh', 'nh', 'error', 'normalizer_on_container'], ['oc', 'nc', 'pass', undefined], ['oe', 'ne', 'pass', undefined],
        ['oh::text', 'nh', 'error', 'normalizer_on_container'],
      ]);
    });

    it('still folds text, and still compares containers without a text normaliser', async () => {
      const text = await runCheck(db, `checks:
  - { id: doc, kind: column_parity, source: app, table: doc_fold, key: [id], old: otext, new: ntext, normalize: [lower] }
`);
      expect(text.status).toBe('pass');
      const plain = await runCheck(db, `checks:
  - { id: doc, kind: column_parity, source: app, table: doc_fold, key: [id], old: oj, new: nj, normalize: [{ numeric_scale: 2 }] }
`);
      expect(plain.status).toBe('fail');
      const leaves = await runCheck(db, `checks:
  - { id: doc, kind: column_parity, source: app, table: doc_fold, key: [id], old: "oj->>'Email'", new: "nj->>'email'", where: "id = 1", normalize: [lower] }
`);
      expect(leaves.status).toBe('pass');
      const diff = await runCheck(db, `checks:
  - id: doc
    kind: table_diff
    key: [id]
    old: { source: app, table: doc_old }
    new: { source: app, table: doc_new }
    normalize: { note: [lower] }
`);
      expect([diff.status, diff.observations.changed]).toEqual(['fail', 1]);
    });
  });
});
