/**
 * The timestamp normalisers' shared grammar and arithmetic, in JS and SQL. Both twins read text
 * with the same regular expression and the same range rules, compute the instant with integer
 * arithmetic (microseconds, proleptic Gregorian, BC years), and print it the same way — neither
 * depends on the process time zone, the session TimeZone or DateStyle, and neither hands text to
 * a date parser that would guess (JavaScript's Date reads "2024-01-01 10:00" in the process zone).
 *
 * Accepted: YYYY-MM-DD, optionally [T ]HH:MM[:SS[.ffffff]] and a zone Z, ±HH, ±HH:MM, ±HH:MM:SS
 * or ±HHMM, then optionally " BC". No zone means UTC. Years 0001–9999 (BC up to 4713), seconds
 * up to 60 (a leap second rolls over, as in Postgres), offsets up to ±15:59:59. Anything else,
 * 'infinity' included, is unparseable (src/compare/unparseable.ts).
 */
import { sql, type SQL } from '../sql/build.js';
import { unparseable, unparseableSql } from './unparseable.js';

/** The grammar, written so that JavaScript and Postgres regular expressions read it alike. */
export const TIMESTAMP_PATTERN = '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.]([0-9]{1,6}))?)?(Z|[+-][0-9]{2}(?::[0-9]{2}(?::[0-9]{2})?)?|[+-][0-9]{4})?)?( BC)?$';
const TIMESTAMP = new RegExp(TIMESTAMP_PATTERN);

export type TimestampPrecision = 's' | 'ms' | 'us';
const US_PER_DAY = 86_400_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC is 0). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

function daysInMonth(year: number, month: number): number {
  return month === 2 ? 28 + (isLeap(year) ? 1 : 0) : 30 + ((month + Math.floor(month / 8)) % 2);
}

/** Zone offset in seconds from the captured zone text (undefined when out of range). */
function offsetSeconds(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const [h, m, s] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4) || '0'), Number(digits.slice(4, 6) || '0')];
  if (h > 15 || m > 59 || s > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (h * 3600 + m * 60 + s);
}

/** Microseconds since the epoch of text in the grammar, or undefined when it is not one. */
export function parseTimestampUs(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? '0')) as [number, number, number, number, number, number];
  const bc = m[9] !== undefined;
  const astronomical = bc ? 1 - year : year;
  if (year === 0 || (bc && year > 4713) || month < 1 || month > 12 || day < 1 || day > daysInMonth(astronomical, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const offset = offsetSeconds(m[8]);
  if (offset === undefined) return undefined;
  const fraction = BigInt((m[7] ?? '').padEnd(6, '0'));
  const seconds = hour * 3600 + minute * 60 + second - offset;
  return BigInt(daysFromCivil(astronomical, month, day)) * US_PER_DAY + BigInt(seconds) * 1_000_000n + fraction;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Cuts an instant down to whole seconds, milliseconds or microseconds (towards the past). */
export function truncateUs(us: bigint, precision: TimestampPrecision): bigint {
  const unit = precision === 's' ? 1_000_000n : precision === 'ms' ? 1000n : 1n;
  return floorDiv(us, unit) * unit;
}

/**
 * Prints a wall-clock time as Postgres to_char(x, 'YYYY-MM-DD HH24:MI:SS.US') does, then the UTC
 * offset when given (offsetText), then " BC".
 */
export function formatWallClock(us: bigint, offset?: number): string {
  const days = Number(floorDiv(us, US_PER_DAY));
  const inDay = Number(us - BigInt(days) * US_PER_DAY);
  const [year, month, day] = civilFromDays(days);
  const two = (n: number) => String(n).padStart(2, '0');
  const seconds = Math.floor(inDay / 1_000_000);
  const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${String(inDay % 1_000_000).padStart(6, '0')}`;
  const shown = year <= 0 ? 1 - year : year;
  return `${String(shown).padStart(4, '0')}-${two(month)}-${two(day)} ${time}${offset === undefined ? '' : offsetText(offset)}${year <= 0 ? ' BC' : ''}`;
}

/**
 * A UTC offset in seconds as ±HH:MM, with :SS when it has seconds (local mean times such as
 * -04:56:02). The time_zone normaliser prints it after the wall-clock time: at a fall-back two
 * instants share one wall-clock time, and only the offset tells them apart.
 */
export function offsetText(seconds: number): string {
  const abs = Math.abs(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${seconds < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}:${two(Math.floor(abs / 60) % 60)}${abs % 60 === 0 ? '' : `:${two(abs % 60)}`}`;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset, in seconds, at the instant (from the tz database JavaScript carries). */
export function zoneOffsetSeconds(zone: string, us: bigint): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, format);
  }
  const seconds = Number(floorDiv(us, 1_000_000n));
  const parts = format.formatToParts(new Date(seconds * 1000));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const bc = parts.find((p) => p.type === 'era')?.value === 'BC';
  const wall = daysFromCivil(bc ? 1 - get('year') : get('year'), get('month'), get('day')) * 86_400 + get('hour') * 3600 + get('minute') * 60 + get('second');
  return wall - seconds;
}

