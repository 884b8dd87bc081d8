/**
 * A pass is evidence about the data as it was when it was read, so its age starts when its reading
 * began, not when its outcome was written. max_age was judged from finished_at: a check whose
 * reading took longer than the phase's max_age (a table_diff of a big table, a chunked scan, a
 * shadow read over a window) opened the gate the moment it finished, on rows read before the
 * max_age window began. Resumed scans were already dated from their first chunks; an uninterrupted
 * scan whose first chunks are as old was not.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import type { GateResultRow } from '../../src/store/gates.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import { engines } from '../support/databases.js';
import { createWorld, startParity, type Parity, type World } from '../telemetry/support.js';

const CHECKS = `
checks:
  - { id: users-have-name, kind: sql_assert, source: app, query: "select id from users where first_name is null" }
migrations:
  - id: m
    phases:
      - { name: go, requires: [users-have-name], max_age: 1s }
`;

describe.each(engines)('max_age dates a pass from when its reading began, on %s', (engine) => {
  let world: World | undefined;
  let parity: Parity | undefined;
  afterEach(async () => {
    await parity?.stop();
    await world?.close();
    parity = undefined;
    world = undefined;
  });

  /** A pass of the check whose reading took `readingMs`, finished just now. */
  async function slowPass(w: World, p: Parity, readingMs: number) {
    // The server the real run recorded: this pass read the same one.
    const [read] = await w.store.checkHistory('users-have-name', 1);
    const runId = randomUUID();
    const resultId = randomUUID();
    await w.store.createRun({ id: runId, trigger: 'cli', checkIds: ['users-have-name'], selector: {}, createdAt: new Date() });
    await w.store.startResult({ id: resultId, runId, checkId: 'users-have-name', kind: 'sql_assert', definitionHash: p.service.catalog().checks.get('users-have-name')!.hash });
    await w.store.markReading(resultId);
    await new Promise((resolve) => setTimeout(resolve, readingMs));
    await w.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      servers: read!.servers, finishedAt: new Date(), durationMs: readingMs, samples: [],
    });
    await w.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, new Date());
  }

  it('denies a pass whose reading began longer ago than max_age, though it finished just now', async () => {
    world = await createWorld(engine, { checks: CHECKS });
    parity = await startParity(world);
    // A real run first, so the store knows which server `app` is.
    const run = await parity.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-have-name'] } });
    expect(run.status).toBe(200);
    expect((await parity.service.gates.decide('m', 'go')).allowed).toBe(true);
    await slowPass(world, parity, 1_500);
    const decision = await parity.service.gates.decide('m', 'go');
    expect(decision.reasons).toEqual([expect.stringMatching(/reading that began \d+s ago .*older than max_age 1s/)]);
    expect(decision.checks[0]!.denial).toBe('too_old');
    expect(decision.allowed).toBe(false);
  });
});

describe('the age a gate judges', () => {
  const NOW = new Date('2026-12-06T12:00:00Z');
  const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);
  const migration = migrationSchema.parse({ id: 'm', phases: [{ name: 'go', requires: ['c'], max_age: '1h' }] });
  const pass = (began: Date, finished: Date, resumedSince?: Date): GateResultRow => ({
    resultId: 'r', checkId: 'c', status: 'pass', definitionHash: 'h', startedAt: began, readAt: began, finishedAt: finished,
    resumedSince: resumedSince ?? null, summary: null, error: null, estimated: false, servers: {},
  });
  const judge = (row: GateResultRow) => evaluateGate({ migration, name: 'go' }, new Map([['c', row]]), new Map([['c', { hash: 'h' }]]), NOW);

  it('counts a pass read and finished within max_age', () => {
    expect(judge(pass(at(50), at(10))).allowed).toBe(true);
  });

  it('denies a pass read for three hours that finished a minute ago', () => {
    const verdict = judge(pass(at(181), at(1)));
    expect(verdict.allowed).toBe(false);
    expect(verdict.checks[0]!.denial).toBe('too_old');
    expect(verdict.reasons[0]).toMatch(/reading that began 3h 1m ago/);
  });

  it('dates a result that never recorded when reading began from when it started', () => {
    const row = { ...pass(at(90), at(1)), readAt: null };
    expect(judge(row).allowed).toBe(false);
  });

  it('still dates a resumed scan from its first chunks', () => {
    expect(judge(pass(at(30), at(1), at(120))).reasons[0]).toMatch(/resumed scan whose first chunks were read 2h ago/);
  });
});
