/**
 * `coverage: continuous`: an incremental pass counts for a phase only when the phase (and every
 * phase requiring the check) asks for it and the pass's chain since the last full pass is unbroken;
 * without it only full passes count.
 */
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import type { GateResultRow } from '../../src/store/gates.js';
import type { MigrationSpec } from '../../src/checkfile/migrations.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const definitions = new Map([['p', { hash: 'h' }]]);
const migration = (continuous: boolean, earlier = continuous): MigrationSpec => migrationSchema.parse({
  id: 'm',
  phases: [
    { name: 'backfill', requires: ['p'], ...(earlier ? { coverage: 'continuous' } : {}) },
    { name: 'switch', requires: ['p'], ...(continuous ? { coverage: 'continuous' } : {}) },
  ],
});
const result = (incremental: GateResultRow['incremental']): GateResultRow => ({
  resultId: 'r', checkId: 'p', status: 'pass', definitionHash: 'h', startedAt: new Date(NOW.getTime() - 2_000),
  finishedAt: new Date(NOW.getTime() - 1_000), summary: 'ok', error: null, estimated: false, incremental,
});
const chain = (unbroken: boolean) => ({ mode: 'incremental', lowerBound: '2026-06-01T11:00:00.000Z', coverage: { full_pass_at: '2026-05-30T00:00:00.000Z', incremental_passes: 4, unbroken, last_at: '2026-06-01T11:05:00.000Z' } });
const judge = (m: MigrationSpec, r: GateResultRow) => evaluateGate({ migration: m, name: 'switch' }, new Map([['p', r]]), definitions, NOW);

describe('coverage: continuous (pure)', () => {
  it('allows an incremental pass whose chain is unbroken', () => {
    expect(judge(migration(true), result(chain(true)))).toMatchObject({ allowed: true, reasons: [] });
  });
  it('denies an incremental pass whose chain is broken', () => {
    expect(judge(migration(true), result(chain(false))).reasons).toEqual([expect.stringMatching(/chain since the last full pass is broken/)]);
    expect(judge(migration(true), result({ mode: 'incremental', lowerBound: null, coverage: null })).allowed).toBe(false);
  });
  it('never counts an incremental pass for a phase that does not ask for it — nor when an earlier phase requiring the check does not', () => {
    expect(judge(migration(false), result(chain(true))).reasons).toEqual([expect.stringMatching(/passed on an incremental run .*only with coverage: continuous/)]);
    expect(judge(migration(true, false), result(chain(true))).allowed).toBe(false);
  });
  it('counts a full pass with or without it', () => {
    const full = result({ mode: 'full', lowerBound: null, coverage: { unbroken: true, incremental_passes: 0 } });
    expect(judge(migration(false), full).allowed).toBe(true);
    expect(judge(migration(true), full).allowed).toBe(true);
    expect(judge(migration(true), result(null)).allowed).toBe(true);
  });
  it('rejects another coverage word with the allowed one named', () => {
    expect(() => migrationSchema.parse({ id: 'm', phases: [{ name: 'a', requires: ['p'], coverage: 'sometimes' }] })).toThrow(/continuous/);
  });
});

describe.each(engines)('coverage: continuous over recorded results on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog): Promise<void> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
    } finally {
      await sources.closeAll();
    }
  }

  it('a chain of passes opens a continuous phase, a failing link closes it, and a plain phase wants a full pass', async () => {
    await db.exec(`create table t (id int primary key, a int, b int, updated_at timestamptz not null default now());
      insert into t (id, a, b) select g, g, g from generate_series(1, 200) g;
      create function touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger t_touch before insert or update on t for each row execute function touch();`);
    const catalog = catalogFromYaml('checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, incremental: { column: updated_at, overlap: 1s, full_every: 1d } }', { app: db });
    const defs = new Map([['p', { hash: catalog.checks.get('p')!.hash }]]);
    const verdict = async (continuous: boolean) => {
      const { latest, now } = await store.gateEvidence(['p']);
      return evaluateGate({ migration: migration(continuous), name: 'switch' }, latest, defs, now);
    };
    await run(catalog);
    expect(await verdict(false)).toMatchObject({ allowed: true });
    await db.exec('update t set a = a where id = 1');
    await run(catalog);
    expect((await store.gateEvidence(['p'])).latest.get('p')!.incremental).toMatchObject({ mode: 'incremental', coverage: { incremental_passes: 1, unbroken: true } });
    expect(await verdict(true)).toMatchObject({ allowed: true });
    expect((await verdict(false)).reasons).toEqual([expect.stringMatching(/incremental run/)]);
    await db.exec('update t set b = 0 where id = 2');
    await run(catalog);
    expect((await verdict(true)).reasons).toEqual([expect.stringMatching(/failed/)]);
    await db.exec('update t set b = a');
    await run(catalog);
    // The run after a failing link is a full pass: it opens both kinds of phase again.
    expect((await store.gateEvidence(['p'])).latest.get('p')!.incremental).toMatchObject({ mode: 'full' });
    expect(await verdict(false)).toMatchObject({ allowed: true });
    expect(await verdict(true)).toMatchObject({ allowed: true });
  });
});
