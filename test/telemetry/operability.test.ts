/**
 * What an operator sees: Node process metrics on /metrics, runs made by `parity run` against the
 * shared store counted once across serving replicas (so the run, duration and rows panels show CI
 * runs), and one access-log line per request with level names and ISO times, never a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openService } from '../../src/service/service.js';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { createHttpFixture, type HttpFixture } from '../http/support.js';
import { createWorld, startParity, type Parity, type World } from './support.js';

const READ = 'prom-read-token-5d1c0e88aa';

describe.each(engines)('operability on %s', (engine) => {
  let world: World;
  let a: Parity;
  let b: Parity;
  beforeAll(async () => {
    world = await createWorld(engine);
    a = await startParity(world, { tokens: `prometheus:${READ}:read` });
    b = await startParity(world, { tokens: `prometheus:${READ}:read` });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await world?.close();
  });

  it('exports Node process metrics: CPU, memory, heap, event-loop delay, start time', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = await a.scrape(READ);
    expect(metrics.value('parity_process_cpu_seconds_total', {})).toBeGreaterThan(0);
    expect(metrics.value('parity_process_resident_memory_bytes', {})).toBeGreaterThan(10 * 2 ** 20);
    expect(metrics.value('parity_nodejs_heap_used_bytes', {})).toBeGreaterThan(0);
    expect(Math.abs(metrics.value('parity_process_start_time_seconds', {})! - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
  });

  it('counts runs made by the CLI against the shared store exactly once across replicas', async () => {
    // What `parity run` does: its own service on the store, no telemetry, trigger "cli".
    const config = loadConfig({}, { checksDir: world.checksDir, dataDir: world.db.dataDir });
    const cli = await openService(config, { store: world.store, env: {} });
    try {
      const checks = ['users-row-count', 'users-name-parity'].map((id) => cli.catalog().checks.get(id)!);
      const { finished } = await cli.runner.start({ checks, trigger: 'cli', requestedBy: 'cli' });
      await finished;
    } finally {
      await cli.close();
    }
    await Promise.all([a.telemetry.refresh(), b.telemetry.refresh()]);
    const [ma, mb] = [await a.scrape(READ), await b.scrape(READ)];
    const cliRuns = (m: typeof ma) => m.find('parity_check_runs_total').filter((s) => s.labels.trigger === 'cli').reduce((sum, s) => sum + s.value, 0);
    expect(cliRuns(ma) + cliRuns(mb)).toBe(2);
    const durations = (m: typeof ma) => m.find('parity_check_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    expect(durations(ma) + durations(mb)).toBe(2);
    // A second look counts nothing again.
    await Promise.all([a.telemetry.refresh(), b.telemetry.refresh()]);
    expect(cliRuns(await a.scrape(READ)) + cliRuns(await b.scrape(READ))).toBe(2);
  });
});

// Its own world: no other replica's timer may claim the CLI run first.
describe.each(engines)('telemetry refresh on %s', (engine) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(engine);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('still counts CLI runs when recording the declared definitions fails (each refresh step stands alone)', async () => {
    // A replica whose store refuses one write (a lock, a full disk on one table): the CLI runs it can
    // still claim must reach the run panels, and the failure must still be reported.
    const failing = { ...world.store, declareDefinitions: () => Promise.reject(new Error('check_declarations is locked')) };
    const c = await startParity({ ...world, store: failing }, { tokens: `prometheus:${READ}:read` });
    try {
      const config = loadConfig({}, { checksDir: world.checksDir, dataDir: world.db.dataDir });
      const cli = await openService(config, { store: world.store, env: {} });
      try {
        const { finished } = await cli.runner.start({ checks: [cli.catalog().checks.get('users-row-count')!], trigger: 'cli', requestedBy: 'cli' });
        await finished;
      } finally {
        await cli.close();
      }
      await expect(c.telemetry.refresh()).rejects.toThrow(/check_declarations is locked/);
      const counted = (await c.scrape(READ)).find('parity_check_runs_total').filter((s) => s.labels.trigger === 'cli');
      expect(counted.reduce((sum, s) => sum + s.value, 0)).toBe(1);
    } finally {
      await c.stop();
    }
  });
});

describe.each(engines)('access log on %s', (engine) => {
  const TOKEN = 'access-log-token-9f3e2a71';
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `deployer:${TOKEN}:run` });
  });
  afterAll(() => fx.close());

  const lines = () => fx.logs().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one line per request with the route pattern, status, duration and caller name, never the token', async () => {
    const before = lines().length;
    const response = await fx.request('GET', '/v1/migrations/nope/gates/go?respond=status', { token: TOKEN });
    expect(response.status).toBe(404);
    const access = lines().slice(before).filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: 'info', method: 'GET', route: '/v1/migrations/:id/gates/:phase', status: 404, caller: 'deployer', duration_ms: expect.any(Number) });
    expect(String(access[0]!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(fx.logs()).not.toContain(TOKEN);
  });

  it('logs authentication failures at warn, and gate decisions when they are recorded', async () => {
    const before = lines().length;
    expect((await fx.request('GET', '/v1/runs', { token: 'not-a-known-token-123456' })).status).toBe(401);
    const refused = lines().slice(before).filter((l) => l.msg === 'request refused');
    expect(refused).toMatchObject([{ level: 'warn', status: 401, caller: null }]);
    expect(fx.logs()).not.toContain('not-a-known-token-123456');

    expect((await fx.request('GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', { token: TOKEN })).status).toBe(200);
    // A poll repeating the same answer is counted, not logged again as a decision.
    await fx.request('GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', { token: TOKEN });
    const decisions = lines().filter((l) => l.msg === 'gate users-split-name/switch-reads: denied');
    expect(decisions).toMatchObject([{ level: 'info', migration_id: 'users-split-name', phase: 'switch-reads', allowed: false, requested_by: 'deployer' }]);
  });
});
