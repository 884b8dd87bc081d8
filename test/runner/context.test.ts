/** The execution context's streaming read: recorded like `query`, limited, cancellable, on both engines. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionContext } from '../../src/runner/context.js';
import { createLimiter } from '../../src/concurrency/limiter.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { sql } from '../../src/sql/build.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const YAML = `
checks:
  - { id: noop, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
`;

describe.each(engines)('ExecutionContext.queryEach on %s', (engine) => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    registry = registryForCatalog(catalogFromYaml(YAML, { app: db }), { app: db });
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  const contextOf = (signal = new AbortController().signal, sources = registry) =>
    createExecutionContext({ checkId: 'c', sources, limiters: () => createLimiter(2), signal, now: () => new Date() });

  it('streams the rows and records the statement with its parameters and row count, like query', async () => {
    const ctx = contextOf();
    const seen: number[] = [];
    const count = await ctx.queryEach<{ g: number }>('app', sql`select g from generate_series(1, ${1234}::int) g order by g`, (row) => seen.push(Number(row.g)));
    expect(count).toBe(1234);
    expect(seen).toHaveLength(1234);
    expect(seen[1233]).toBe(1234);
    await ctx.query('app', sql`select ${5}::int as n`);
    expect(ctx.statements).toHaveLength(2);
    expect(ctx.statements[0]).toMatchObject({ source: 'app', sql: 'select g from generate_series(1, $1::int) g order by g', params: [1234], rows: 1234 });
    expect(ctx.statements[0]!.duration_ms).toBeGreaterThanOrEqual(0);
    expect(ctx.statements[1]).toMatchObject({ rows: 1 });
  });

  it('ends as cancelled when the run is cancelled mid-stream, and hands over no more rows', async () => {
    const controller = new AbortController();
    const ctx = contextOf(controller.signal);
    let calls = 0;
    const reading = ctx.queryEach('app', sql`select generate_series(1, ${engine === 'postgres' ? 100_000_000 : 20_000}::int) as g`, () => {
      if (++calls === 500) controller.abort();
    });
    await expect(reading).rejects.toMatchObject({ fault: { code: 'cancelled' } });
    expect(calls).toBe(500);
    await expect(ctx.queryEach('app', sql`select 1`, () => {})).rejects.toThrow();
  });

  it('falls back to query when a wrapping session cannot stream', async () => {
    const wrapped: SourceRegistry = {
      ...registry,
      get: async (name) => {
        const source = await registry.get(name);
        return { ...source, readOnly: (work, options) => source.readOnly((session) => work({ query: (s) => session.query(s) }), options) };
      },
    };
    const ctx = contextOf(undefined, wrapped);
    const seen: unknown[] = [];
    expect(await ctx.queryEach('app', sql`select generate_series(1, 3) as g`, (row) => seen.push(Number(row.g)))).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(ctx.statements[0]).toMatchObject({ rows: 3 });
  });
});
