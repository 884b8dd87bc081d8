/**
 * A replica killed with SIGKILL in the middle of a chunked scan: the surviving replica re-runs the
 * slot, resumes the scan from the dead run's last recorded chunk, and ends with exactly the counts
 * of a whole scan; the same for a segmented table_diff. Real `parity serve` processes sharing a Postgres state store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';
import { until } from '../support/until.js';

const ROWS = 30_000;

const checksYaml = (url: string) => `
sources:
  app:
    url: "${url}"
    # 100-row chunks 100 ms apart: a scan of ${ROWS} rows takes about 30 s, long enough to kill mid-way.
    scan: { mode: chunked, chunk_rows: 100, target_chunk_ms: 1ms, pause_ms: 100ms }
checks:
  - id: parity
    kind: column_parity
    source: app
    table: t
    key: [id]
    old: a
    new: b
    max_mismatches: 1000
    schedule: "0 0 1 1 *"
`;

const DIFF_ROWS = 60_000;

const diffYaml = (url: string) => `
sources:
  app: { url: "${url}" }
checks:
  - id: diff
    kind: table_diff
    key: [id]
    old: { source: app, table: t_old }
    new: { source: app, table: t_new }
    max_differences: 1000
    # 100-row segments: ${DIFF_ROWS / 100} of them, each recorded, long enough to kill mid-way.
    segment_rows: 100
    schedule: "0 0 1 1 *"
`;

/** Waits as long as a killed or starting server may take; a probe that throws counts as not yet. */
const untilAlive = <T>(what: string, probe: () => Promise<T | undefined | false | null>) => until(what, probe, 120_000, { ignoreErrors: true });

describeOnPostgres('a replica killed mid-scan', () => {
  let verified: TestDatabase;
  let dir: string;
  const processes: ServeProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-resume-kill-'));
    verified = await createTestDatabase('postgres');
    await verified.exec(`create table t (id int primary key, a text, b text);
      insert into t select g, 'v' || g, case when g % 100 = 0 then 'x' else 'v' || g end from generate_series(1, ${ROWS}) g; analyze t;`);
    await verified.exec(`create table t_old (id int primary key, v text); create table t_new (id int primary key, v text);
      insert into t_old select g, 'v' || g from generate_series(1, ${DIFF_ROWS}) g;
      insert into t_new select g, case when g % 1000 = 0 then 'x' else 'v' || g end from generate_series(1, ${DIFF_ROWS}) g; analyze t_old; analyze t_new;`);
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await verified?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the survivor resumes the scan from the last recorded chunk and counts every row exactly once', async () => {
    const state = await createTestStore('postgres');
    try {
      await writeFile(path.join(dir, 'checks.yaml'), checksYaml(verified.url));
      const env = { DATABASE_URL: state.url!, PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data'), PARITY_SCHEDULER_DEAD_AFTER: '20s' };
      processes.push(spawnServe('replica-1', env), spawnServe('replica-2', env));
      await Promise.all(processes.map((p) => p.ready));

      const running = await untilAlive('the scheduled run to start', async () => (await state.store.checkHistory('parity', 5)).find((r) => r.status === 'running'));
      // Wait until the scan has recorded some chunks, then kill the replica running it.
      const recorded = async () => {
        const rows = await state.store.state.db.execute(sql`select run_id, chunks from parity.scan_checkpoints`);
        return [...(rows as unknown as Iterable<{ run_id: string; chunks: number }>)];
      };
      await untilAlive('chunks to be recorded', async () => (await recorded()).some((r) => r.run_id === running.runId && r.chunks >= 20));
      const run = (await state.store.getRun(running.runId))!;
      const victim = processes.find((p) => p.instanceId === run.owner)!;
      const survivor = processes.find((p) => p !== victim)!;
      victim.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      const left = (await recorded()).find((r) => r.run_id === running.runId)!;
      expect(left.chunks).toBeGreaterThanOrEqual(20);
      expect(left.chunks).toBeLessThan(ROWS / 100);

      const resumed = await untilAlive('the survivor to re-run the slot', async () => (await state.store.checkHistory('parity', 5)).find((r) => r.status !== 'running' && r.runId !== running.runId));
      expect((await state.store.getRun(resumed.runId))!.owner).toBe(survivor.instanceId);
      expect(resumed).toMatchObject({
        status: 'pass',
        observations: { rows: ROWS, mismatches: ROWS / 100, resumed_from: { run_id: running.runId, chunks: left.chunks, rows_scanned: left.chunks * 100 } },
      });
      // The killed run never produced a pass, and the finished scan left no checkpoint behind.
      expect((await state.store.getResult(running.id))!.status).toBe('error');
      expect(await recorded()).toEqual([]);
      survivor.kill('SIGTERM');
      expect(await survivor.exited).toBe(0);
    } finally {
      await state.close();
    }
  }, 240_000);

  it('a segmented table_diff: the survivor resumes after the last recorded segment with the whole tally', async () => {
    const state = await createTestStore('postgres');
    const diffDir = path.join(dir, 'diff');
    try {
      await mkdir(diffDir, { recursive: true });
      await writeFile(path.join(diffDir, 'checks.yaml'), diffYaml(verified.url));
      const env = { DATABASE_URL: state.url!, PARITY_CHECKS_DIR: diffDir, PARITY_DATA_DIR: path.join(diffDir, 'data'), PARITY_SCHEDULER_DEAD_AFTER: '20s' };
      const replicas = [spawnServe('replica-3', env), spawnServe('replica-4', env)];
      processes.push(...replicas);
      await Promise.all(replicas.map((p) => p.ready));

      const running = await untilAlive('the scheduled run to start', async () => (await state.store.checkHistory('diff', 5)).find((r) => r.status === 'running'));
      const recorded = async () => {
        const rows = await state.store.state.db.execute(sql`select run_id, chunks from parity.scan_checkpoints`);
        return [...(rows as unknown as Iterable<{ run_id: string; chunks: number }>)];
      };
      await untilAlive('segments to be recorded', async () => (await recorded()).some((r) => r.run_id === running.runId && r.chunks >= 20));
      const run = (await state.store.getRun(running.runId))!;
      const victim = replicas.find((p) => p.instanceId === run.owner)!;
      const survivor = replicas.find((p) => p !== victim)!;
      victim.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      const left = (await recorded()).find((r) => r.run_id === running.runId)!;
      expect(left.chunks).toBeLessThan(DIFF_ROWS / 100);

      const resumed = await untilAlive('the survivor to re-run the slot', async () => (await state.store.checkHistory('diff', 5)).find((r) => r.status !== 'running' && r.runId !== running.runId));
      expect((await state.store.getRun(resumed.runId))!.owner).toBe(survivor.instanceId);
      expect(resumed).toMatchObject({
        status: 'pass',
        observations: {
          old_rows: DIFF_ROWS, new_rows: DIFF_ROWS, changed: DIFF_ROWS / 1000, missing_in_new: 0, missing_in_old: 0,
          resumed_from: { run_id: running.runId, chunks: left.chunks, rows_scanned: left.chunks * 200, unit: 'segment' },
        },
      });
      expect((await state.store.getResult(running.id))!.status).toBe('error');
      expect(await recorded()).toEqual([]);
      survivor.kill('SIGTERM');
      expect(await survivor.exited).toBe(0);
    } finally {
      await state.close();
    }
  }, 240_000);
});
