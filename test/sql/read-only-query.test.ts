import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { checkReadOnlyQuery } from '../../src/sql/read-only-guard.js';
import { attributeForms, callOf, DENIED_NAMES, QUERY_PLACEMENTS, spellings } from './variants.js';

beforeAll(loadSqlParser);

/**
 * The variants the guard did not refuse for the expected reason, so a failure names them. A
 * syntax error would also refuse, but would prove nothing about the rule under test.
 */
function notRefusedFor(reason: RegExp, texts: Iterable<string>): string[] {
  return [...texts].filter((text) => !checkReadOnlyQuery(text).some((problem) => reason.test(problem.message)));
}

describe('checkReadOnlyQuery refuses denied functions as a class', () => {
  it('refuses every deny-list name in every spelling and every placement', () => {
    const variants = DENIED_NAMES.flatMap((name) =>
      spellings(name).flatMap((spelling) => QUERY_PLACEMENTS.map((place) => place(callOf(spelling)))),
    );
    expect(variants.length).toBeGreaterThan(10_000);
    expect(notRefusedFor(/^calls /, variants)).toEqual([]);
  });

  it('refuses every deny-list name reached through attribute notation', () => {
    const variants = DENIED_NAMES.flatMap((name) => attributeForms(name).map((form) => `select ${form} from t`));
    expect(notRefusedFor(/^calls .* through attribute notation/, variants)).toEqual([]);
  });

  it('names the function and the reason', () => {
    expect(checkReadOnlyQuery("select * from pg_catalog.pg_read_file('/etc/passwd')")).toEqual([
      { message: 'calls pg_catalog.pg_read_file (reads server files outside the database)', offset: 14 },
    ]);
    expect(checkReadOnlyQuery("select dblink_exec('c', 'insert into t values (1)')")[0]?.message).toMatch(/^calls dblink_exec \(runs SQL through another connection/);
  });

  it('refuses a denied call however deeply nested', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DENIED_NAMES), fc.array(fc.nat(QUERY_PLACEMENTS.length - 1), { minLength: 1, maxLength: 4 }), (name, path) => {
        // Each level hides the previous query in a scalar subquery passed to an innocent function,
        // which fits every placement (FROM included), so the call sinks several levels deep.
        let text = `select ${callOf(name)}`;
        for (const index of path) text = (QUERY_PLACEMENTS[index] as (call: string) => string)(`coalesce((${text}), null)`);
        expect(notRefusedFor(/^calls /, [text])).toEqual([]);
      }),
    );
  });

  it('refuses a quoted upper-case name too: Postgres resolves it to a different function, which is no built-in', () => {
    expect(checkReadOnlyQuery('select "PG_READ_FILE"(1)')).toMatchObject([{ message: expect.stringMatching(/calls PG_READ_FILE \(only PostgreSQL's own read-only functions/) }]);
    expect(checkReadOnlyQuery('select "pg_read_file"(1)')).toMatchObject([{ message: expect.stringMatching(/reads server files/) }]);
    expect(checkReadOnlyQuery('select "lower"(\'A\')')).toEqual([]);
  });

  it('accepts a denied name inside a string literal, where it is only text', () => {
    expect(checkReadOnlyQuery("select 'pg_read_file(1)', $$dblink_exec('x')$$, $q$nextval('s')$q$")).toEqual([]);
  });
});

const WRITES = [
  'insert into t values (1) returning *',
  'update t set x = 1 returning *',
  'delete from t returning *',
  'merge into t using s on t.id = s.id when matched then delete returning *',
];
const WRITE_PLACEMENTS: readonly ((write: string) => string)[] = [
  (w) => `with w as (${w}) select * from w`,
  (w) => `with r as (select 1), w as (${w}) select * from r`,
  (w) => `with w as (${w}) select 1`,
  (w) => `select * from (with w as (${w}) select * from w) s`,
  (w) => `with outer_cte as (with w as (${w}) select * from w) select * from outer_cte`,
  (w) => `select exists (with w as (${w}) select 1 from w)`,
  (w) => `select 1 union all (with w as (${w}) select 1)`,
];

describe('checkReadOnlyQuery refuses writes and locks', () => {
  it('refuses every data-modifying statement in every CTE position', () => {
    const variants = WRITES.flatMap((write) => WRITE_PLACEMENTS.map((place) => place(write)));
    expect(notRefusedFor(/^contains an? (INSERT|UPDATE|DELETE|MERGE) statement \(writes data\)$/, variants)).toEqual([]);
    expect(checkReadOnlyQuery(`with w as (${WRITES[0]}) select * from w`)[0]?.message).toBe('contains an INSERT statement (writes data)');
  });

  it('refuses every statement other than SELECT at the top', () => {
    const statements = [...WRITES, 'create table x (a int)', 'commit', 'begin read write', 'set role postgres', 'explain analyze delete from t',
      'copy t to program \'sh\'', 'call p()', 'do $$begin end$$', 'create table x as select 1', 'notify c', 'lock t', 'truncate t'];
    expect(notRefusedFor(/^is an? .* statement; only a read-only SELECT is allowed$/, statements)).toEqual([]);
    expect(checkReadOnlyQuery('commit')[0]?.message).toBe('is a transaction control (BEGIN/COMMIT/ROLLBACK/…) statement; only a read-only SELECT is allowed');
  });

  it('refuses SELECT INTO', () => {
    expect(checkReadOnlyQuery('select * into copy_of_t from t')[0]?.message).toBe('uses SELECT INTO (creates a table)');
  });

  it('refuses every locking clause at every depth', () => {
    const locks = ['for update', 'for no key update', 'for share', 'for key share', 'for update of t nowait', 'for share skip locked'];
    const places: readonly ((lock: string) => string)[] = [
      (l) => `select * from t ${l}`,
      (l) => `select * from (select * from t ${l}) s`,
      (l) => `select 1 where 1 in (select id from t ${l})`,
      (l) => `with c as (select * from t ${l}) select * from c`,
      (l) => `select * from u cross join lateral (select * from t ${l}) l`,
      (l) => `(select * from t ${l}) union select * from t`,
      (l) => `select (select id from t limit 1 ${l})`,
    ];
    expect(notRefusedFor(/^locks rows with FOR /, locks.flatMap((lock) => places.map((place) => place(lock))))).toEqual([]);
    expect(checkReadOnlyQuery('select * from t for no key update')[0]?.message).toBe('locks rows with FOR NO KEY UPDATE (a read-only check must not take row locks)');
  });

  it('refuses positional parameters, which would bind to values parity supplies', () => {
    expect(checkReadOnlyQuery('select * from t where id = $1')[0]?.message).toMatch(/^uses \$1/);
  });
});
