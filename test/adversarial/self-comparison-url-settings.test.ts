/**
 * Two source names whose URLs differ only in a startup parameter every read sets again itself
 * (`application_name`, which parity pins to `parity` in each read transaction, `TimeZone`,
 * `statement_timeout`, …) reach the same data the same way: the parameter is overwritten before
 * the first statement. The catalog told them apart by the whole resolved target, so a row_count
 * of a table against itself through `?application_name=legacy` and `?application_name=app`
 * loaded and could never fail, and a gate judged the two names as two servers (a pass through
 * one name was not opposed by a check that found another server through the other). Now both
 * rules compare targets without those parameters; a parameter a read does not set again
 * (`search_path`, `options`) still tells two targets apart.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { targetKeyOf } from '../../src/gate/sources-read.js';
import type { Catalog } from '../../src/catalog/catalog.js';

function load(sources: Record<string, string>, checks: string): string[] | Catalog {
  const text = `sources:\n${Object.entries(sources).map(([n, u]) => `  ${n}: { url: "${u}" }`).join('\n')}\nchecks:\n${checks}`;
  const parsed = parseCheckFile(text, 'x.yaml', {}, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return parsed.map(formatProblem);
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog.map(formatProblem) : catalog;
}

const ROW_COUNT = `
  - id: c
    kind: row_count
    old: { source: legacy, table: public.users }
    new: { source: app, table: public.users }`;

const BASE = 'postgres://parity@db.internal/app';

const SAME_TARGET: Record<string, [string, string]> = {
  'application_name': [`${BASE}?application_name=legacy`, `${BASE}?application_name=app`],
  'application_name on one side only': [BASE, `${BASE}?application_name=parity-app`],
  'TimeZone in another case': [`${BASE}?timezone=Europe%2FParis`, `${BASE}?TimeZone=UTC`],
  'statement_timeout and lock_timeout': [`${BASE}?statement_timeout=1000`, `${BASE}?lock_timeout=5000`],
  'DateStyle and extra_float_digits': [`${BASE}?DateStyle=German`, `${BASE}?extra_float_digits=3`],
};

describe('source names differing only in a setting every read pins', () => {
  for (const [name, [legacy, app]] of Object.entries(SAME_TARGET)) {
    it(`${name}: a row_count of one table through both names does not load`, () => {
      const result = load({ legacy, app }, ROW_COUNT);
      expect(Array.isArray(result) ? result.join('\n') : 'loaded').toMatch(/old and new read the same .*reach one target/);
    });

    it(`${name}: a gate groups both names as one target`, () => {
      const result = load({ legacy, app }, `
  - id: c
    kind: row_count
    old: { source: legacy, table: public.users }
    new: { source: app, table: public.users_v2 }`);
      expect(Array.isArray(result)).toBe(false);
      const catalog = result as Catalog;
      expect(targetKeyOf('legacy', catalog.sources)).toBe(targetKeyOf('app', catalog.sources));
    });
  }

  it('a setting reads do not pin still tells two targets apart', () => {
    // Loads: `users` through two search_paths may be two tables.
    const result = load({ legacy: `${BASE}?search_path=legacy`, app: `${BASE}?search_path=app` }, ROW_COUNT.replaceAll('public.users', 'users'));
    expect(Array.isArray(result)).toBe(false);
    const catalog = result as Catalog;
    // But both names reach one server, which is what the gate groups them by
    // (evidence-source-aliases-parameters.test.ts).
    expect(targetKeyOf('legacy', catalog.sources)).toBe(targetKeyOf('app', catalog.sources));
  });
});
