/**
 * For random tables and random injected differences (deleted, inserted and changed rows,
 * scattered or clustered), table_diff finds exactly the injected keys — on each engine, and
 * between PGlite and Postgres. Small initial buckets force the refinement passes to run too.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTables } from '../../../src/kinds/table-diff/table-diff.js';
import type { TableDiffSpec } from '../../../src/kinds/table-diff/spec.js';
import type { Outcome } from '../../../src/results/outcome.js';
import { createExecutionContext } from '../../../src/runner/context.js';
import { createLimiter } from '../../../src/concurrency/limiter.js';
import type { SourceRegistry } from '../../../src/sources/registry.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../../support/run-check.js';

type KeyKind = 'int' | 'text' | 'composite';

const KEY_COLUMNS: Record<KeyKind, string> = {
  int: 'id bigint primary key',
  text: 'code text primary key',
  composite: 'region int, handle text, primary key (region, handle)',
};
const KEY_EXPRESSIONS: Record<KeyKind, string> = {
  int: '(i * $stride + 7) as id',
  // Texts with the characters a serialisation could trip over: separators, quotes, spaces, empty-ish.
  text: "(case i % 5 when 0 then 'a,b' when 1 then ' \"q\" ' when 2 then '(x)' when 3 then 'back\\slash' else '' end || i) as code",
  composite: "(i % 7) as region, (case i % 3 when 0 then 'h' when 1 then 'h h' else '\"' end || (i / 7)) as handle",
};
const KEY_NAMES: Record<KeyKind, string[]> = { int: ['id'], text: ['code'], composite: ['region', 'handle'] };

function rowsSql(kind: KeyKind, stride: number, salt: number, from: number, to: number): string {
  return `select ${KEY_EXPRESSIONS[kind].replace('$stride', String(stride))}, i,
      case when i % 13 = 0 then null else (i * ${salt}) % 1000 end as a,
      case i % 6 when 0 then '' when 1 then null when 2 then 'a,b' when 3 then '"q"' when 4 then '(x) \\ y' else md5(i::text || '${salt}') end as b,
      (i * 1.5 + ${salt})::numeric(14,3) as c,
      timestamptz '2024-03-01 12:00:00.123456+00' + i * interval '1 second' as d,
      case when i % 4 = 0 then null else i % 2 = 0 end as e,
      jsonb_build_object('i', i, 'tags', jsonb_build_array('x', i % 3)) as f
    from generate_series(${from}, ${to}) as i`;
}

/** Changes one column of the row, always to a different value (NULL ↔ value, '' ↔ NULL, +1 µs …). */
const CHANGE = `update t_new set
  a = case when i % 6 = 0 then coalesce(a + 1, 0) else a end,
  b = case when i % 6 = 1 then case when b is null then '' when b = '' then null else b || 'x' end else b end,
  c = case when i % 6 = 2 then c + 0.001 else c end,
  d = case when i % 6 = 3 then d + interval '1 microsecond' else d end,
  e = case when i % 6 = 4 then case when e is null then false else null end else e end,
  f = case when i % 6 = 5 then f || '{"z": 1}' else f end
  where i = any($1::int[])`;

interface Case { kind: KeyKind; rows: number; stride: number; salt: number; deleted: number[]; changed: number[]; inserted: number; initialBits?: number | undefined; segmentRows?: number | undefined }

const caseArbitrary = fc.record({
  kind: fc.constantFrom<KeyKind>('int', 'text', 'composite'),
  rows: fc.integer({ min: 200, max: 2000 }),
  stride: fc.integer({ min: 1, max: 5 }),
  salt: fc.integer({ min: 1, max: 997 }),
  clustered: fc.boolean(),
  picks: fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { maxLength: 60 }),
  start: fc.integer({ min: 1, max: 2000 }),
  length: fc.integer({ min: 0, max: 60 }),
  split: fc.double({ min: 0, max: 1, noNaN: true }),
  inserted: fc.integer({ min: 0, max: 20 }),
  initialBits: fc.option(fc.integer({ min: 2, max: 10 }), { nil: undefined }),
  // Key-range segments (rows inserted on new beyond old's last key land in the open last one).
  segmentRows: fc.option(fc.integer({ min: 40, max: 900 }), { nil: undefined }),
}).map((r): Case => {
  const chosen = (r.clustered ? Array.from({ length: r.length }, (_, j) => r.start + j) : r.picks).filter((i) => i <= r.rows);
  const cut = Math.floor(chosen.length * r.split);
  return { kind: r.kind, rows: r.rows, stride: r.stride, salt: r.salt, deleted: chosen.slice(0, cut), changed: chosen.slice(cut), inserted: r.inserted, initialBits: r.initialBits, segmentRows: r.segmentRows };
});

async function keyTexts(db: TestDatabase, table: string, kind: KeyKind, indices: number[]): Promise<string[]> {
  if (indices.length === 0) return [];
  const rows = await db.exec(`select ${KEY_NAMES[kind].map((k) => `(${k})::text as ${k}`).join(', ')} from ${table} where i = any($1::int[])`, [indices]);
  return rows.map((r) => JSON.stringify(KEY_NAMES[kind].map((k) => r[k]))).sort();
}

