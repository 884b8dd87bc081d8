import { describe, expect, it } from 'vitest';
import { EVIDENCE_NAMES, judgeUnused, type UnusedEvidence, type WindowClocks } from '../../../src/kinds/unused/verdict.js';
import { unusedSchema } from '../../../src/kinds/unused/spec.js';
import type { SnapshotCounters } from '../../../src/kinds/unused/counters.js';

const HOUR = 3_600_000;
const counters = (over: Partial<SnapshotCounters> = {}): SnapshotCounters => ({
  version: 1, postmaster_start: '2026-01-01T00:00:00.000Z', db_oid: '5', dealloc: '0', stats_reset: null, db_stats_reset: null,
  statements: { '10/77/true': 5 }, tables: { '900': { name: 'public.users_legacy', writes: 3 } }, ...over,
});
const now = new Date('2026-02-01T12:00:00Z');
/** Both clocks agreeing (the usual case). */
const clocks = (at: Date) => ({ server: at, store: at });
const entry = { key: '10/77/true', role: 'reporting_ro', ignored: false, query: 'select id, full_name from users', uses: [{ target: 'public.users.full_name', mode: 'read' as const }], applications: ['nightly-export'] };

function evidence(over: Partial<UnusedEvidence> = {}, baselineAgo = 25 * HOUR, base = counters(), current = counters()): UnusedEvidence {
  return {
    windowMs: 24 * HOUR, dependencies: [], sessions: [], gaps: [],
    stats: { available: true, at: clocks(now), current, baseline: { at: clocks(new Date(now.getTime() - baselineAgo)), counters: base }, entries: [entry] },
    ...over,
  };
}