/** Whether JavaScript knows the zone (parity accepts "UTC" and Area/Location names only). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone !== 'UTC' && !/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What a timestamp normaliser does to the parsed instant. */
export type TimestampTransform = { precision: TimestampPrecision } | { timeZone: string };

/**
 * The JS twin: text → canonical text, or the tagged original when unreadable. time_zone prints
 * the wall-clock time with its offset, so that it stays one text per instant.
 */
export function normalizeTimestampText(text: string, transform: TimestampTransform): string {
  const us = parseTimestampUs(text);
  if (us === undefined) return unparseable(text);
  if ('precision' in transform) return formatWallClock(truncateUs(us, transform.precision));
  const offset = zoneOffsetSeconds(transform.timeZone, us);
  return formatWallClock(us + BigInt(offset) * 1_000_000n, offset);
}

const PRECISION_FIELD = { s: 'second', ms: 'milliseconds', us: 'microseconds' } as const;

/**
 * The SQL twin, over a text value that `bind` names once (see normalizers.ts). Every cast below
 * reads digits the pattern captured, and the date is built only once the ranges hold, so no
 * input raises an error. Every operator has an exact pg_catalog match for its argument types (the
 * float8 casts are the ones Postgres made implicitly, and exact below 2^53 µs): an operator such as
 * `interval * bigint`, which pg_catalog has only through a cast, is taken from any schema on the
 * search path that defines it exactly.
 */
export function normalizeTimestampSql(value: SQL, transform: TimestampTransform): SQL {
  const m = (i: number) => sql.raw(`t.m[${i}]`);
  const zone = sql`replace(${m(8)}, ':', '')`;
  const zonePart = (from: number) => sql`coalesce(nullif(substr(${zone}, ${sql.raw(String(from))}, 2), ''), '00')`;
  const year = sql`(case when ${m(9)} is null then ${m(1)}::int else 1 - ${m(1)}::int end)`;
  const leap = sql`(${year} % 4 = 0 and (${year} % 100 <> 0 or ${year} % 400 = 0))`;
  const dim = sql`(case when ${m(2)} = '02' then case when ${leap} then 29 else 28 end else 30 + (${m(2)}::int + ${m(2)}::int / 8) % 2 end)`;
  const valid = sql`${m(1)} <> '0000' and (${m(9)} is null or ${m(1)} <= '4713') and ${m(2)} between '01' and '12'
    and ${m(3)} >= '01' and ${m(3)}::int <= ${dim}
    and coalesce(${m(4)}, '00') <= '23' and coalesce(${m(5)}, '00') <= '59' and coalesce(${m(6)}, '00') <= '60'
    and (${m(8)} is null or ${m(8)} = 'Z' or (substr(${zone}, 2, 2) <= '15' and ${zonePart(4)} <= '59' and ${zonePart(6)} <= '59'))`;
  const offset = sql`(case when ${m(8)} is null or ${m(8)} = 'Z' then 0 else (case when left(${m(8)}, 1) = '-' then -1 else 1 end)
    * (substr(${zone}, 2, 2)::int * 3600 + ${zonePart(4)}::int * 60 + ${zonePart(6)}::int) end)`;
  const utc = sql`((${m(1)} || '-' || ${m(2)} || '-01' || coalesce(${m(9)}, ''))::date + (${m(3)}::int - 1)
    + make_interval(hours => coalesce(${m(4)}, '0')::int, mins => coalesce(${m(5)}, '0')::int)
    + interval '1 microsecond' * (coalesce(${m(6)}, '0')::bigint * 1000000 + rpad(coalesce(${m(7)}, ''), 6, '0')::bigint)::float8
    - interval '1 second' * (${offset})::float8)`;
  const transformed = 'precision' in transform
    ? sql`date_trunc(${PRECISION_FIELD[transform.precision]}, w.utc)`
    : sql`timezone(${transform.timeZone}::text, timezone('UTC', w.utc))`;
  // time_zone: the offset (wall clock minus UTC, whole seconds) as offsetText prints it.
  const offsetSql = 'precision' in transform ? sql`''` : sql`(select (case when o.s < 0 then '-' else '+' end)
      || lpad((abs(o.s) / 3600)::text, 2, '0') || ':' || lpad((abs(o.s) / 60 % 60)::text, 2, '0')
      || case when abs(o.s) % 60 = 0 then '' else ':' || lpad((abs(o.s) % 60)::text, 2, '0') end
    from (select extract(epoch from (u.x - w.utc))::int as s offset 0) as o)`;
  return sql`(select case when u.x is null then ${unparseableSql(sql.raw('t.v'))}
      else to_char(u.x, 'YYYY-MM-DD HH24:MI:SS.US') || ${offsetSql} || case when u.x < timestamp '0001-01-01' then ' BC' else '' end end
    from (select s.v, regexp_match(s.v, ${TIMESTAMP_PATTERN}) as m from (select (${value})::text as v offset 0) as s offset 0) as t,
      lateral (select case when ${valid} then ${utc} end as utc offset 0) as w,
      lateral (select ${transformed} as x offset 0) as u)`;
}
