import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { relationsOf, replaceSpans, viewAsSubselect } from '../../src/sql/query-as-run.js';
import {
  BASE_ROUNDS, candidateValues, fullSamplesOf, mayBeNull, queryReadsOf, roundRows, roundsFor, rowCountsOf, tableRowsSql, type Pool, type WitnessColumn,
} from '../../src/sql/data-witness.js';

beforeAll(() => loadSqlParser());

const column = (name: string, type: string, category: string, notNull = false): WitnessColumn => ({ name, type, category, notNull, labels: [] });
const ORDERS = [column('id', 'integer', 'N', true), column('total', 'numeric', 'N'), column('s', 'text', 'S')];

describe('what a query reads', () => {
  it('names its functions, operators, system columns and constants', () => {
    const reads = queryReadsOf("select o.ctid, f(x) from t o where x is null and y > 2.5 and s = 'a' and b = true and lower(s) ~ 'x'")!;
    expect(reads.functions).toEqual(['f', 'lower']);
    expect(reads.operators).toEqual(expect.arrayContaining(['>', '=', '~']));
    expect(reads.systemColumns).toEqual(['ctid']);
    expect(reads.constants).toEqual(['2.5', 'a', 'true', 'x']);
  });

  it('names the WITH queries it defines, and reads nothing from text that does not parse', () => {
    expect([...queryReadsOf('with w as (select 1) select * from w')!.cteNames]).toEqual(['w']);
    expect(queryReadsOf('select from')).toBeUndefined();
  });
});

describe('pools', () => {
  it('keeps integers within their type, and gives floats and numerics NaN and the infinities', () => {
    const ints = candidateValues(column('n', 'integer', 'N'), ['7'], ['2147483647', '1.5']);
    expect(ints).toEqual(expect.arrayContaining(['7', '2147483647', '2147483646', '-2147483648', '0']));
    expect(ints).not.toContain('2147483648');
    expect(ints).not.toContain('1.5');
    expect(candidateValues(column('f', 'double precision', 'N'), [], [])).toEqual(expect.arrayContaining(['NaN', 'Infinity', '-Infinity']));
  });

  it('puts sampled values first, then constants and their neighbours, then the extremes', () => {
    const text = candidateValues(column('s', 'text', 'S'), ['ab'], ['a']);
    expect(text.slice(0, 2)).toEqual(['ab', 'a']);
    expect(text).toEqual(expect.arrayContaining(['ax', 'A', '', ' ']));
    expect(candidateValues({ ...column('m', 'mood', 'E'), labels: ['sad', 'ok'] }, [], [])).toEqual(['sad', 'ok']);
  });

  it('leaves NULL out of a NOT NULL column unless the query tests it for NULL', () => {
    expect(mayBeNull(column('id', 'integer', 'N', true), new Set())).toBe(false);
    expect(mayBeNull(column('id', 'integer', 'N', true), new Set(['id']))).toBe(true);
    expect(mayBeNull(column('x', 'integer', 'N'), new Set())).toBe(true);
  });

  it('tries the row counts the query names, and one past max_rows', () => {
    expect(rowCountsOf(['5', 'a', '1.5'])).toEqual([4, 5, 6]);
    expect(rowCountsOf(['1000'], 101)).toEqual([101, 999, 1000, 1001]);
    expect(rowCountsOf(['99999999'])).toEqual([]);
    expect(roundsFor([4, 5, 6])).toBe(BASE_ROUNDS + 9);
  });
});

describe('rounds', () => {
  const pools: Pool[] = [{ values: ['1', '2'], nullable: false }, { values: ['-1', '1'], nullable: true }];

  it('leaves every table empty in round 0, and draws the same rows on every run', () => {
    expect(roundRows(0, [pools, pools])).toEqual([{ rows: [], repeat: 1 }, { rows: [], repeat: 1 }]);
    for (let round = 1; round < BASE_ROUNDS; round++) expect(roundRows(round, [pools])).toEqual(roundRows(round, [pools]));
  });

  it('sweeps every value of a pool, NULL too where allowed', () => {
    const seen = new Set<string | null>();
    for (let round = 1; round < BASE_ROUNDS; round += 2) for (const row of roundRows(round, [pools])[0]!.rows) seen.add(row[1]!);
    expect(seen).toEqual(new Set(['-1', '1', null]));
  });

  it('never gives a NOT NULL column NULL', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), (round) => roundRows(round, [pools], [7]).every((t) => t.rows.every((row) => row[0] !== null))));
  });

  it('repeats one row to each count past the base rounds', () => {
    const [table] = roundRows(BASE_ROUNDS + 1, [pools], [7]);
    expect(table).toEqual({ rows: [['2', '1']], repeat: 7 });
  });
});

describe('generated rows in place of a table', () => {
  const parses = (text: string) => expect(parseSql(text).kind).toBe('parsed');

  it('spells rows, no rows and repeated rows as a select of the same columns', () => {
    const some = tableRowsSql(ORDERS, { rows: [['1', null, "it's"]], repeat: 1 });
    expect(some).toBe(`select parity_w.* from (values ('1'::integer, null::numeric, 'it''s'::text)) as parity_w("id", "total", "s")`);
    const none = tableRowsSql(ORDERS, { rows: [], repeat: 1 });
    expect(none).toMatch(/ where false$/);
    const many = tableRowsSql(ORDERS, { rows: [['1', '2', 'x']], repeat: 3 });
    expect(many).toMatch(/cross join pg_catalog\.generate_series\(1, 3\)/);
    for (const text of [some, none, many, tableRowsSql([], { rows: [[]], repeat: 2 })]) parses(text);
  });

  it('computes a stored generated column from the row, never draws it', () => {
    const columns = [column('a', 'integer', 'N'), { ...column('g', 'integer', 'N'), generated: '(a * 2)' }];
    const text = tableRowsSql(columns, { rows: [['3', '5']], repeat: 1 });
    expect(text).toBe(`select parity_w."a", ((a * 2))::integer as "g" from (values ('3'::integer, null::integer)) as parity_w("a", "g")`);
    parses(text);
  });

  it('replaces every reference to a table, keeping its alias, in sub-selects and set-op arms', () => {
    const query = 'select o.id from orders o where not exists (select 1 from orders u where u.id = o.id) union select id from public.orders';
    const rows = tableRowsSql(ORDERS, { rows: [['1', '2', 'x']], repeat: 1 });
    const text = replaceSpans(query, relationsOf(query).map((relation) => viewAsSubselect(relation, rows, 'orders')));
    parses(text);
    expect(text.match(/\(values /g)).toHaveLength(3);
    expect(text).toContain(')  o where');
    expect(text).toContain(')  u where');
    expect(text).toMatch(/\) as "orders"$/);
  });

  it('cuts a TABLESAMPLE that keeps every row, and refuses one that keeps some', () => {
    const query = 'select x from t as a tablesample system (100) repeatable (1) where x > 0';
    const full = fullSamplesOf(query);
    expect(full.partial).toBe(false);
    expect(replaceSpans(query, full.spans)).toBe('select x from t as a   where x > 0');
    expect(fullSamplesOf('select x from t tablesample bernoulli (50)').partial).toBe(true);
    expect(fullSamplesOf('select x from t').spans).toEqual([]);
  });
});
