/**
 * A standby that falls behind between two reads of one check and catches up before its end. The
 * check reads the lag before it starts and after it ends, and a chunked scan after every chunk; a
 * segmented table_diff's segments and a shadow_read's batches are reads in transactions of their
 * own too, and one served from further behind than max_replica_lag went unseen: the check passed
 * on a state the primary had left more than the limit ago. A real primary and streaming standby
 * (throwaway Postgres 15 clusters) whose replay is paused between two reads and resumed later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import type { FinishedResult } from '../../src/store/runs.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { execute } from '../support/run-check.js';
import { until } from '../support/until.js';

function catalogFor(url: string, checks: string): Catalog {
  const parsed = parseCheckFile(`sources:\n  app: { url: "${url}", max_replica_lag: 1s }\nchecks:\n${checks}`, 'lag.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

/** Work run between two statements of the check: after the first statement `after` matches (each step after the previous one ran). */
interface Step { after: (text: string) => boolean; work: () => Promise<void> }

function interleaving(sources: SourceRegistry, steps: readonly Step[]): SourceRegistry & { done(): number } {
  let next = 0;
  return {
    ...sources,
    done: () => next,
    get: async (name) => {
      const source = await sources.get(name);
      return {
        ...source,
        readOnly: async (work, options) => {
          const texts: string[] = [];
          const answer = await source.readOnly((session) => work({
            query: (statement) => {
              texts.push(statement.text);
              return session.query(statement);
            },
            each: (statement, onRow) => {
              texts.push(statement.text);
              return session.each!(statement, onRow);
            },
            describe: (statement) => {
              texts.push(statement.text);
              return session.describe!(statement);
            },
          }), options);
          for (const text of texts) {
            const step = steps[next];
            if (step?.after(text)) {
              next++;
              await step.work();
            }
          }
          return answer;
        },
      };
    },
  };
}

