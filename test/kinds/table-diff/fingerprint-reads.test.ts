/**
 * How table_diff's fingerprint passes are read on Postgres: with work_mem sized for their buckets
 * and a low parallel_tuple_cost, so the planner hashes rows in parallel workers under the
 * `offset 0` fence and hash-aggregates in memory (no sort, no temp files); other statements keep
 * the server's settings; a source's scan.max_parallel_workers still caps the workers.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../../src/catalog/parse-file.js';
import { formatProblem } from '../../../src/checkfile/problems.js';
import { createSourceRegistry } from '../../../src/sources/registry.js';
import { fingerprintReadOptions } from '../../../src/kinds/table-diff/table-diff.js';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../../support/databases.js';
import { execute } from '../../support/run-check.js';
import { watchedSources } from '../../support/watched-sources.js';

interface SeenRead { text: string; settings: Record<string, unknown>; plan: string }

describeOnPostgres('table_diff fingerprint reads', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    // Large enough that the planner would consider parallel workers at all (min_parallel_table_scan_size).
    await db.exec(`create table a (id int primary key, v text, n numeric);
      insert into a select g, 'row ' || g, g / 7.0 from generate_series(1, 300000) g;
      create table b as select * from a; alter table b add primary key (id); analyze a; analyze b`);
  });
  afterAll(() => db.close());

  /** Runs one table_diff with every statement's settings and plan written down. */
  const diff = async (scan = '') => {
    const text = `sources:\n  app: { url: "${db.url}"${scan} }\nchecks:\n  - { id: d, kind: table_diff, key: [id], old: { source: app, table: a }, new: { source: app, table: b } }\n`;
    const parsed = parseCheckFile(text, 'test.yaml', {});
    if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
    const catalog = buildCatalog([parsed]);
    if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
    const sources = createSourceRegistry(catalog.sources, { dataDir: db.dataDir });
    const seen: SeenRead[] = [];
    const watched = watchedSources(sources, async (session, statement) => {
      // A plan the check asks for itself (what its compared values are computed from) is no read.
      if (/^\s*explain\b/i.test(statement.text)) return;
      const [settings] = await session.query({ text: "select current_setting('work_mem') as work_mem, current_setting('parallel_tuple_cost') as ptc, current_setting('max_parallel_workers_per_gather') as workers", params: [] });
      const plan = (await session.query({ text: `explain ${statement.text}`, params: statement.params })).map((r) => String(r['QUERY PLAN'])).join('\n');
      seen.push({ text: statement.text, settings: settings!, plan });
    });
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      return { result, seen, fingerprints: seen.filter((r) => r.text.includes('count(*) as n')) };
    } finally {
      await sources.closeAll();
    }
  };

  it('hashes rows in parallel workers and aggregates them in memory, with work_mem for its buckets', async () => {
    const { result, seen, fingerprints } = await diff();
    expect(result.status).toBe('pass');
    expect(fingerprints).toHaveLength(2);
    const bits = Number(result.observations.bucket_bits);
    const expected = fingerprintReadOptions(2 ** bits);
    for (const read of fingerprints) {
      expect(read.settings).toMatchObject({ work_mem: `${expected.workMemKb! / 1024}MB`, ptc: String(expected.parallelTupleCost), workers: '2' });
      // Gather below the aggregate: the row hashes are computed by the workers; no Sort anywhere.
      expect(read.plan).toMatch(/HashAggregate[\s\S]*Gather[\s\S]*Parallel Seq Scan/);
      expect(read.plan).not.toMatch(/Sort/);
    }
    // Every other statement runs with the server's settings.
    for (const read of seen.filter((r) => !fingerprints.includes(r))) expect(read.settings).toMatchObject({ work_mem: '4MB', ptc: '0.1' });
  });

  it('keeps to one backend where the source caps parallel workers at 0', async () => {
    const { result, fingerprints } = await diff(', scan: { max_parallel_workers: 0 }');
    expect(result.status).toBe('pass');
    for (const read of fingerprints) {
      expect(read.settings).toMatchObject({ workers: '0' });
      expect(read.plan).not.toMatch(/Gather/);
    }
  });

  it('finds a change all the same', async () => {
    await db.exec(`update b set v = 'changed' where id = 123456`);
    try {
      const { result } = await diff();
      expect(result.status).toBe('fail');
      expect(result.observations).toMatchObject({ changed: 1, old_rows: 300000, new_rows: 300000 });
    } finally {
      await db.exec(`update b set v = 'row 123456' where id = 123456`);
    }
  });
});
