/**
 * Every normaliser's SQL twin (evaluated by the real database) and JS twin agree exactly, on
 * generated values full of the nasty cases: infinities, NaN, negative zero, huge scales,
 * microseconds, BC dates, leap seconds, DST-gap local times, whitespace, Unicode case. The session
 * runs with a hostile TimeZone and DateStyle, and normalizer-twins-time-zones.test.ts runs this
 * file again under TZ=UTC and TZ=Europe/Berlin: neither twin may depend on a time zone.
 */
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSql, normalizeValue, WHITESPACE_CHARACTERS, type Normalizer } from '../../src/compare/normalizers.js';
import { compile, sql } from '../../src/sql/build.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Europe/Dublin'];
const HOSTILE_SESSION = { TimeZone: 'Pacific/Chatham', DateStyle: 'SQL, DMY', IntervalStyle: 'sql_standard', extra_float_digits: '-3' };

const unicode = ['ß', 'ẞ', 'İ', 'ı', 'Σ', 'ς', 'σ', '\u212a', 'ǅ', 'ﬀ', 'Ａ', 'é', 'E\u0301', '😀', 'Ⅻ'];
const text = fc.array(fc.constantFrom(...WHITESPACE_CHARACTERS.split(''), 'a', 'Z', 'q', ...unicode, ',', "'", '"', '\\', '\u2003', '\u200b', '', '1', '.', '-'), { maxLength: 10 }).map((parts) => parts.join(''));

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const decimal = fc.oneof(
  fc.tuple(fc.constantFrom('', '-', '+'), digits(0, 14), fc.option(digits(0, 14), { nil: undefined }), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4)), { nil: undefined }))
    .map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent ? exponent.join('') : ''}`),
  fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', 'inf', '-0', '+0', '-0.000', '0e0', '1e999', '-1e-999', '1e1000', '12,50', '1_000', ' 1', '1 ', '\u00a01', '.', '+', '', '1e+21', '1.5e-07', '0x1F', `0.${'0'.repeat(600)}5`, `9${'9'.repeat(990)}.5`, '0.285', '-0.005', '999.995'),
);

const two = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
const timestamp = fc.oneof(
  fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0')), fc.constantFrom('1582', '1600', '1900', '2000', '2024', '2100', '4713', '4714', '10000')),
    two(0, 13), two(0, 32),
    fc.option(fc.tuple(fc.constantFrom('T', ' '), two(0, 25), two(0, 60), fc.option(two(0, 61), { nil: undefined }), fc.option(digits(1, 7), { nil: undefined }),
      fc.option(fc.constantFrom('Z', '+00', '-00', '+01', '-05', '+05:30', '+0545', '-03:30', '+15:59:59', '+16', '+14:60', '+00:53:28', '+1', 'UTC', ' PST'), { nil: undefined })), { nil: undefined }),
    fc.constantFrom('', '', '', ' BC', ' AD'),
  ).map(([y, mo, d, time, era]) => `${y}-${mo}-${d}${time ? `${time[0]}${time[1]}:${time[2]}${time[3] === undefined ? '' : `:${time[3]}${time[4] === undefined ? '' : `.${time[4]}`}`}${time[5] ?? ''}` : ''}${era}`),
  fc.constantFrom('infinity', '-infinity', 'now', 'today', 'yesterday', 'epoch', 'allballs', '2016-12-31 23:59:60', '2016-12-31T23:59:60.5Z', '2024-03-31 02:30:00',
    '2024-03-10 02:30:00', ' 2024-01-01', '2024-01-01 ', 'January 8, 1999', '1999-01-08 04:05:06 PST', '2024-01-01T10:00:00.000Z', '0044-03-15T12:00:00.5+00:00 BC',
    '0001-02-29 BC', '0005-02-29 BC', '2000-02-29', '1900-02-29', '2024-02-30', '0000-01-01', '9999-12-31T23:59:60-15:59:59', '4713-01-01 00:00:00+15 BC', '2024-01-01T24:00:00',
    // Fall-back hours: two instants, one wall-clock time, in several zones.
    '2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z', '2024-10-27 00:30:00+00', '2024-10-27 01:30:00+00', '2024-04-06 14:45:00Z', '2024-04-06 15:15:00Z'),
);

const normalizer = fc.oneof(
  fc.constantFrom<Normalizer>('trim', 'collapse_whitespace', 'lower', 'upper', 'empty_as_null'),
  fc.integer({ min: 0, max: 30 }).map((scale): Normalizer => ({ numeric_scale: scale })),
  fc.constantFrom<Normalizer>({ timestamp_precision: 's' }, { timestamp_precision: 'ms' }, { timestamp_precision: 'us' }),
  fc.constantFrom(...ZONES).map((zone): Normalizer => ({ time_zone: zone })),
);
const anyValue = fc.option(fc.oneof(text, decimal, timestamp), { nil: null, freq: 12 });

describe.each(engines)('the SQL and JS twins of every normaliser agree on %s', (engine) => {
  let db: TestDatabase;
  let query: (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
  let close = async () => {};
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    if (engine === 'pglite') {
      for (const [name, value] of Object.entries(HOSTILE_SESSION)) await db.exec(`set ${name} = '${value}'`);
      query = (text, params) => db.exec(text, params);
    } else {
      const client = postgres(db.url, { max: 1, onnotice: () => {}, connection: HOSTILE_SESSION });
      query = async (text, params) => [...await client.unsafe(text, params as never[])];
      close = () => client.end({ timeout: 5 });
    }
  });
  afterAll(async () => { await close(); await db.close(); });

  async function inSql(values: (string | null)[], normalizers: readonly Normalizer[]): Promise<(string | null)[]> {
    const literal = `{${values.map((v) => (v === null ? 'NULL' : `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join(',')}}`;
    const statement = compile(sql`select (${normalizeSql(sql`u.v`, normalizers)})::text as out from unnest(${literal}::text[]) with ordinality as u(v, ord) order by ord`);
    return (await query(statement.text, statement.params)).map((r) => r.out as string | null);
  }
  const inJs = (values: (string | null)[], normalizers: readonly Normalizer[]) => values.map((v) => normalizeValue(v, normalizers));

  it('the session really is hostile', async () => {
    expect((await query(`select current_setting('TimeZone') as tz`, []))[0]!.tz).toBe('Pacific/Chatham');
  });

  it('on generated values and chains of normalisers', async () => {
    await fc.assert(fc.asyncProperty(fc.array(anyValue, { minLength: 1, maxLength: 40 }), fc.array(normalizer, { minLength: 1, maxLength: 3 }), async (values, normalizers) => {
      expect(await inSql(values, normalizers)).toEqual(inJs(values, normalizers));
    }), { numRuns: 150 });
  });

  it.each([
    [[{ numeric_scale: 2 }], ['12,50', 'NaN', 'Infinity', '-0', '0.285', '-0.005', '1e1000', ' 1', null]],
    [[{ time_zone: 'Europe/Berlin' }], ['infinity', '2024-03-31 02:30:00', '2024-10-27 02:30:00+02', '1800-01-01 00:00:00', '0044-03-15 12:00:00+00 BC', 'yesterday']],
    [[{ time_zone: 'America/New_York' }], ['2024-11-03 05:30:00Z', '2024-11-03 06:30:00Z', '1800-01-01 00:00:00', '0100-01-01 00:00:00 BC', '9999-12-31 23:59:59.999999Z']],
    [[{ time_zone: 'Australia/Lord_Howe' }, { timestamp_precision: 's' }], ['2024-04-06 14:45:00Z', '2024-04-06 15:15:00Z', '2024-10-05 15:45:00Z']],
    [[{ timestamp_precision: 'us' }], ['2024-05-01 10:00:00.123456+00', '2024-05-01T10:00:00.1234567Z', '2016-12-31 23:59:60', '0001-01-01 00:00:00.5 BC']],
    [[{ timestamp_precision: 's' }, { time_zone: 'Asia/Kathmandu' }], ['1985-12-31 18:14:59.999999Z', '1986-01-01 00:00:00+05:45']],
    [['lower'], ['ÀÉÎ İ ẞ ΣΑΣ \u212a ABC']],
    [['trim', { numeric_scale: 0 }, 'upper'], ['\u00a0 2.5 ', 'x', '']],
  ] as [Normalizer[], (string | null)[]][])('on fixed cases %j', async (normalizers, values) => {
    expect(await inSql(values, normalizers)).toEqual(inJs(values, normalizers));
  });
});

describe('normalizeValue never maps a value it cannot read to NULL', () => {
  it('tags it with its original text instead', () => {
    expect(normalizeValue('12,50', [{ numeric_scale: 2 }])).toBe('unparseable:12,50');
    expect(normalizeValue('infinity', [{ time_zone: 'Europe/Berlin' }])).toBe('unparseable:infinity');
    fc.assert(fc.property(fc.oneof(text, decimal, timestamp), normalizer, (value, n) => {
      if (n !== 'empty_as_null') expect(normalizeValue(value, [n])).not.toBeNull();
    }), { numRuns: 2000 });
  });

  it('reads zone-less timestamps as UTC and keeps microseconds, whatever TZ the process runs in', () => {
    expect(normalizeValue('2024-03-31 02:30:00', [{ timestamp_precision: 'us' }])).toBe('2024-03-31 02:30:00.000000');
    expect(normalizeValue('2024-03-31T02:30:00Z', [{ timestamp_precision: 'us' }])).toBe('2024-03-31 02:30:00.000000');
    expect(normalizeValue('2024-05-01 10:00:00.123456+02', [{ timestamp_precision: 'ms' }])).toBe('2024-05-01 08:00:00.123000');
    expect(normalizeValue('2024-05-01 10:00:00.123456+02', [{ time_zone: 'Europe/Berlin' }])).toBe('2024-05-01 10:00:00.123456+02:00');
  });

  it('runs in the process time zone it was started with', () => {
    const expected = process.env.PARITY_EXPECT_TZ;
    if (expected !== undefined) expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(expected);
    expect(typeof new Date().getTimezoneOffset()).toBe('number');
  });
});
