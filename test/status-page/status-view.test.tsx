import { describe, expect, it } from 'vitest';
import { formatColumns, reasonsOncePerMigration, StatusPage } from '../../src/http/routes/status-page.js';

const verdict = (phase: string, reasons: string[]) => ({ migration: 'm', phase, allowed: reasons.length === 0, evaluated_at: '', checks: [], reasons });

describe('reasonsOncePerMigration', () => {
  it('shows a reason in the first phase that has it and counts it for later phases, by phase', () => {
    const shown = reasonsOncePerMigration([
      verdict('expand', ['a failed']),
      verdict('switch-reads', ['a failed', 'b failed']),
      verdict('contract', ['a failed', 'b failed', 'c failed']),
    ]);
    expect(shown).toEqual([
      { fresh: ['a failed'], shownAbove: [] },
      { fresh: ['b failed'], shownAbove: [{ phase: 'expand', count: 1 }] },
      { fresh: ['c failed'], shownAbove: [{ phase: 'expand', count: 1 }, { phase: 'switch-reads', count: 1 }] },
    ]);
  });

  it('treats a gate that could not be evaluated like one reason', () => {
    const shown = reasonsOncePerMigration([{ phase: 'one', unavailable: 'check files do not load' }, { phase: 'two', unavailable: 'check files do not load' }]);
    expect(shown).toEqual([{ fresh: ['check files do not load'], shownAbove: [] }, { fresh: [], shownAbove: [{ phase: 'one', count: 1 }] }]);
  });
});

describe('formatColumns', () => {
  it('writes plain text bare and quotes what would be ambiguous without quotes', () => {
    expect(formatColumns({ tenant: 'acme', id: '7' })).toBe('tenant = acme, id = 7');
    expect(formatColumns({ name: ' padded ', empty: '', list: 'a, b', n: 3, none: null })).toBe('name = " padded ", empty = "", list = "a, b", n = 3, none = null');
    expect(formatColumns({ nested: { a: [1] } })).toBe('nested = {"a":[1]}');
    expect(formatColumns({})).toBe('');
  });
});

describe('StatusPage', () => {
  it('marks a pass the gate does not count with why, e.g. a stale definition', () => {
    const check = (id: string, denial: string | null) => ({
      id, status: 'pass', result_id: 'r', finished_at: null, age_s: 1, max_age_s: 60, required_by: ['switch-reads'],
      reason: denial === null ? null : `check "${id}" last passed under an older definition`, denial,
    });
    const gate = { ...verdict('switch-reads', ['check "a" last passed under an older definition']), checks: [check('a', 'stale_definition'), check('b', null)] };
    const html = String(<StatusPage view={{ now: new Date(0), migrations: [{ id: 'm', description: null, gates: [gate as never] }], checks: [], backfill: [] }} />);
    expect(html).toContain('<code>a</code><span class="muted" data-not-counted="stale_definition"> (stale definition)</span>');
    expect(html).toMatch(/<code>b<\/code><\/span>/);
  });
});
