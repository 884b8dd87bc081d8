/**
 * An incremental pass re-reads only rows whose maintained column moved since the last pass, so a
 * row's compared values and its place in scope must change only when the row is written. An
 * expression that reads the clock, other rows or tables, the catalog, the session or an unpinned
 * setting changes them without a write: `where: "created_at < now() - interval '1 hour'"` (skip
 * rows still being backfilled — a natural scope) brings a row with a NULL into scope an hour after
 * it was written, when no incremental pass reads it again, and the chain passed over it for good
 * while a full pass fails on it. Such expressions are refused at load on incremental checks.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const INCREMENTAL = 'incremental: { column: updated_at, overlap: 0s, full_every: 1d }';
const nullCheck = (where: string, incremental = INCREMENTAL) => `checks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], where: ${JSON.stringify(where)}, ${incremental} }\n`;
const parity = (old: string, neu: string, incremental = INCREMENTAL) => `checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: ${JSON.stringify(old)}, new: ${JSON.stringify(neu)}, ${incremental} }\n`;
const db = { engine: 'pglite', url: 'embedded:x', dataDir: 'memory:x', exec: async () => [], close: async () => {} } as unknown as TestDatabase;
const load = (yaml: string) => () => catalogFromYaml(yaml, { app: db });

describe('expressions of an incremental check must depend on the row alone', () => {
  it('refuses a scope or a value that reads the clock, other rows, the catalog, the session or an unpinned setting', () => {
    const refused: [string, RegExp][] = [
      [nullCheck("created_at < now() - interval '1 hour'"), /where: SQL expression calls now\(\)/],
      [nullCheck('created_at < statement_timestamp()'), /calls statement_timestamp\(\)/],
      [nullCheck('created_at < current_date'), /uses CURRENT_DATE/],
      [nullCheck('created_at < localtimestamp'), /uses LOCALTIMESTAMP/],
      [nullCheck("created_at < 'today'"), /the literal 'today'/],
      [nullCheck("created_at::date < ' NOW '::date"), /the literal ' NOW '/],
      [nullCheck("age(created_at) > interval '1 day'"), /calls age\(\)/],
      [nullCheck("(created_at).age > interval '1 day'"), /calls age\(\) through attribute notation/],
      [nullCheck('exists (select 1 from t as other where other.parent = id)'), /contains a subquery/],
      [nullCheck("tenant = current_setting('app.tenant')"), /calls current_setting\(\)/],
      [nullCheck('owner = current_user'), /uses CURRENT_USER/],
      [nullCheck("has_table_privilege('t', 'select')"), /calls has_table_privilege\(\)/],
      [nullCheck("kind::regclass is not null"), /casts to regclass/],
      [parity('full_name', '(select p.name from profiles as p where p.user_id = id)'), /new: SQL expression contains a subquery/],
      [parity("to_char(created_at, 'TMMonth')", 'month_name'), /old: SQL expression calls to_char\(\)/],
    ];
    for (const [yaml, message] of refused) expect(load(yaml), yaml).toThrow(message);
  });

  it('points at the offending character', () => {
    expect(load(nullCheck("created_at < now() - interval '1 hour'"))).toThrow(/test\.yaml:\d+:\d+: checks\[0\]\.where: SQL expression calls now\(\)/);
  });

  it('keeps expressions that depend on the row and pinned settings, and every expression of a check without incremental', () => {
    for (const yaml of [
      nullCheck("deleted_at is null and kind in ('a', 'b')"),
      nullCheck("created_at < timestamptz '2026-01-01' and date_trunc('day', created_at) > '2025-01-01'"),
      nullCheck("(created_at at time zone 'UTC')::date > date '2025-01-01' and updated_at - created_at < interval '1 day'"),
      parity("first_name || ' ' || last_name", "concat_ws(' ', given, family)"),
      parity('legacy_text::timestamptz', 'created_at'),
      parity("coalesce(amount, 0)::text || ' ' || currency", "format('%s %s', amount_new, upper(currency))"),
      parity('to_jsonb(row(a, b))', "jsonb_build_object('a', a, 'b', b)"),
      nullCheck("created_at < now() - interval '1 hour'", 'min_rows: 1'),
      parity('(select 1)', "to_char(created_at, 'TMMonth')", 'min_rows: 1'),
    ]) expect(load(yaml), yaml).not.toThrow();
  });
});

describe.each(engines)('what the refused scope did, on %s', (engine) => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db: verified, store } = opened));

  it('a full pass fails on the row that came into scope without a write (the verdict incremental passes missed)', async () => {
    await verified.exec(`create table t (id int primary key, b int, created_at timestamptz not null default now(), updated_at timestamptz not null default now());
      insert into t (id, b, created_at) values (1, 1, now() - interval '1 day'), (2, null, now() - interval '2 hours');`);
    const catalog = catalogFromYaml(nullCheck("created_at < now() - interval '1 hour'", 'min_rows: 1'), { app: verified });
    const sources = registryForCatalog(catalog, { app: verified });
    try {
      const result = (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
      expect(result).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
    } finally {
      await sources.closeAll();
    }
  });
});
