/** The verdict over opaque pg_stat_statements entries and the track = all marker (pure). */
import { describe, expect, it } from 'vitest';
import { judgeUnused, type UnusedEvidence } from '../../../src/kinds/unused/verdict.js';
import type { SnapshotCounters } from '../../../src/kinds/unused/counters.js';

const HOUR = 3_600_000;
const now = new Date('2026-02-01T12:00:00Z');
const counters = (over: Partial<SnapshotCounters> = {}): SnapshotCounters => ({
  version: 1, postmaster_start: '2026-01-01T00:00:00.000Z', db_oid: '5', dealloc: '0', stats_reset: null, db_stats_reset: null,
  statements: {}, tables: {}, opaque: { '10/88/true': 4 }, track_all: false, ...over,
});
const stale = { key: '10/88/true', role: 'reporting_ro', query: 'select name from people', code: 'statement_text_stale' as const, reason: 'it names column name' };

function evidence(base: SnapshotCounters, current: SnapshotCounters): UnusedEvidence {
  const at = (d: Date) => ({ server: d, store: d });
  return {
    windowMs: 24 * HOUR, dependencies: [], sessions: [], gaps: [],
    stats: { available: true, at: at(now), current, baseline: { at: at(new Date(now.getTime() - 25 * HOUR)), counters: base }, entries: [], opaque: [stale] },
  };
}

describe('unused over entries whose text cannot show what they read', () => {
  it.each([
    ['called in the window', counters(), counters({ opaque: { '10/88/true': 9 } }), 'statement_text_stale'],
    ['new since the baseline', counters({ opaque: {} }), counters(), 'statement_text_stale'],
    ['gone since the baseline', counters(), counters({ opaque: {} }), 'statistics_discontinuous'],
    ['gone back since the baseline', counters(), counters({ opaque: { '10/88/true': 1 } }), 'statistics_discontinuous'],
    ['track raised to all inside the window', counters({ opaque: {} }), counters({ opaque: {}, track_all: true }), 'statistics_discontinuous'],
    ['track all now, baseline from before parity recorded it', counters({ opaque: {}, track_all: undefined }), counters({ opaque: {}, track_all: true }), 'statistics_discontinuous'],
  ])('is error when an entry is %s', (_name, base, current, code) => {
    const ev = evidence(base, current);
    if (ev.stats.available && Object.keys(current.opaque ?? {}).length === 0) ev.stats.opaque = [];
    const outcome = judgeUnused(ev);
    expect(outcome.status).toBe('error');
    expect(outcome.error?.code).toBe(code);
  });

  it.each([
    ['not called in the window', counters(), counters()],
    ['track all at both ends', counters({ track_all: true }), counters({ track_all: true })],
    ['snapshots from before opaque entries were kept, none now', counters({ opaque: undefined }), counters({ opaque: {} })],
  ])('passes when an entry is %s', (_name, base, current) => {
    const ev = evidence(base, current);
    if (ev.stats.available && Object.keys(current.opaque ?? {}).length === 0) ev.stats.opaque = [];
    expect(judgeUnused(ev).status).toBe('pass');
  });
});