describe('the unused verdict', () => {
  it('passes only with a covered window, continuous counters and no use', () => {
    const outcome = judgeUnused(evidence());
    expect(outcome.status).toBe('pass');
    expect(outcome.observations).toMatchObject({ window_seconds: 86_400, covered_seconds: 90_000, coverage_ratio: 1 });
  });

  it('fails naming the role, application, count and query of a reader', () => {
    const outcome = judgeUnused(evidence({}, 25 * HOUR, counters(), counters({ statements: { '10/77/true': 417 } })));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('role reporting_ro (application nightly-export) ran `select id, full_name from users` 412 times in the last 25h (reads public.users.full_name)');
    expect(outcome.samples[0]).toMatchObject({ key: { target: 'public.users.full_name' }, detail: { calls: 412, role: 'reporting_ro' } });
  });

  it('counts an entry that appeared after the baseline in full', () => {
    const outcome = judgeUnused(evidence({}, 25 * HOUR, counters({ statements: {} }), counters()));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('5 times');
  });

  it('ignores readers of ignored roles', () => {
    const ev = evidence({}, 25 * HOUR, counters(), counters({ statements: { '10/77/true': 417 } }));
    if (ev.stats.available) ev.stats.entries = [{ ...entry, ignored: true }];
    expect(judgeUnused(ev).status).toBe('pass');
  });

  it('fails on table writes by anyone', () => {
    const outcome = judgeUnused(evidence({}, 25 * HOUR, counters(), counters({ tables: { '900': { name: 'public.users_legacy', writes: 9 } } })));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('public.users_legacy had 6 rows inserted, updated or deleted');
  });

  it('is observing (error, with coverage) until a snapshot is a window old', () => {
    const outcome = judgeUnused(evidence({}, 3 * HOUR));
    expect(outcome.status).toBe('error');
    expect(outcome.error?.code).toBe('window_not_covered');
    expect(outcome.error?.message).toBe('observing: 3h of 24h covered');
    expect(outcome.observations).toMatchObject({ covered_seconds: 10_800, coverage_ratio: 0.125 });
    const first = judgeUnused(evidence({ stats: { available: true, at: clocks(now), current: counters(), baseline: undefined, entries: [] } }));
    expect(first.status).toBe('error');
    expect(first.error?.message).toMatch(/^observing: 0s of 24h covered/);
  });

  describe('measures the window by both the server\'s and the store\'s clock', () => {
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const spanned = (baseline: WindowClocks, current: WindowClocks = clocks(now)) =>
      judgeUnused(evidence({ stats: { available: true, at: current, current: counters(), baseline: { at: baseline, counters: counters() }, entries: [entry] } }));

    it.each([
      ['the verified server\'s clock jumped a day forward', { server: ago(25 * HOUR), store: ago(1 * HOUR) }],
      ['the state store\'s clock jumped a day forward', { server: ago(1 * HOUR), store: ago(25 * HOUR) }],
    ])('does not pass when %s (only an hour really passed)', (_, baseline) => {
      const outcome = spanned(baseline);
      expect(outcome.status).toBe('error');
      expect(outcome.error?.code).toBe('window_not_covered');
      expect(outcome.error?.message).toMatch(/^observing: 1h of 24h covered \(the verified server's clock says \d+h passed since the baseline, the state store's \d+h; the smaller counts\)$/);
      expect(outcome.observations).toMatchObject({ covered_seconds: 3600 });
    });

    it('covers nothing from a baseline the store clock places in the future', () => {
      const outcome = spanned({ server: ago(25 * HOUR), store: new Date(now.getTime() + HOUR) });
      expect(outcome.status).toBe('error');
      expect(outcome.observations).toMatchObject({ covered_seconds: 0 });
    });

    it('covers nothing from a baseline written before stores kept their clock, or without the store\'s time now', () => {
      for (const outcome of [spanned({ server: ago(25 * HOUR), store: null }), spanned(clocks(ago(25 * HOUR)), { server: now, store: null })]) {
        expect(outcome.status).toBe('error');
        expect(outcome.error?.message).toContain('no state-store time');
        expect(outcome.observations).toMatchObject({ covered_seconds: 0 });
      }
    });

    it('passes when the clocks differ by the moment between reading and writing', () => {
      const outcome = spanned({ server: ago(25 * HOUR), store: ago(25 * HOUR - 30_000) });
      expect(outcome.status).toBe('pass');
      expect(outcome.observations.clocks).toBeUndefined();
    });
  });

  it.each([
    ['a reset', { stats_reset: '2026-02-01T00:00:00.000Z' }],
    ['an eviction', { dealloc: '2' }],
    ['a restart', { postmaster_start: '2026-01-31T00:00:00.000Z' }],
    ['a re-created database', { db_oid: '6' }],
    ['a database statistics reset', { db_stats_reset: '2026-02-01T00:00:00.000Z' }],
    ['an entry that vanished', { statements: {} }],
    ['an entry that went back', { statements: { '10/77/true': 1 } }],
    ['table counters that went back', { tables: { '900': { name: 'public.users_legacy', writes: 0 } } }],
  ])('cannot verify across %s', (_, change) => {
    const outcome = judgeUnused(evidence({}, 25 * HOUR, counters(), counters(change)));
    expect(outcome.status).toBe('error');
    expect(outcome.error?.code).toBe('statistics_discontinuous');
    expect(outcome.observations.covered_seconds).toBe(0);
  });

  it('cannot verify without statement statistics, but still fails on a catalog dependency', () => {
    const unavailable = { available: false as const, fault: { code: 'statement_stats_unavailable', message: 'pg_stat_statements is not installed' } };
    expect(judgeUnused(evidence({ stats: unavailable })).status).toBe('error');
    const outcome = judgeUnused(evidence({ stats: unavailable, dependencies: [{ target: 'public.users.full_name', kind: 'view', object: 'public.user_export' }] }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('view public.user_export depends on public.users.full_name');
    expect(outcome.observations.unverified).toEqual(['statement_stats_unavailable: pg_stat_statements is not installed']);
  });

  it('cannot verify with any gap, even over a covered window', () => {
    const outcome = judgeUnused(evidence({ gaps: [{ code: 'statement_truncated', message: 'session 7 …' }] }));
    expect(outcome.status).toBe('error');
    expect(outcome.error?.code).toBe('statement_truncated');
  });

  it('says each gap once, and a bounded number of them', () => {
    const hidden = { code: 'insufficient_privilege', message: 'pg_stat_statements hides the statements of role app' };
    const many = Array.from({ length: 10 }, (_, i) => ({ code: 'statement_unresolvable', message: `text ${i}` }));
    const outcome = judgeUnused(evidence({ gaps: [hidden, hidden, hidden, ...many] }));
    expect(outcome.error?.code).toBe('insufficient_privilege');
    expect(outcome.error?.message).toBe('pg_stat_statements hides the statements of role app; text 0; text 1; text 2; text 3; and 6 more gaps');
    expect(outcome.observations.unverified).toHaveLength(11);
  });

  it('ignores a baseline-less entry count rather than guessing', () => {
    const outcome = judgeUnused(evidence({ stats: { available: true, at: clocks(now), current: counters({ statements: { '10/77/true': 1e6 } }), baseline: undefined, entries: [entry] } }));
    expect(outcome.status).toBe('error');
  });

  it('says which evidence it read: everything with statistics, catalog and sessions only without', () => {
    expect(judgeUnused(evidence()).observations).toMatchObject({ evidence: 'full', evidence_not_read: [] });
    const unavailable = { available: false as const, fault: { code: 'statement_stats_unavailable', message: 'not installed' } };
    const outcome = judgeUnused(evidence({ stats: unavailable }));
    expect(outcome.observations.evidence_read).toEqual([EVIDENCE_NAMES.catalog, EVIDENCE_NAMES.sessions]);
    expect(outcome.observations.evidence_not_read).toEqual([EVIDENCE_NAMES.statements, EVIDENCE_NAMES.table_writes]);
  });
});

describe('the unused verdict with evidence: catalog (asked for in the check file)', () => {
  const catalogOnly = (over: Partial<UnusedEvidence> = {}): UnusedEvidence => ({ windowMs: undefined, dependencies: [], sessions: [], gaps: [], stats: { available: false, catalogOnly: true }, ...over });

  it('passes on an empty catalog, saying in the summary that statement statistics were not read', () => {
    const outcome = judgeUnused(catalogOnly());
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toMatch(/^unused by catalog evidence only \(the check says evidence: catalog\).*NOT read: pg_stat_statements and pg_stat_user_tables/);
    expect(outcome.observations).toMatchObject({ evidence: 'catalog', evidence_not_read: [EVIDENCE_NAMES.statements, EVIDENCE_NAMES.table_writes] });
    expect(outcome.observations).not.toHaveProperty('coverage_ratio');
  });

  it('fails naming a dependency, and cannot verify with a gap in what it did read', () => {
    const dep = { target: 'public.users.full_name', kind: 'view', object: 'public.user_directory' };
    expect(judgeUnused(catalogOnly({ dependencies: [dep] })).summary).toBe('still used: view public.user_directory depends on public.users.full_name');
    const gap = judgeUnused(catalogOnly({ gaps: [{ code: 'insufficient_privilege', message: 'pg_stat_activity hides the statement of session 7' }] }));
    expect(gap.status).toBe('error');
  });
});

describe('the unused spec', () => {
  const parse = (extra: Record<string, unknown>) => unusedSchema.safeParse({ id: 'x', kind: 'unused', source: 'app', columns: ['users.full_name'], ...extra });

  it('requires a window with full evidence and refuses one with catalog evidence', () => {
    expect(parse({ window: '24h' }).success).toBe(true);
    const missing = parse({});
    expect(missing.success).toBe(false);
    expect(JSON.stringify(missing.error?.issues)).toMatch(/window is required.*evidence: catalog/);
    expect(parse({ evidence: 'catalog' }).success).toBe(true);
    expect(parse({ evidence: 'catalog', window: '24h' }).success).toBe(false);
    expect(parse({ evidence: 'some', window: '24h' }).success).toBe(false);
  });
});