describe('reads of one check on a standby that falls behind and catches up in between (throwaway primary and standby)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec(`create table d_old (id int primary key, a text); insert into d_old select g, 'v' || g from generate_series(1, 1000) g;
      create table d_new (id int primary key, a text); insert into d_new select g, 'v' || g from generate_series(1, 1000) g;`);
    standby = await createScratchStandby(primary);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
  }, 180_000);
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  const caughtUp = async () => (await standby.exec('select pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() as done'))[0]?.done === true;

  /** Replay stops; `write` lands on the primary and reaches the standby unreplayed; 1.5 s pass (the limit is 1 s). */
  async function fallBehind(write: string): Promise<void> {
    await until('the standby to replay everything', caughtUp);
    await standby.exec('select pg_wal_replay_pause()');
    await primary.exec(write);
    await until('the standby to receive the write', async () => !(await caughtUp()));
    await new Promise((r) => setTimeout(r, 1_500));
  }

  async function catchUp(): Promise<void> {
    await standby.exec('select pg_wal_replay_resume()');
    await until('the standby to catch up', caughtUp);
  }

  async function run(catalog: Catalog, steps: Step[]): Promise<FinishedResult> {
    const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:none' });
    const watched = interleaving(sources, steps);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      // The standby fell behind while the check read (the test is void otherwise).
      expect(watched.done()).toBeGreaterThanOrEqual(1);
      return result;
    } finally {
      if (watched.done() === 1) await catchUp();
      await sources.closeAll();
    }
  }

  it('a segment of a table_diff read further behind than max_replica_lag is not a pass', async () => {
    await primary.exec(`update d_new set a = 'v' || id`);
    await until('the standby to replay it', caughtUp);
    const catalog = catalogFor(standby.url, `  - { id: diff, kind: table_diff, key: [id], old: { source: app, table: d_old }, new: { source: app, table: d_new }, stop_after: false, segment_rows: 100 }\n`);
    let fingerprints = 0;
    const fingerprint = (text: string) => /"d_new"/.test(text) && / group by 1\b/.test(text) && ++fingerprints > 0;
    // Segment 2 (ids 101-200) differs on the primary; the standby serves it from before that write, then catches up.
    const result = await run(catalog, [
      { after: (text) => fingerprint(text) && fingerprints === 1, work: () => fallBehind(`update d_new set a = 'x' where id = 150`) },
      { after: (text) => fingerprint(text) && fingerprints === 2, work: catchUp },
    ]);
    expect(result.status, result.summary ?? '').not.toBe('pass');
    expect(result).toMatchObject({ status: 'error', error: { code: 'replica_lag' } });
    expect(result.statements.filter((s) => s.rows === undefined && s.duration_ms === 0)).toEqual([]);
  }, 60_000);

  it('a batch of a shadow_read read further behind than max_replica_lag is not a pass', async () => {
    await primary.exec(`update d_new set a = 'v' || id`);
    await until('the standby to replay it', caughtUp);
    const catalog = catalogFor(standby.url, `  - id: shadow
    kind: shadow_read
    key: [id]
    sample: { size: 300, from: { source: app, table: d_old }, seed: 1 }
    old: { source: app, query: "select id, a from d_old where id = any($keys)" }
    new: { source: app, query: "select id, a from d_new where id = any($keys)" }
    batch_size: 100
    max_mismatch_rate: 0.05
`);
    let reads = 0;
    const newRead = (text: string) => /from d_new/.test(text) && text.includes('__parity_row') && ++reads > 0;
    // Every row differs on the primary once the first batch is read; the last batch is served from before that write.
    const result = await run(catalog, [
      { after: (text) => newRead(text) && reads === 1, work: () => fallBehind(`update d_new set a = 'x'`) },
      { after: (text) => newRead(text) && reads === 3, work: catchUp },
    ]);
    expect(result.status, result.summary ?? '').not.toBe('pass');
    expect(result).toMatchObject({ status: 'error', error: { code: 'replica_lag' } });
    // A statement refused because an earlier one was read behind was never sent: it is not in the record.
    expect(result.statements.filter((s) => s.rows === undefined && s.duration_ms === 0)).toEqual([]);
  }, 60_000);

  for (const [name, check] of Object.entries({
    'table_diff': `  - { id: diff, kind: table_diff, key: [id], old: { source: app, table: d_old }, new: { source: app, table: d_new }, stop_after: false }\n`,
    'null_check (one count statement)': `  - { id: nulls, kind: null_check, source: app, table: d_new, columns: [a], stop_after: false }\n`,
    'null_check (a chunked scan in one snapshot)': `  - { id: nulls, kind: null_check, source: app, table: d_new, columns: [a], stop_after: false }\n`,
  })) it(`${name}: a source whose connections land on two members (a load balancer over the cluster) reads the lag of the member that answered`, async () => {
    await primary.exec(`update d_new set a = 'v' || id`);
    const catalog = catalogFor(standby.url, check);
    if (name.includes('chunked')) Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', snapshot: 'consistent', chunk_rows: 100, pause_ms: 0 });
    const onStandby = createSourceRegistry(catalog.sources, { dataDir: 'memory:none' });
    const onPrimary = createSourceRegistry(catalogFor(primary.url, check).sources, { dataDir: 'memory:none' });
    // Five rows differ (and are NULL for the null_checks) on the primary only.
    await fallBehind(`update d_new set a = null where id <= 5`);
    // Reads reach the paused standby; a connection of its own (the lag probe's) reaches the primary.
    const balanced: SourceRegistry = { ...onStandby, get: async (name) => ({ ...(await onStandby.get(name)), readFixed: (await onPrimary.get(name)).readFixed }) };
    try {
      const result = await execute([...catalog.checks.values()][0]!, balanced);
      expect(result.status, result.summary ?? '').not.toBe('pass');
      expect(result).toMatchObject({ status: 'error', error: { code: 'replica_lag' } });
    } finally {
      await catchUp();
      await onStandby.closeAll();
      await onPrimary.closeAll();
    }
  }, 60_000);
});
