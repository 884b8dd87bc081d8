/**
 * Progress carried to a later run carries the replica lag it was read under, or it is not carried
 * at all: a checkpoint with no lag record (written by older code, or where some chunk's lag was not
 * read), with a lag that could not be said, or above the source's max_replica_lag now, starts over.
 * And a check whose scans resumed progress begun at different times is dated by the oldest.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { resumableLag } from '../../src/runner/scans.js';
import { scanObservations } from '../../src/kinds/scan-facts.js';
import type { ReplicaLag } from '../../src/results/replica-lag.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { dyingStore, type Kill } from '../support/dying-store.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const CHECKS = `checks:
  - { id: n, kind: null_check, source: app, table: t, columns: [b], max_nulls: 0, stop_after: false, min_rows: 0 }
  - id: d
    kind: table_diff
    key: [id]
    old: { source: app, table: t }
    new: { source: app, table: t_new }
    segment_rows: 100
    stop_after: false
`;

const lag = (state: ReplicaLag['state'], lagMs: number | null, limit: number | null = null): ReplicaLag => ({ state, lag_ms: lagMs, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: limit });

describe.each(engines)('resumed progress and its lag record on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  function catalogOf(): Catalog {
    const catalog = catalogFromYaml(CHECKS, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    return catalog;
  }

  /** `store` as older code wrote to it: progress without a lag record. */
  const withoutLagRecord = (on: Store): Store => ({ ...on, saveCheckpoint: (key, run, progress) => on.saveCheckpoint(key, run, { ...progress, readUnder: null }) });

  async function run(catalog: Catalog, id: string, on: Store, kill?: Kill): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app: db });
    let runId = '';
    const runner = createRunner({ store: dyingStore(on, kill, () => runner.cancel(runId)), sources });
    try {
      const started = await runner.start({ checks: [catalog.checks.get(id)!], trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  it.each(['n', 'd'])('check %s: resumes progress with its lag record, and starts over without one', async (id) => {
    await db.exec(`drop table if exists t; drop table if exists t_new;
      create table t (id int primary key, b text); insert into t select g, 'v' from generate_series(1, 1000) g;
      create table t_new (id int primary key, b text); insert into t_new select g, 'v' from generate_series(1, 1000) g;`);
    const catalog = catalogOf();

    // Recorded by this version: resumed, and the result says what the resumed reads were read under.
    expect((await run(catalog, id, store, { after: 3, recorded: true })).results[0]).toMatchObject({ status: 'error' });
    const resumed = (await run(catalog, id, store)).results[0]!;
    expect(resumed.status).toBe('pass');
    expect(resumed.observations.resumed_from).toMatchObject({ read_under: { app: { state: 'primary', lag_ms: 0 } } });

    // Recorded by older code (no lag record): not resumed, read again from the first key.
    expect((await run(catalog, id, withoutLagRecord(store), { after: 3, recorded: true })).results[0]).toMatchObject({ status: 'error' });
    const again = (await run(catalog, id, store)).results[0]!;
    expect(again.status).toBe('pass');
    expect(again.observations.resumed_from).toBeUndefined();
  });
});

describe('which lag records may be resumed (pure)', () => {
  const rule = (limit?: number) => ({ sources: ['old', 'new'], limitOf: (name: string) => (name === 'new' ? limit : undefined) });

  it('resumes a record with a known lag for every source, judged under the limit set now', () => {
    expect(resumableLag({ old: lag('primary', 0), new: lag('behind', 3_000) }, rule(5_000))).toEqual({ old: lag('primary', 0), new: lag('behind', 3_000, 5_000) });
  });
  it.each<[string, unknown]>([
    ['no record (older code)', null],
    ['a record missing a source', { old: lag('primary', 0) }],
    ['a source whose lag could not be said', { old: lag('primary', 0), new: lag('unknown', null) }],
    ['a malformed record', { old: lag('primary', 0), new: { lag_ms: 0 } }],
  ])('starts over on %s', (_name, recorded) => {
    expect(resumableLag(recorded, rule())).toBeUndefined();
  });
  it('starts over on a lag above the max_replica_lag set since', () => {
    expect(resumableLag({ old: lag('primary', 0), new: lag('behind', 9_000) }, rule(5_000))).toBeUndefined();
  });
  it('resumes nothing for no sources', () => {
    expect(resumableLag({}, { sources: [], limitOf: () => undefined })).toBeUndefined();
  });
});

describe('a check whose scans resumed progress begun at different times (pure)', () => {
  it('is dated by the oldest, with the worst lag of any', () => {
    const observations = scanObservations([
      { resumed: { fromRun: 'r2', chunks: 2, rowsScanned: 200, since: '2026-12-07T10:00:00.000Z', readUnder: { new: lag('behind', 1_000) } } },
      { resumed: { fromRun: 'r1', chunks: 5, rowsScanned: 500, since: '2026-12-07T09:00:00.000Z', readUnder: { old: lag('behind', 7_000) } } },
    ]);
    expect(observations.resumed_from).toMatchObject({ run_id: 'r1', since: '2026-12-07T09:00:00.000Z', read_under: { old: { lag_ms: 7_000 }, new: { lag_ms: 1_000 } } });
  });
});
