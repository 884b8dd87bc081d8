import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGate, humanAge } from '../../src/gate/evaluate-gate.js';
import { formatDecision } from '../../src/cli/commands/gate.js';
import type { GateResultRow as GateEvidence } from '../../src/store/gates.js';
import { phaseRequirements } from '../../src/gate/requirements.js';
import type { MigrationSpec } from '../../src/checkfile/migrations.js';
import type { CheckSpec } from '../../src/catalog/registry.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const CHECK_IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const hashOf = (id: string) => `hash-${id}`;
const definitions = new Map(CHECK_IDS.map((id) => [id, { hash: hashOf(id) }]));

type Flavour = 'pass' | 'resumed-pass' | 'missing' | 'running' | 'fail' | 'error' | 'stale' | 'resumed-stale' | 'resumed-unrecorded' | 'long-read' | 'other-hash' | 'future' | 'unknown-status' | 'unfinished' | 'estimated';
const BAD: Flavour[] = ['missing', 'running', 'fail', 'error', 'stale', 'resumed-stale', 'resumed-unrecorded', 'long-read', 'other-hash', 'future', 'unknown-status', 'unfinished', 'estimated'];
/** The code each flavour of evidence must be denied with, decided independently of the implementation. */
const DENIAL_OF: Record<Flavour, string | null> = {
  pass: null, 'resumed-pass': null, missing: 'missing', running: 'running', unfinished: 'running', fail: 'failed', error: 'could_not_verify',
  'unknown-status': 'not_a_pass', stale: 'too_old', 'resumed-stale': 'too_old', 'resumed-unrecorded': 'replica_lag', 'long-read': 'too_old', 'other-hash': 'stale_definition', estimated: 'estimate', future: 'clock_skew',
};

const phaseArb = (index: number) => fc.record({
  name: fc.constant(`phase-${index}`),
  requires: fc.uniqueArray(fc.constantFrom(...CHECK_IDS), { maxLength: 4 }),
  max_age: fc.integer({ min: 1_000, max: 7_200_000 }),
  require_earlier_phases: fc.boolean(),
});

const migrationArb: fc.Arbitrary<MigrationSpec> = fc.integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => phaseArb(i))))
  .map((phases) => ({ id: 'm', phases }));

/** The checks a phase requires, computed independently of the implementation. */
function requiredIds(migration: MigrationSpec, index: number): string[] {
  const phase = migration.phases[index]!;
  const phases = phase.require_earlier_phases ? migration.phases.slice(0, index + 1) : [phase];
  return [...new Set(phases.flatMap((p) => p.requires))];
}

/** What a resumed scan read on a primary carries forward: no lag. */
const ON_PRIMARY = { app: { state: 'primary', lag_ms: 0, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: null } };

/** Evidence of the given flavour; "pass" is fresh under every phase's max_age. */
function evidence(id: string, flavour: Flavour, migration: MigrationSpec, ageFraction: number): GateEvidence | undefined {
  const minAge = Math.min(...migration.phases.map((p) => p.max_age));
  const maxAge = Math.max(...migration.phases.map((p) => p.max_age));
  const finishedAgo = (ms: number) => new Date(NOW.getTime() - ms);
  // Reading began when the pass is dated from (a pass is as old as its first read).
  const base = { resultId: `r-${id}`, checkId: id, definitionHash: hashOf(id), startedAt: finishedAgo(Math.floor(minAge * ageFraction)), summary: `summary of ${id}`, error: null, estimated: false };
  switch (flavour) {
    case 'missing': return undefined;
    case 'pass': return { ...base, status: 'pass', finishedAt: finishedAgo(Math.floor(minAge * ageFraction)) };
    case 'running': return { ...base, status: 'running', finishedAt: null };
    case 'unfinished': return { ...base, status: 'pass', finishedAt: null };
    case 'fail': return { ...base, status: 'fail', finishedAt: finishedAgo(0) };
    case 'error': return { ...base, status: 'error', finishedAt: finishedAgo(0) };
    case 'unknown-status': return { ...base, status: 'aborted', finishedAt: finishedAgo(0) };
    // A chunked scan resumed from an interrupted run: fresh only if its oldest chunks are.
    case 'resumed-pass': return { ...base, status: 'pass', finishedAt: finishedAgo(0), resumedSince: finishedAgo(Math.floor(minAge * ageFraction)), resumedReadUnder: ON_PRIMARY };
    // Was allowed: finished just now, but its first chunks were counted longer ago than max_age.
    case 'resumed-stale': return { ...base, status: 'pass', finishedAt: finishedAgo(0), resumedSince: finishedAgo(maxAge + 1 + Math.floor(ageFraction * 1e6)), resumedReadUnder: ON_PRIMARY };
    // Was allowed: fresh, but how far behind its primary the interrupted run read is not recorded (older code).
    case 'resumed-unrecorded': return { ...base, status: 'pass', finishedAt: finishedAgo(0), resumedSince: finishedAgo(Math.floor(minAge * ageFraction)) };
    // Was allowed: finished just now, but its reading began longer ago than max_age.
    case 'long-read': return { ...base, status: 'pass', startedAt: finishedAgo(maxAge + 1 + Math.floor(ageFraction * 1e6)), readAt: finishedAgo(maxAge + 1 + Math.floor(ageFraction * 1e6)), finishedAt: finishedAgo(0) };
    case 'stale': return { ...base, status: 'pass', finishedAt: finishedAgo(maxAge + 1 + Math.floor(ageFraction * 1e6)) };
    case 'other-hash': return { ...base, status: 'pass', definitionHash: 'hash-of-an-older-definition', finishedAt: finishedAgo(0) };
    case 'estimated': return { ...base, status: 'pass', estimated: true, finishedAt: finishedAgo(0) };
    case 'future': return { ...base, status: 'pass', finishedAt: new Date(NOW.getTime() + 60_000 + Math.floor(ageFraction * 1e6)) };
  }
}

