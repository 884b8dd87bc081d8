/** The SQL and JS forms of each normaliser must agree: column_parity/table_diff use one, shadow_read the other. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSql, normalizeValue, WHITESPACE_CHARACTERS, type Normalizer } from '../../src/compare/normalizers.js';
import { formatWallClock, parseTimestampUs } from '../../src/compare/timestamp-text.js';
import { compile, sql } from '../../src/sql/build.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const textNormalizers: Normalizer[] = ['trim', 'collapse_whitespace', 'empty_as_null'];

/** Strings made of whitespace (every kind the normalisers know, plus others they must leave alone), letters and symbols. */
const messyText = fc.array(fc.constantFrom(...WHITESPACE_CHARACTERS.split(''), 'a', 'Z', 'é', '😀', ',', "'", '"', '\\', '\u2003', '\u200b', ''), { maxLength: 12 }).map((parts) => parts.join(''));

const decimalText = fc.tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^[0-9]{0,12}$/), fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined }), fc.option(fc.integer({ min: -20, max: 20 }), { nil: undefined }))
  .filter(([, whole, fraction]) => whole.length > 0 || (fraction ?? '').length > 0)
  .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `e${exponent}`}`);

describe.each(engines)('normalizeSql and normalizeValue agree on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db.close());

  async function inSql(values: (string | null)[], normalizers: Normalizer[]): Promise<(string | null)[]> {
    const statement = compile(sql`select (${normalizeSql(sql`u.v`, normalizers)})::text as out
      from unnest(${`{${values.map((v) => (v === null ? 'NULL' : `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join(',')}}`}::text[]) with ordinality as u(v, ord) order by ord`);
    const rows = await db.exec(statement.text, statement.params);
    return rows.map((r) => r.out as string | null);
  }

  const inJs = (values: (string | null)[], normalizers: Normalizer[]) =>
    values.map((v) => { const out = normalizeValue(v, normalizers); return out === null ? null : String(out); });

  it('for trim, collapse_whitespace and empty_as_null, in any order', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.option(messyText, { nil: null }), { minLength: 1, maxLength: 40 }), fc.array(fc.constantFrom(...textNormalizers), { minLength: 1, maxLength: 4 }), async (values, normalizers) => {
      expect(await inSql(values, normalizers)).toEqual(inJs(values, normalizers));
    }), { numRuns: 40 });
  });

  it('for numeric_scale, rounding half away from zero like round(numeric, n)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(decimalText, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 6 }), async (values, scale) => {
      const normalizers: Normalizer[] = [{ numeric_scale: scale }];
      expect(await inSql(values, normalizers)).toEqual(inJs(values, normalizers));
    }), { numRuns: 40 });
  });

  it('for numeric_scale after trim on padded numbers', async () => {
    const values = ['  0.285 ', '\t-0.005\n', '0.0049', '-0.5', '999.995', '1e-3', '.5', '5.'];
    const normalizers: Normalizer[] = ['trim', { numeric_scale: 2 }];
    expect(await inSql(values, normalizers)).toEqual(inJs(values, normalizers));
  });
});

describe('normalizeValue', () => {
  it('is idempotent for every text normaliser and numeric_scale', () => {
    fc.assert(fc.property(fc.option(messyText, { nil: null }), fc.constantFrom<Normalizer>('trim', 'collapse_whitespace', 'empty_as_null', 'lower', 'upper'), (value, normalizer) => {
      const once = normalizeValue(value, [normalizer]);
      expect(normalizeValue(once, [normalizer])).toEqual(once);
    }));
    fc.assert(fc.property(decimalText, fc.integer({ min: 0, max: 8 }), (value, scale) => {
      const once = normalizeValue(value, [{ numeric_scale: scale }]);
      expect(normalizeValue(once, [{ numeric_scale: scale }])).toEqual(once);
    }));
  });

  // fast-check counterexample: sequences are not idempotent, order matters — put empty_as_null last.
  it('applies normalisers in the order written: [empty_as_null, trim] keeps " " as ""', () => {
    expect(normalizeValue(' ', ['empty_as_null', 'trim'])).toBe('');
    expect(normalizeValue(' ', ['trim', 'empty_as_null'])).toBeNull();
  });
});

describe('time_zone keeps one text per instant', () => {
  const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Europe/Dublin', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'];
  // The grammar's range (4713 BC to 9999 AD) less a day each end, where a wall-clock time leaves it.
  const day = 86_400_000_000n;
  const instant = fc.bigInt({ min: parseTimestampUs('4713-01-01 BC')! + day, max: parseTimestampUs('9999-12-31 23:59:59.999999')! - day });

  it('two instants of a fall-back hour, one wall-clock time, stay two texts', () => {
    expect(normalizeValue('2024-11-03T05:30:00Z', [{ time_zone: 'America/New_York' }])).toBe('2024-11-03 01:30:00.000000-04:00');
    expect(normalizeValue('2024-11-03T06:30:00Z', [{ time_zone: 'America/New_York' }])).toBe('2024-11-03 01:30:00.000000-05:00');
    expect(normalizeValue('1800-01-01 00:00:00', [{ time_zone: 'America/New_York' }])).toBe('1799-12-31 19:03:58.000000-04:56:02');
  });

  it('reads its own output back as the instant it came from (so no two instants share a text)', () => {
    fc.assert(fc.property(instant, fc.constantFrom(...ZONES), (us, zone) => {
      const text = normalizeValue(formatWallClock(us, 0), [{ time_zone: zone }]);
      expect(parseTimestampUs(text!)).toBe(us);
    }), { numRuns: 3000 });
  });
});