async function runCase(c: Case, oldDb: TestDatabase, newDb: TestDatabase, registry: SourceRegistry): Promise<void> {
  for (const db of new Set([oldDb, newDb])) await db.exec('drop table if exists t_old; drop table if exists t_new');
  await oldDb.exec(`create table t_old (${KEY_COLUMNS[c.kind]}, i int, a int, b text, c numeric(14,3), d timestamptz, e boolean, f jsonb)`);
  await newDb.exec(`create table t_new (${KEY_COLUMNS[c.kind]}, i int, a int, b text, c numeric(14,3), d timestamptz, e boolean, f jsonb)`);
  await oldDb.exec(`insert into t_old ${rowsSql(c.kind, c.stride, c.salt, 1, c.rows)}`);
  await newDb.exec(`insert into t_new ${rowsSql(c.kind, c.stride, c.salt, 1, c.rows)}`);
  await newDb.exec('delete from t_new where i = any($1::int[])', [c.deleted]);
  await newDb.exec(CHANGE, [c.changed]);
  if (c.inserted > 0) await newDb.exec(`insert into t_new ${rowsSql(c.kind, c.stride, c.salt, c.rows + 1, c.rows + c.inserted)}`);
  const expected = {
    missing_in_new: await keyTexts(oldDb, 't_old', c.kind, c.deleted),
    missing_in_old: await keyTexts(newDb, 't_new', c.kind, Array.from({ length: c.inserted }, (_, j) => c.rows + 1 + j)),
    mismatch: await keyTexts(oldDb, 't_old', c.kind, c.changed),
  };

  const outcome = await diff(registry, c.kind, c.initialBits, c.segmentRows);
  expect(outcome.status).toBe(c.deleted.length + c.changed.length + c.inserted === 0 ? 'pass' : 'fail');
  expect(outcome.observations).toMatchObject({
    missing_in_new: c.deleted.length, missing_in_old: c.inserted, changed: c.changed.length,
    old_rows: c.rows, new_rows: c.rows - c.deleted.length + c.inserted,
  });
  const found = (category: string) => outcome.samples.filter((s) => s.category === category).map((s) => JSON.stringify(KEY_NAMES[c.kind].map((k) => s.key[k]))).sort();
  expect({ missing_in_new: found('missing_in_new'), missing_in_old: found('missing_in_old'), mismatch: found('mismatch') }).toEqual(expected);
}

const YAML = (kind: KeyKind) => `
checks:
  - id: prop-diff
    kind: table_diff
    key: [${KEY_NAMES[kind].join(', ')}]
    old: { source: old, table: t_old }
    new: { source: new, table: t_new }
    sample: 1000
`;

let currentSources: Record<string, TestDatabase> = {};
async function diff(registry: SourceRegistry, kind: KeyKind, initialBits: number | undefined, segmentRows: number | undefined): Promise<Outcome> {
  const spec = catalogFromYaml(YAML(kind), currentSources).checks.get('prop-diff')!.spec as TableDiffSpec;
  const ctx = createExecutionContext({ checkId: 'prop-diff', sources: registry, limiters: () => createLimiter(4), signal: new AbortController().signal, now: () => new Date() });
  return diffTables(spec, ctx, { ...(initialBits === undefined ? {} : { initialBits, leafChunkRows: 300 }), ...(segmentRows === undefined ? {} : { segmentRows }) });
}

function suite(name: string, open: () => Promise<{ old: TestDatabase; new: TestDatabase }>, runs: number) {
  describe(name, () => {
    let dbs: { old: TestDatabase; new: TestDatabase };
    let registry: SourceRegistry;
    beforeAll(async () => {
      dbs = await open();
      currentSources = { old: dbs.old, new: dbs.new };
      registry = registryForCatalog(catalogFromYaml(YAML('int'), currentSources), currentSources);
    });
    afterAll(async () => {
      await registry.closeAll();
      for (const db of new Set([dbs.old, dbs.new])) await db.close();
    });

    it('finds exactly the injected keys', async () => {
      currentSources = { old: dbs.old, new: dbs.new };
      await fc.assert(fc.asyncProperty(caseArbitrary, (c) => runCase(c, dbs.old, dbs.new, registry)), { numRuns: runs });
      // 15 whole diffs on PGlite took 49 s alone on this 2-core machine and over 60 s under a
      // loaded suite; a timeout then left the case's tables behind and failed the next two tests.
    }, 180_000);

    it('finds a clustered block of changes on a composite key with tiny buckets', async () => {
      currentSources = { old: dbs.old, new: dbs.new };
      await runCase({ kind: 'composite', rows: 900, stride: 1, salt: 5, deleted: [100, 101, 102], changed: Array.from({ length: 40 }, (_, j) => 200 + j), inserted: 3, initialBits: 2 }, dbs.old, dbs.new, registry);
    });

    it('finds them in key-range segments too, on a composite key with tiny buckets', async () => {
      currentSources = { old: dbs.old, new: dbs.new };
      await runCase({ kind: 'composite', rows: 900, stride: 1, salt: 5, deleted: [100, 101, 102], changed: Array.from({ length: 40 }, (_, j) => 200 + j), inserted: 3, initialBits: 2, segmentRows: 97 }, dbs.old, dbs.new, registry);
    });
  });
}

for (const engine of engines) {
  suite(`table_diff properties on ${engine}`, async () => {
    const db = await createTestDatabase(engine);
    return { old: db, new: db };
  }, 15);
}

if (engines.includes('postgres')) {
  suite('table_diff properties between PGlite (old) and Postgres (new)', async () => ({
    old: await createTestDatabase('pglite'),
    new: await createTestDatabase('postgres'),
  }), 8);
}