const scenarioArb = migrationArb.chain((migration) => fc.record({
  migration: fc.constant(migration),
  index: fc.integer({ min: 0, max: migration.phases.length - 1 }),
  flavours: fc.dictionary(fc.constantFrom(...CHECK_IDS), fc.constantFrom<Flavour>('pass', 'resumed-pass', ...BAD), { minKeys: CHECK_IDS.length }),
  ageFraction: fc.double({ min: 0, max: 1, noNaN: true }),
}));

function run(s: { migration: MigrationSpec; index: number; flavours: Record<string, Flavour>; ageFraction: number }) {
  const results = new Map<string, GateEvidence>();
  for (const id of CHECK_IDS) {
    const e = evidence(id, s.flavours[id] ?? 'pass', s.migration, s.ageFraction);
    if (e) results.set(id, e);
  }
  return evaluateGate({ migration: s.migration, name: `phase-${s.index}` }, results, definitions, NOW);
}

describe('evaluateGate properties', () => {
  it('is never allowed when any required result is missing, running, failing, errored, stale, from another definition or otherwise not a fresh pass', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const required = requiredIds(s.migration, s.index);
      const bad = required.filter((id) => s.flavours[id] !== 'pass' && s.flavours[id] !== 'resumed-pass');
      fc.pre(bad.length > 0);
      const verdict = run(s);
      expect(verdict.allowed).toBe(false);
      for (const id of bad) expect(verdict.reasons.some((r) => r.includes(`check "${id}"`))).toBe(true);
      for (const id of bad) expect(verdict.checks.find((c) => c.id === id)?.reason).toBeTruthy();
    }), { numRuns: 2_000 });
  });

  it('gives every check a denial code that matches its evidence, and null exactly when it counts', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      for (const check of run(s).checks) {
        expect(check.denial).toBe(DENIAL_OF[s.flavours[check.id] ?? 'pass']);
        expect(check.denial === null).toBe(check.reason === null);
      }
    }), { numRuns: 1_000 });
  });

  it('is allowed when every required result is a fresh pass of the current definition', () => {
    const allPassArb = scenarioArb.map((s) => ({
      ...s, flavours: { ...s.flavours, ...Object.fromEntries(requiredIds(s.migration, s.index).map((id, i) => [id, (i % 2 === 0 ? 'pass' : 'resumed-pass') as Flavour])) },
    }));
    fc.assert(fc.property(allPassArb, (s) => {
      const required = requiredIds(s.migration, s.index);
      fc.pre(required.length > 0);
      const verdict = run(s);
      expect(verdict.reasons).toEqual([]);
      expect(verdict.allowed).toBe(true);
      expect(verdict.checks.map((c) => c.id).sort()).toEqual([...required].sort());
    }), { numRuns: 2_000 });
  });

  it('judges exactly the phase\'s checks plus earlier phases\' unless require_earlier_phases is false', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const verdict = run(s);
      expect(new Set(verdict.checks.map((c) => c.id))).toEqual(new Set(requiredIds(s.migration, s.index)));
      // An unrelated check's result never changes the answer.
      const unrelated = CHECK_IDS.filter((id) => !requiredIds(s.migration, s.index).includes(id));
      const flipped = { ...s, flavours: { ...s.flavours, ...Object.fromEntries(unrelated.map((id) => [id, 'fail' as Flavour])) } };
      expect(run(flipped).allowed).toBe(verdict.allowed);
    }), { numRuns: 1_000 });
  });

  it('is never allowed for a phase that requires nothing', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      fc.pre(requiredIds(s.migration, s.index).length === 0);
      const verdict = run(s);
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons[0]).toMatch(/requires no checks/);
    }), { numRuns: 500 });
  });
});

