/**
 * A phase's `max_age` is how old a pass may be and still open its gate. It had no upper bound, and
 * a duration written with enough digits (`max_age: "999…9d"`) parsed to Infinity: every pass ever
 * recorded counted, however old. Before the fix such a phase loaded and its gate allowed on a pass
 * finished ten years earlier. Now every duration must be a finite number, and `max_age` at most
 * 366d, refused at load with file:line:column.
 */
import { describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import type { GateResultRow } from '../../src/store/gates.js';

const file = (maxAge: string) => `sources:
  app: { url: "postgres://u@h/db" }
checks:
  - { id: c, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
migrations:
  - id: m
    phases:
      - { name: go, requires: [c], max_age: ${maxAge} }
`;

function load(maxAge: string) {
  return parseCheckFile(file(maxAge), 'x.yaml', {}, { osUser: 'u' });
}

const NOW = new Date('2026-12-06T12:00:00Z');
const TEN_YEARS_AGO = new Date('2016-12-06T12:00:00Z');

describe('a phase max_age that would count any pass', () => {
  it.each([
    [`"${'9'.repeat(400)}d"`, 'a duration too large to be a number'],
    ['1e15', '31,000 years in milliseconds'],
    ['400d', 'over a year'],
  ])('refuses max_age: %s (%s) at its line and column', (maxAge) => {
    const parsed = load(maxAge);
    if (!Array.isArray(parsed)) {
      // The old loader: the phase loads, and its gate allows on a pass ten years old.
      const migration = parsed.migrations[0]!.spec;
      const pass: GateResultRow = {
        resultId: 'r', checkId: 'c', status: 'pass', definitionHash: 'h', startedAt: TEN_YEARS_AGO, readAt: TEN_YEARS_AGO,
        finishedAt: TEN_YEARS_AGO, summary: null, error: null, estimated: false, servers: {},
      };
      const verdict = evaluateGate({ migration, name: 'go' }, new Map([['c', pass]]), new Map([['c', { hash: 'h' }]]), NOW);
      expect(verdict.allowed, 'the gate allowed on a pass ten years old').toBe(false);
    }
    expect(Array.isArray(parsed) ? parsed.map(formatProblem) : []).toEqual([expect.stringMatching(/^x\.yaml:8:\d+: migrations\[0\]\.phases\[0\]\.max_age: /)]);
  });

  it('keeps every max_age up to a year', () => {
    for (const maxAge of ['500ms', '15m', '1h', '7d', '365d', '366d', '86400000']) expect(Array.isArray(load(maxAge)), maxAge).toBe(false);
  });
});
