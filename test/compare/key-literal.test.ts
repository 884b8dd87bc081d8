/**
 * Key lists travel as one array literal; the server must read back exactly the keys that were
 * sampled, whatever characters they hold (quotes, backslashes, braces, commas, the word NULL).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteralText } from '../../src/sql/array-literal.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const keyText = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '1', '"', '\\', ',', '{', '}', ' ', 'N', 'U', 'L', '\'', 'é') }),
  fc.constantFrom('NULL', 'null', '', ' ', '"', '\\', '\\"', '{}', '12345678901234567890'),
);

describe.each(engines)('array literals of key texts on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await db.close();
  });

  it('the server reads back exactly the keys, in order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(keyText, { minLength: 1, maxLength: 8 }), async (keys) => {
      const rows = await db.exec('select k from unnest($1::text[]) with ordinality as u(k, n) order by n', [arrayLiteralText(keys)]);
      expect(rows.map((r) => r.k)).toEqual(keys);
    }), { numRuns: 150 });
  });

  it('quotes plain keys without escaping and escapes quotes and backslashes', () => {
    expect(arrayLiteralText(['1', 'a b', 'NULL'])).toBe('{"1","a b","NULL"}');
    expect(arrayLiteralText(['a"b', 'c\\d'])).toBe('{"a\\"b","c\\\\d"}');
  });
});
