/** `incremental:` in check files: where it is allowed, and clear file:line:column problems where it is not. */
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';

function load(check: string): string {
  const parsed = parseCheckFile(`sources:\n  app: { url: "embedded:x" }\nchecks:\n  - ${check}\n`, 'c.yaml', {});
  if (Array.isArray(parsed)) return parsed.map(formatProblem).join('\n');
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog.map(formatProblem).join('\n') : 'ok';
}

const INC = 'incremental: { column: updated_at, overlap: 5m, full_every: 7d }';

describe('incremental in check files', () => {
  it('is accepted on same-table column_parity and null_check with zero tolerance', () => {
    expect(load(`{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, ${INC} }`)).toBe('ok');
    expect(load(`{ id: n, kind: null_check, source: app, table: t, columns: [b], max_nulls: 0, ${INC} }`)).toBe('ok');
  });
  it('refuses a count limit or a ratio, which changed rows alone cannot judge', () => {
    expect(load(`{ id: n, kind: null_check, source: app, table: t, columns: [b], max_nulls: 3, ${INC} }`)).toMatch(/c\.yaml:4:\d+.*cannot judge max_nulls: 3/);
    expect(load(`{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatch_ratio: 0.01, ${INC} }`)).toMatch(/c\.yaml:4:\d+.*cannot judge max_mismatch_ratio/);
  });
  it('refuses the join form', () => {
    expect(load(`{ id: p, kind: column_parity, source: app, key: [id], old: { table: a, expr: x }, new: { table: b, expr: x }, ${INC} }`)).toMatch(/incremental needs the same-table form/);
  });
  it('names unknown keys and bad durations', () => {
    expect(load('{ id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: u, overlap: 5m, full_every: 7d, every: 1h } }')).toMatch(/every/);
    expect(load('{ id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: u, overlap: soon, full_every: 7d } }')).toMatch(/"soon" is not a duration/);
  });
});
