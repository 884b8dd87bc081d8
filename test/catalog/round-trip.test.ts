import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { formatProblem } from '../../src/checkfile/problems.js';

const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
// A table named like a column the filters read (`id`) makes that name a whole-row reference in a
// null_check's scope, which the loader rightly refuses: such a check is not a valid one to round-trip.
const FILTER_COLUMNS = new Set(['deleted_at', 'status', 'id']);
const table = fc.oneof(identifier, fc.tuple(identifier, identifier).map(([s, t]) => `${s}.${t}`))
  .filter((name) => !FILTER_COLUMNS.has(name.split('.').at(-1)!));
const expression = fc.constantFrom('a', "first_name || ' ' || last_name", 'amount_cents / 100.0', "coalesce(x, '')", 'lower(email)');
const where = fc.option(fc.constantFrom('deleted_at is null', "status <> 'x;y'", 'id > 10'), { nil: undefined });
const normalizers = fc.uniqueArray(fc.oneof(
  fc.constantFrom('trim', 'collapse_whitespace', 'lower', 'upper', 'empty_as_null'),
  fc.integer({ min: 0, max: 6 }).map((n) => ({ numeric_scale: n })),
  fc.constantFrom('s', 'ms', 'us').map((p) => ({ timestamp_precision: p })),
), { maxLength: 4, selector: (n) => JSON.stringify(n) });

const check = fc.oneof(
  fc.record({ kind: fc.constant('row_count'), old: fc.record({ source: fc.constant('app'), table, where }), new: fc.record({ source: fc.constant('app'), table, where }), tolerance: fc.oneof(fc.record({ absolute: fc.nat(100) }), fc.record({ relative: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) })) })
    // A side compared with itself is refused at load (test/adversarial/self-comparison.test.ts).
    .filter((c) => JSON.stringify(c.old) !== JSON.stringify(c.new)),
  fc.record({ kind: fc.constant('null_check'), source: fc.constant('app'), table, columns: fc.uniqueArray(identifier, { minLength: 1, maxLength: 4 }), where, max_nulls: fc.nat(10) }),
  fc.record({ kind: fc.constant('column_parity'), source: fc.constant('app'), table, key: fc.uniqueArray(identifier, { minLength: 1, maxLength: 3 }), old: expression, new: expression, normalize: normalizers, sample: fc.nat(100) }).filter((c) => c.old !== c.new),
  fc.record({ kind: fc.constant('sql_assert'), source: fc.constant('app'), query: fc.constantFrom('select id from t where id < 0', 'select id from t'), expect: fc.oneof(fc.record({ rows: fc.nat(5) }), fc.record({ value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)) })) }),
);

function load(document: unknown): Catalog {
  const parsed = parseCheckFile(stringify(document), 'rt.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

/** sql_assert's parsed expected value (tagged by type) back to what the YAML said. */
function yamlOfExpected(expected: { type: string; value?: unknown; text?: string; json?: string }): unknown {
  if (expected.type === 'number') return Number(expected.text);
  if (expected.type === 'json') return JSON.parse(expected.json!);
  return expected.type === 'null' ? null : expected.value;
}

/** Strips undefined (YAML has no such thing) so generated specs compare with loaded ones. */
function defined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('check spec round trip', () => {
  it('any valid check survives YAML → loader with the same meaning and definition hash', () => {
    fc.assert(fc.property(fc.uniqueArray(check, { minLength: 1, maxLength: 5, selector: (c) => JSON.stringify(c) }), (checks) => {
      const documentOf = (list: unknown[]) => ({ sources: { app: { url: 'postgres://u:p@h/db' } }, checks: list.map((c, i) => ({ id: `c${i}`, ...defined(c as object) })) });
      const first = load(documentOf(checks));
      // Serialise what the loader produced (tables back to text) and load it again.
      const reserialised = [...first.checks.values()].map(({ spec }) => JSON.parse(JSON.stringify(spec, (key, value) =>
        value && typeof value === 'object' && 'name' in value && Object.keys(value).every((k) => k === 'name' || k === 'schema')
          ? (value.schema ? `"${value.schema}"."${value.name}"` : `"${value.name}"`)
          : key === 'value' && value && typeof value === 'object' && 'type' in value ? yamlOfExpected(value) : value)) as Record<string, unknown>);
      const second = load({ sources: { app: { url: 'postgres://u:p@h/db' } }, checks: reserialised });
      for (const [id, loaded] of first.checks) {
        expect(second.checks.get(id)?.spec).toEqual(loaded.spec);
        expect(second.checks.get(id)?.hash).toBe(loaded.hash);
      }
    }), { numRuns: 300 });
  });
});
