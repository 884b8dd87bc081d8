/**
 * A replica killed with SIGKILL in the middle of a scheduled run: the gate is denied while the
 * run hangs, denied once the run is aborted (never a pass), and the surviving replica claims the
 * slot again and runs it to a pass.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateService, type GateService } from '../../src/gate/gate-service.js';
import { createRunner } from '../../src/runner/runner.js';
import { systemClock } from '../../src/runner/clock.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { loadCatalog } from '../../src/catalog/load.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { until } from '../support/until.js';

/** Slow enough to be killed mid-run: pg_sleep on Postgres, a CPU-bound scan on PGlite (whose pg_sleep does not sleep). */
const slowQuery = (engine: string) => engine === 'postgres'
  ? "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(6)::text) = 'never'"
  : "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or exists (select from generate_series(1, 40000000) g where g < 0)";

const checksYaml = (url: string, engine: string) => `
sources:
  app: { url: "${url}" }
checks:
  - id: slow
    kind: sql_assert
    source: app
    query: "${slowQuery(engine)}"
    schedule: "0 0 1 1 *"
migrations:
  - id: kill
    phases:
      - { name: go, requires: [slow] }
`;

/** Waits as long as a killed or starting server may take; a probe that throws counts as not yet. */
const untilAlive = <T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 90_000) => until(what, probe, timeoutMs, { ignoreErrors: true });

const gateFor = (store: Store, dir: string, dataDir: string) => async (): Promise<GateService> => {
  const catalog = await loadCatalog(dir, {});
  const sources = createSourceRegistry(catalog.sources, { dataDir });
  return createGateService({ store, runner: createRunner({ store, sources }), catalog: () => catalog, clock: systemClock });
};

describe.each(engines)('replica killed mid-run on %s', (engine) => {
  let verified: TestDatabase | undefined;
  let dir: string;
  const processes: ServeProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-kill-'));
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await verified?.close();
    await rm(dir, { recursive: true, force: true });
  });

  if (engine === 'postgres') {
    it('denies while the run hangs and once it is aborted; the survivor re-runs the slot to a pass', async () => {
      verified = await createTestDatabase('postgres');
      const state = await createTestStore('postgres');
      try {
        await writeFile(path.join(dir, 'checks.yaml'), checksYaml(verified.url, engine));
        const env = { DATABASE_URL: state.url!, PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data'), PARITY_SCHEDULER_DEAD_AFTER: '20s' };
        processes.push(spawnServe('replica-1', env), spawnServe('replica-2', env));
        await Promise.all(processes.map((p) => p.ready));
        const gates = await gateFor(state.store, dir, path.join(dir, 'data'))();

        const running = await untilAlive('the scheduled run to start', async () => (await state.store.checkHistory('slow', 5)).find((r) => r.status === 'running'));
        const run = (await state.store.getRun(running.runId))!;
        const victim = processes.find((p) => p.instanceId === run.owner)!;
        const survivor = processes.find((p) => p !== victim)!;
        victim.kill('SIGKILL');
        expect(await victim.exited).toBe('SIGKILL');

        const hanging = await gates.decide('kill', 'go', { requestedBy: 'test' });
        expect(hanging.allowed).toBe(false);
        expect(hanging.reasons).toEqual([expect.stringMatching(/^check "slow" is running/)]);

        await untilAlive('the dead replica\'s run to be aborted', async () => (await state.store.getRun(run.id))?.status === 'aborted');
        expect(await state.store.getResult(running.id)).toMatchObject({ status: 'error', error: { code: 'aborted' } });
        const aborted = await gates.decide('kill', 'go', { requestedBy: 'test' });
        expect(aborted.allowed).toBe(false);

        const rerun = await untilAlive('the survivor to re-run the slot', async () => (await state.store.checkHistory('slow', 5)).find((r) => r.status === 'pass'));
        expect((await state.store.getRun(rerun.runId))!.owner).toBe(survivor.instanceId);
        expect(rerun.slot).toEqual(running.slot);
        // The claim is marked ran once the run is finished, a moment after its result is recorded.
        const claim = await untilAlive('the re-run slot\'s claim to be marked ran', async () => {
          const found = await state.store.claimOf('slow', running.slot!);
          return found?.outcome === 'ran' ? found : undefined;
        });
        expect(claim).toMatchObject({ claimedBy: survivor.instanceId, outcome: 'ran', runId: rerun.runId });
        expect((await gates.decide('kill', 'go', { requestedBy: 'test' })).allowed).toBe(true);
        // The killed run never produced a pass.
        expect((await state.store.getRun(run.id))!.results.map((r) => r.status)).toEqual(['error']);
        survivor.kill('SIGTERM');
        expect(await survivor.exited).toBe(0);
      } finally {
        await state.close();
      }
    }, 240_000);
  } else {
    it('with embedded state: after the kill the gate is denied, and the run is aborted once its owner is gone', async () => {
      const dataDir = path.join(dir, 'data');
      await writeFile(path.join(dir, 'checks.yaml'), checksYaml('embedded:app', engine));
      const server = spawnServe('replica-1', { PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: dataDir, PARITY_LOG_LEVEL: 'debug' });
      processes.push(server);
      await server.ready;
      // The embedded store belongs to the running process, and PGlite's slow query holds that
      // process's event loop, so an HTTP poll can miss the whole run; its log line cannot.
      const running = await untilAlive('the scheduled run to start', async () => {
        const line = server.output().split('\n').find((l) => l.includes('"msg":"check started"') && l.includes('"check_id":"slow"'));
        return line ? { id: (JSON.parse(line) as { result_id: string }).result_id } : undefined;
      }, 60_000);
      server.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');

      const store = await openStore({ dataDir });
      try {
        const gates = await gateFor(store, dir, dataDir)();
        const hanging = await gates.decide('kill', 'go', { requestedBy: 'test' });
        expect(hanging.allowed).toBe(false);
        expect(hanging.reasons).toEqual([expect.stringMatching(new RegExp(`^check "slow" is running \\(result ${running.id}`))]);
        // What the next replica's reaper does once the owner has missed its heartbeats.
        const aborted = await store.abortDeadRuns(new Date(Date.now() + 60_000), 45_000);
        expect(aborted.resultIds).toEqual([running.id]);
        const after = await gates.decide('kill', 'go', { requestedBy: 'test' });
        expect(after.allowed).toBe(false);
        expect(after.reasons).toEqual([expect.stringMatching(/^check "slow" could not verify: aborted: /)]);
      } finally {
        await store.close();
      }
    }, 180_000);
  }
});