describe('evaluateGate', () => {
  const migration: MigrationSpec = {
    id: 'users-split-name',
    phases: [
      { name: 'switch-reads', requires: ['a', 'b'], max_age: 3_600_000, require_earlier_phases: true },
      { name: 'contract', requires: ['b', 'c'], max_age: 900_000, require_earlier_phases: true },
      { name: 'cleanup', requires: ['d'], max_age: 3_600_000, require_earlier_phases: false },
    ],
  };
  const pass = (id: string, agoMs: number, hash = hashOf(id)): GateEvidence => ({
    resultId: `r-${id}`, checkId: id, status: 'pass', definitionHash: hash, startedAt: new Date(NOW.getTime() - agoMs), finishedAt: new Date(NOW.getTime() - agoMs),
    summary: null, error: null, estimated: false,
  });

  it('inherits earlier phases\' checks, judged by the stricter max_age', () => {
    expect(phaseRequirements(migration, 'contract')).toEqual([
      { checkId: 'a', maxAgeMs: 900_000, phases: ['switch-reads'], continuous: false },
      { checkId: 'b', maxAgeMs: 900_000, phases: ['switch-reads', 'contract'], continuous: false },
      { checkId: 'c', maxAgeMs: 900_000, phases: ['contract'], continuous: false },
    ]);
    const results = new Map([['a', pass('a', 1_200_000)], ['b', pass('b', 60_000)], ['c', pass('c', 60_000)]]);
    expect(evaluateGate({ migration, name: 'switch-reads' }, results, definitions, NOW).allowed).toBe(true);
    const verdict = evaluateGate({ migration, name: 'contract' }, results, definitions, NOW);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons).toEqual(['check "a" last passed 20m ago, older than max_age 15m']);
  });

  it('ignores earlier phases when require_earlier_phases is false', () => {
    expect(phaseRequirements(migration, 'cleanup')).toEqual([{ checkId: 'd', maxAgeMs: 3_600_000, phases: ['cleanup'], continuous: false }]);
    const verdict = evaluateGate({ migration, name: 'cleanup' }, new Map([['d', pass('d', 0)]]), definitions, NOW);
    expect(verdict).toMatchObject({ allowed: true, migration: 'users-split-name', phase: 'cleanup', evaluated_at: NOW.toISOString(), reasons: [] });
  });

  // A catalog-only `unused` pass counts (the check file asked for it in plain sight), but the
  // answer says what it did not read instead of a bare "pass".
  it('names the evidence a counting pass was reached without', () => {
    const notRead = ['statement calls over the window (pg_stat_statements)', 'table writes over the window (pg_stat_user_tables)'];
    const verdict = evaluateGate({ migration, name: 'cleanup' }, new Map([['d', { ...pass('d', 0), evidenceNotRead: notRead }]]), definitions, NOW);
    expect(verdict.allowed).toBe(true);
    expect(verdict.checks[0]).toMatchObject({ reason: null, denial: null, caveat: `passed without reading: ${notRead.join('; ')}` });
    expect(formatDecision({ ...verdict, id: null, requested_by: null, refreshed: false } as never)).toContain('! passed without reading: statement calls');
    const full = evaluateGate({ migration, name: 'cleanup' }, new Map([['d', pass('d', 0)]]), definitions, NOW);
    expect(full.checks[0]).not.toHaveProperty('caveat');
  });

  it('explains each denial in words a person can act on', () => {
    const results = new Map<string, GateEvidence>([
      ['a', { ...pass('a', 0), status: 'fail', summary: '3 rows have mismatching values' }],
      ['b', { ...pass('b', 0), status: 'running', startedAt: new Date(NOW.getTime() - 1000), finishedAt: null }],
    ]);
    const verdict = evaluateGate({ migration, name: 'contract' }, results, definitions, NOW);
    expect(verdict.reasons).toEqual([
      'check "a" failed: 3 rows have mismatching values',
      `check "b" is running (result r-b, started ${new Date(NOW.getTime() - 1000).toISOString()}); its outcome is not known yet`,
      'check "c" has no result yet',
    ]);
    expect(verdict.checks[0]).toEqual({
      id: 'a', status: 'fail', result_id: 'r-a', finished_at: NOW.toISOString(), age_s: 0, max_age_s: 900, required_by: ['switch-reads'],
      reason: 'check "a" failed: 3 rows have mismatching values', denial: 'failed',
    });
  });

  it('phrases "could not verify" from the recorded fault, once', () => {
    const results = new Map<string, GateEvidence>([
      ['a', { ...pass('a', 0), status: 'error', summary: 'could not verify: timeout: canceling statement due to statement timeout', error: { code: 'timeout', message: 'canceling statement due to statement timeout' } }],
      ['b', { ...pass('b', 0), status: 'error', summary: null }],
    ]);
    expect(evaluateGate({ migration, name: 'switch-reads' }, results, definitions, NOW).reasons).toEqual([
      'check "a" could not verify: timeout: canceling statement due to statement timeout',
      'check "b" could not verify',
    ]);
  });

  it('denies a pass produced by an older definition and a check no longer declared', () => {
    const results = new Map([['a', pass('a', 0, 'oldhash0000')], ['b', pass('b', 0)]]);
    const verdict = evaluateGate({ migration, name: 'switch-reads' }, results, new Map([['a', { hash: hashOf('a') }]]), NOW);
    expect(verdict.reasons).toEqual([
      'check "a" last passed under another definition (oldhash0, now hash-a: the check, the target of a source it reads, or the version of parity changed since); run it again',
      'check "b" is not declared in the check files',
    ]);
    expect(verdict.checks.map((c) => c.denial)).toEqual(['stale_definition', 'undeclared']);
  });

  it('accepts a pass exactly max_age old and tolerates small clock skew, but not a result from the future', () => {
    const at = (id: string, agoMs: number) => new Map([['a', pass('a', agoMs)], ['b', pass('b', 0)]]);
    expect(evaluateGate({ migration, name: 'switch-reads' }, at('a', 3_600_000), definitions, NOW).allowed).toBe(true);
    expect(evaluateGate({ migration, name: 'switch-reads' }, at('a', 3_600_001), definitions, NOW).allowed).toBe(false);
    expect(evaluateGate({ migration, name: 'switch-reads' }, at('a', -4_000), definitions, NOW).allowed).toBe(true);
    expect(evaluateGate({ migration, name: 'switch-reads' }, at('a', -3_600_000), definitions, NOW).reasons[0]).toMatch(/in the future/);
  });

  it('denies passes that read one source as two servers, even when neither was found later than the other', () => {
    const server = (system_identifier: string, timeline = 1) => ({ system_identifier, timeline, database_oid: '16384', database: 'app' });
    const results = new Map([['a', { ...pass('a', 0), servers: { app: server('7001') } }], ['b', { ...pass('b', 0), servers: { app: server('7002') } }]]);
    const verdict = evaluateGate({ migration, name: 'switch-reads' }, results, definitions, NOW);
    expect(verdict.allowed).toBe(false);
    expect(verdict.checks.map((c) => c.denial)).toEqual(['mixed_servers', 'mixed_servers']);
    expect(verdict.reasons[0]).toMatch(/source "app" as different servers \(cluster 7001, timeline 1, database app \(oid 16384\); cluster 7002/);
    // A clone of the cluster, promoted: its timeline is all that differs.
    const clone = new Map([['a', { ...pass('a', 0), servers: { app: server('7001') } }], ['b', { ...pass('b', 0), servers: { app: server('7001', 2) } }]]);
    expect(evaluateGate({ migration, name: 'switch-reads' }, clone, definitions, NOW).checks.map((c) => c.denial)).toEqual(['mixed_servers', 'mixed_servers']);
    // The same cluster, timeline and database behind another address (a standby, a pooler) is the same server.
    const same = new Map([['a', { ...pass('a', 0), servers: { app: server('7001') } }], ['b', { ...pass('b', 0), servers: { app: server('7001') } }]]);
    expect(evaluateGate({ migration, name: 'switch-reads' }, same, definitions, NOW).allowed).toBe(true);
  });

  it('counts a pass about an embedded source only while the source reaches that very embedded database', () => {
    const spec = (id: string) => ({ id, kind: 'sql_assert', source: 'app', query: 'select 1 where false' }) as unknown as CheckSpec;
    const defs = new Map(['a', 'b'].map((id) => [id, { hash: hashOf(id), spec: spec(id) }]));
    // Every embedded database is a copy of one template: the same cluster, timeline, database and oid.
    const template = { system_identifier: '7716541789307764778', timeline: 1, database_oid: '5', database: 'postgres' };
    const ours = { embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000001', data_dir: '/srv/parity' };
    const read = (identity: object) => new Map(['a', 'b'].map((id) => [id, { ...pass(id, 0), servers: { app: { ...template, ...identity } }, readUnder: { app: { in_recovery: false, replica_lag: null } } }]));
    const sources = new Map([['app', { spec: { url: 'embedded:app' } }]]);
    const judged = (identity: object, now: typeof ours | null | undefined) => evaluateGate({ migration, name: 'switch-reads' }, read(identity), defs, NOW, sources, now === undefined ? new Map() : new Map([['app', now]])).checks.map((c) => c.denial);
    expect(judged(ours, ours)).toEqual([null, null]);
    // Another database (another id), the same database under another data directory (moved or copied), none there, or none known.
    expect(judged(ours, { ...ours, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000002' })).toEqual(['server_changed', 'server_changed']);
    expect(judged(ours, { ...ours, data_dir: '/srv/moved' })).toEqual(['server_changed', 'server_changed']);
    expect(judged(ours, null)).toEqual(['server_changed', 'server_changed']);
    expect(judged(ours, undefined)).toEqual(['server_changed', 'server_changed']);
    // Recorded before embedded databases had ids: which one it read is unknown.
    expect(judged({}, ours)).toEqual(['server_changed', 'server_changed']);
    const reason = evaluateGate({ migration, name: 'switch-reads' }, read(ours), defs, NOW, sources, new Map([['app', { ...ours, embedded_id: '0b1c5c8e-1111-4c8e-8e8e-000000000002' }]])).reasons[0];
    expect(reason).toMatch(/as embedded database 0b1c5c8e-1111-4c8e-8e8e-000000000001 under \/srv\/parity, .*but the source now reaches embedded database 0b1c5c8e-1111-4c8e-8e8e-000000000002 under \/srv\/parity/);
    // A Postgres source is judged by its server alone, as before.
    expect(evaluateGate({ migration, name: 'switch-reads' }, read({}), defs, NOW, new Map([['app', { spec: { url: 'postgres://u@h/app' } }]])).allowed).toBe(true);
  });

  it('judges a recorded replica lag by the max_replica_lag the source sets now, and a lag never recorded as unknown', () => {
    const spec = (id: string) => ({ id, kind: 'sql_assert', source: 'app', query: 'select 1 where false' }) as unknown as CheckSpec;
    const defs = new Map(['a', 'b'].map((id) => [id, { hash: hashOf(id), spec: spec(id) }]));
    const server = { system_identifier: '7001', database_oid: '16384', database: 'app' };
    const lag = (lag_ms: number | null) => ({ state: lag_ms === null ? 'unknown' : 'behind', lag_ms, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: null }) as const;
    const read = (readUnder: GateEvidence['readUnder']) => new Map([['a', { ...pass('a', 0), servers: { app: server }, readUnder }], ['b', { ...pass('b', 0), servers: { app: server }, readUnder: { app: { in_recovery: false, replica_lag: null } } }]]);
    const judged = (readUnder: GateEvidence['readUnder'], limit?: number) => evaluateGate({ migration, name: 'switch-reads' }, read(readUnder), defs, NOW, new Map([['app', { spec: { max_replica_lag: limit } }]])).checks.map((c) => c.denial);
    const standby = (ms: number | null) => ({ app: { in_recovery: true, replica_lag: lag(ms) } });
    expect(judged(standby(45_000))).toEqual([null, null]);
    expect(judged(standby(45_000), 30_000)).toEqual(['replica_lag', null]);
    expect(judged(standby(30_000), 30_000)).toEqual([null, null]);
    expect(judged(standby(null), 3_600_000)).toEqual(['replica_lag', null]);
    // No reading kept: a primary needs none; a server that may have been a standby is not trusted.
    expect(judged({ app: { in_recovery: true, replica_lag: null } }, 30_000)).toEqual(['replica_lag', null]);
    expect(judged(null, 30_000)).toEqual(['replica_lag', null]);
  });

  it('denies an unknown phase, naming the phases there are', () => {
    expect(evaluateGate({ migration, name: 'nope' }, new Map(), definitions, NOW)).toMatchObject({
      allowed: false, reasons: ['migration "users-split-name" has no phase "nope"; its phases are: switch-reads, contract, cleanup'],
    });
  });

  it('formats ages with their two largest units', () => {
    expect([humanAge(250), humanAge(45_000), humanAge(7_500_000), humanAge(90_061_000)]).toEqual(['250ms', '45s', '2h 5m', '1d 1h']);
  });
});
