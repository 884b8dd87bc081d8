/**
 * shadow_read's `numeric_tolerance` had no upper bound: `1e308` (or any tolerance of 1 or more)
 * loaded, and it applies to every number field — ids, counts, quantities — so 5 and 6, or every
 * pair of numbers at all, compared equal and a shadow read passed over different answers. A
 * tolerance now absorbs rounding only: 0 ≤ t < 1, so it never makes two different whole numbers
 * equal; NaN, the infinities and negatives were already refused. Each refusal names the file,
 * line and column.
 */
import { describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { fieldsEqual, toleranceOf } from '../../src/compare/values.js';
import { JsonNumber } from '../../src/compare/json-lossless.js';

const checkWith = (tolerance: string) => `sources:
  a: { url: "embedded:x" }
  b: { url: "embedded:y" }
checks:
  - id: s
    kind: shadow_read
    key: [id]
    sample: { size: 10, from: { source: a, table: t } }
    old: { source: a, query: "select * from t where id = any($keys)" }
    new: { source: b, query: "select * from t where id = any($keys)" }
    max_mismatch_rate: 0.01
    compare:
      numeric_tolerance: ${tolerance}
`;

const problemsOf = (tolerance: string) => {
  const parsed = parseCheckFile(checkWith(tolerance), 'checks/reads.yaml', {});
  return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
};

describe('numeric_tolerance bounds', () => {
  it.each(['1', '5', '1e308', '1.0', '0x10', '1e3'])('refuses %s with the file, line and column', (tolerance) => {
    expect(problemsOf(tolerance)).toEqual([expect.stringMatching(/^checks\/reads\.yaml:13:26: checks\[0\]\.compare\.numeric_tolerance: must be below 1/)]);
  });

  it.each(['.nan', '.inf', '-.inf', '-1', '-0.001', '"0.1"', '1e400'])('still refuses %s at its position', (tolerance) => {
    expect(problemsOf(tolerance)).toEqual([expect.stringMatching(/^checks\/reads\.yaml:13:26: checks\[0\]\.compare\.numeric_tolerance: /)]);
  });

  it.each(['0', '0.005', '0.5', '0.999999'])('loads %s', (tolerance) => {
    expect(problemsOf(tolerance)).toEqual([]);
  });

  it('a tolerance below 1 never makes two different whole numbers equal', () => {
    const tolerance = toleranceOf(0.999999);
    expect(fieldsEqual(new JsonNumber('5'), new JsonNumber('6'), [], tolerance)).toBe(false);
    expect(fieldsEqual(new JsonNumber('5'), new JsonNumber('5.5'), [], tolerance)).toBe(true);
  });
});
