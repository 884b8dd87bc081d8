/**
 * Gate decisions without a row per poll: an identical answer on identical evidence to the same
 * caller adds to repeat_count; a changed answer, changed evidence, another caller or a refresh is
 * a new row. Real stores on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionLog, decisionFingerprint } from '../../src/gate/decision-log.js';
import type { GateVerdict } from '../../src/gate/evaluate-gate.js';
import { systemClock } from '../../src/runner/clock.js';
import { createTestStore, engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const YAML = `
checks:
  - id: t-ok
    kind: sql_assert
    source: app
    query: "select id from t where id < 0"
migrations:
  - id: m
    phases:
      - name: go
        requires: [t-ok]
`;

const verdict = (overrides: Partial<GateVerdict> = {}): GateVerdict => ({
  migration: 'm', phase: 'go', allowed: true, evaluated_at: '2025-06-01T12:00:00.000Z', reasons: [],
  checks: [{ id: 'c', status: 'pass', result_id: 'r1', finished_at: '2025-06-01T11:00:00.000Z', age_s: 3600, max_age_s: 7200, required_by: ['go'], reason: null, denial: null }],
  ...overrides,
});

describe('decision fingerprint', () => {
  const definitions = new Map([['c', { hash: 'h1' }]]);
  it('ignores the ages in reasons and ages of checks, but not the result, the answer or the definition', () => {
    const base = decisionFingerprint(verdict(), { requestedBy: 'ci', definitions });
    expect(decisionFingerprint(verdict({ evaluated_at: '2025-06-01T12:00:05.000Z', checks: [{ ...verdict().checks[0]!, age_s: 3605 }] }), { requestedBy: 'ci', definitions })).toBe(base);
    expect(decisionFingerprint(verdict({ checks: [{ ...verdict().checks[0]!, result_id: 'r2' }] }), { requestedBy: 'ci', definitions })).not.toBe(base);
    expect(decisionFingerprint(verdict({ allowed: false, reasons: ['x'], checks: [{ ...verdict().checks[0]!, reason: 'x' }] }), { requestedBy: 'ci', definitions })).not.toBe(base);
    expect(decisionFingerprint(verdict(), { requestedBy: 'ci', definitions: new Map([['c', { hash: 'h2' }]]) })).not.toBe(base);
    expect(decisionFingerprint(verdict(), { requestedBy: 'other', definitions })).not.toBe(base);
  });
});

describe.each(engines)('decision log on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: 'create table t (id int); insert into t values (1)' });
  });
  afterAll(() => world.close());

  it('records one row for many identical polls, counting them, and a new row when the evidence changes', async () => {
    await world.run(['t-ok']);
    const first = await world.gates.decide('m', 'go', { requestedBy: 'flags' });
    for (let i = 0; i < 99; i++) expect((await world.gates.decide('m', 'go', { requestedBy: 'flags' })).id).toBe(first.id);
    const rows = await world.gates.decisions('m', { limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.id, repeatCount: 100, allowed: true });
    expect(rows[0]!.lastSeenAt.getTime()).toBeGreaterThan(rows[0]!.evaluatedAt.getTime());

    // Another caller, then a new result (same answer, new evidence), then a refresh: each its own row.
    await world.gates.decide('m', 'go', { requestedBy: 'deployer' });
    await world.run(['t-ok']);
    const rerun = await world.gates.decide('m', 'go', { requestedBy: 'flags' });
    expect(rerun.id).not.toBe(first.id);
    const refreshed = await world.gates.decide('m', 'go', { requestedBy: 'flags', refresh: true });
    expect(refreshed.id).not.toBe(rerun.id);
    const all = await world.gates.decisions('m', { limit: 10 });
    expect(all.map((d) => [d.requestedBy, d.repeatCount])).toEqual([['flags', 1], ['flags', 1], ['deployer', 1], ['flags', 100]]);
  });

  it('records anew when the counted row was pruned meanwhile, and never answers a repeat it could not record', async () => {
    const state = await createTestStore(engine);
    const log = createDecisionLog({ store: state.store, clock: systemClock, flushMs: 0 });
    const context = { requestedBy: 'ci', refreshed: false, definitions: new Map([['c', { hash: 'h1' }]]) };
    try {
      const first = await log.record(verdict(), context);
      expect(await log.record(verdict(), context)).toEqual({ id: first.id, repeat: true });
      await state.store.pruneGateDecisions(new Date('2100-01-01'), 100);
      // The repeat is added to nothing: the log forgets the row, and the next answer is recorded again.
      await log.record(verdict(), context);
      const again = await log.record(verdict(), context);
      expect(again.repeat).toBe(false);
      expect(again.id).not.toBe(first.id);
    } finally {
      await log.close();
      await state.close();
    }
    // A closed store: recording fails, so the answer is not given (the caller answers 503).
    await expect(log.record(verdict({ allowed: false, reasons: ['x'] }), context)).rejects.toThrow();
  });
});
