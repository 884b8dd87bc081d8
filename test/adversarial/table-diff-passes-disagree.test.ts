/**
 * A table_diff is many statements: a first pass, refinements over the dirty buckets only, and
 * drill-downs reading only their rows. A compared expression whose value depends on which rows a
 * statement reads — here a window function, `count(*) over ()` — is one value in the first pass
 * (every row) and another in the later ones (a few buckets' rows): the first pass saw row 5
 * differ, the drill-down (or a refinement) computed it equal, and the diff passed. Rows written
 * between two passes do the same. Each later pass must now reproduce, per side, the count and hash
 * sum of every dirty bucket it reads again, or the diff is "could not verify" (passes_disagree).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTables } from '../../src/kinds/table-diff/table-diff.js';
import type { TableDiffSpec } from '../../src/kinds/table-diff/spec.js';
import { createExecutionContext } from '../../src/runner/context.js';
import { createLimiter } from '../../src/concurrency/limiter.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { BucketTotals, unreproducedBucket } from '../../src/kinds/table-diff/buckets.js';
import { Fingerprints } from '../../src/kinds/table-diff/fingerprints.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const ROWS = 2000;
/** Row 5 is v + 1 over the whole table, and v over any fewer rows. */
const WINDOWED = `case when count(*) over () = ${ROWS} then v + (id = 5)::int else v end`;

const yaml = (expression: string) => `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: a, table: t }, new: { source: b, table: t }, columns: { v: "${expression}" } }
`;

describe.each(engines)('table_diff passes that read other values than the pass before, on %s', (engine) => {
  let old: TestDatabase;
  let neu: TestDatabase;
  let registry: SourceRegistry;
  const sources = () => ({ a: old, b: neu });
  beforeAll(async () => {
    const dataDir = `memory:${randomUUID()}`;
    [old, neu] = [await createTestDatabase(engine, { name: 'old_side', dataDir }), await createTestDatabase(engine, { name: 'new_side', dataDir })];
    const seed = `create table t (id int primary key, v int); insert into t select g, g from generate_series(1, ${ROWS}) g;`;
    await old.exec(seed);
    await neu.exec(seed);
    registry = registryForCatalog(catalogFromYaml(yaml('v'), sources()), sources());
  });
  afterAll(async () => {
    await registry.closeAll();
    await old.close();
    await neu.close();
  });

  const diff = (expression: string, initialBits?: number) => {
    const spec = catalogFromYaml(yaml(expression), sources()).checks.get('d')!.spec as TableDiffSpec;
    const ctx = createExecutionContext({ checkId: 'd', sources: registry, limiters: () => createLimiter(4), signal: new AbortController().signal, now: () => new Date() });
    return diffTables(spec, ctx, initialBits === undefined ? {} : { initialBits });
  };

  it.each([
    ['the drill-down', undefined],
    ['a refinement pass', 2],
  ])('is "could not verify" when %s computes a dirty bucket\'s rows otherwise, never a pass', async (_, initialBits) => {
    // diffTables throws its faults; the runner records them as the result (status error).
    await expect(diff(WINDOWED, initialBits)).rejects.toMatchObject({ code: 'passes_disagree' });
  });

  it.each([undefined, 2])('still finds a plain difference exactly (initial bits %s)', async (initialBits) => {
    const result = await diff('v + (id = 9)::int', initialBits);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ changed: 1, missing_in_new: 0, missing_in_old: 0 });
  });
});

describe('reproduced buckets (pure)', () => {
  it('finds the coarse bucket whose finer buckets do not add up to its count and hash sum', () => {
    const coarse = new Fingerprints({ bits: 2 });
    coarse.set(1, 3, '300');
    coarse.set(2, 1, '7');
    const fine = new Fingerprints({ bits: 4, within: { bits: 2, buckets: [1, 2] } });
    fine.set(4, 2, '100');
    fine.set(7, 1, '200');
    fine.set(8, 1, '7');
    expect(unreproducedBucket(coarse, fine)).toBeUndefined();
    fine.set(7, 1, '201');
    expect(unreproducedBucket(coarse, fine)).toBe(1);
    const leaves = new BucketTotals();
    leaves.add(2, '7');
    expect(unreproducedBucket(coarse, leaves.prints(2, [1, 2]))).toBe(1);
    expect(unreproducedBucket(coarse, leaves.prints(2, [2]))).toBeUndefined();
    leaves.add(2, '0');
    expect(unreproducedBucket(coarse, leaves.prints(2, [2]))).toBe(2);
  });
});
