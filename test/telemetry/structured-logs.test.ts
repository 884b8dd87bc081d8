import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { OFFLINE_PASSWORD, createWorld, runChecks, startParity, type Parity, type World } from './support.js';

const RUN_TOKEN = 'logs-run-token-9d3e7a2b51';
const SOURCE_PASSWORD = 'logs-source-pw-6f2a';

describe.each(engines)('structured logs of a run on %s', (engine) => {
  let world: World;
  let parity: Parity;
  let run: any;
  let lines: Record<string, any>[];

  beforeAll(async () => {
    world = await createWorld(engine, {
      sourceUrl: (url) => {
        if (engine === 'pglite') return url;
        const parsed = new URL(url);
        parsed.password = SOURCE_PASSWORD;
        return parsed.toString();
      },
    });
    parity = await startParity(world, { tokens: `ci:${RUN_TOKEN}:run` });
    run = await runChecks(parity, undefined, RUN_TOKEN);
    lines = parity.logs().trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
  });
  afterAll(async () => {
    await parity?.stop();
    await world?.close();
  });

  it('writes one JSON line per finished check carrying run_id, check_id and the outcome', () => {
    for (const result of run.results) {
      const line = lines.find((l) => l.check_id === result.check_id && l.status !== undefined);
      expect(line, `no log line for ${result.check_id}:\n${parity.logs()}`).toMatchObject({
        name: 'parity', run_id: run.id, check_id: result.check_id, status: result.status,
      });
      expect(typeof line!.duration_ms).toBe('number');
    }
    expect(lines.find((l) => l.check_id === 'offline-count' && l.status !== undefined)).toMatchObject({ status: 'error', error_code: expect.any(String) });
  });

  it('says when each check starts, with its result id, before the line of its outcome', () => {
    for (const result of run.results) {
      const started = lines.findIndex((l) => l.check_id === result.check_id && l.msg === 'check started');
      const finished = lines.findIndex((l) => l.check_id === result.check_id && l.status !== undefined);
      expect(lines[started], `no start line for ${result.check_id}`).toMatchObject({ level: 'debug', run_id: run.id, result_id: result.id });
      expect(started).toBeLessThan(finished);
    }
  });

  it('puts run_id on every line about a check of the run', () => {
    const aboutChecks = lines.filter((l) => l.check_id !== undefined);
    expect(aboutChecks.length).toBeGreaterThanOrEqual(run.results.length);
    for (const line of aboutChecks) expect(line.run_id, JSON.stringify(line)).toBe(run.id);
  });

  it('never writes a password or token, even for a source that cannot be reached', () => {
    const text = parity.logs();
    for (const secret of [OFFLINE_PASSWORD, SOURCE_PASSWORD, RUN_TOKEN]) expect(text).not.toContain(secret);
  });
});
