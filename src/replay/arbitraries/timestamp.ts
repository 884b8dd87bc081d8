/**
 * Wall-clock timestamps without a zone, clustered around the moments that break conversions:
 * daylight-saving gaps (local times that never happened) and overlaps (local times that happened
 * twice), for zones with hour and half-hour shifts, plus extremes and ±infinity.
 */
import fc from 'fast-check';
import { orNull } from './text.js';

type Sunday = { month: number; nth: number | 'last' };
interface DstRule { spring: Sunday & { at: string }; autumn: Sunday & { at: string } }

/** Local wall-clock time at which each zone's clocks jump (from 2008 on, when all these rules hold). */
const DST_RULES: Record<string, DstRule> = {
  'Europe/Berlin': { spring: { month: 3, nth: 'last', at: '02:00' }, autumn: { month: 10, nth: 'last', at: '02:00' } },
  'Europe/London': { spring: { month: 3, nth: 'last', at: '01:00' }, autumn: { month: 10, nth: 'last', at: '01:00' } },
  'America/New_York': { spring: { month: 3, nth: 2, at: '02:00' }, autumn: { month: 11, nth: 1, at: '01:00' } },
  'Australia/Lord_Howe': { spring: { month: 10, nth: 1, at: '02:00' }, autumn: { month: 4, nth: 1, at: '01:30' } },
};

/** Zones replay uses by default: DST in both hemispheres, half-hour offsets, and none at all. */
export const DEFAULT_ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Europe/London'] as const;

const FIRST_YEAR = 2008;
const LAST_YEAR = 2030;

function sundayOf(year: number, rule: Sunday): number {
  if (rule.nth === 'last') {
    const last = new Date(Date.UTC(year, rule.month, 0));
    return last.getUTCDate() - last.getUTCDay();
  }
  const first = new Date(Date.UTC(year, rule.month - 1, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + 7 * (rule.nth - 1);
}

/** The local wall-clock instants (as naive UTC millis) where `zone` jumps in `year`. */
export function dstEdges(zone: string, year: number): number[] {
  const rule = DST_RULES[zone];
  if (!rule) return [];
  return [rule.spring, rule.autumn].map((edge) => {
    const [h, m] = edge.at.split(':').map(Number) as [number, number];
    return Date.UTC(year, edge.month - 1, sundayOf(year, edge), h, m);
  });
}

/** Formats naive millis plus extra microseconds as `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
export function formatLocal(millis: number, micros = 0): string {
  const d = new Date(millis);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const fraction = d.getUTCMilliseconds() * 1000 + micros;
  return fraction === 0 ? base : `${base}.${pad(fraction, 6)}`;
}

/** Parses `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` into naive millis and leftover microseconds. */
export function parseLocal(text: string): { millis: number; micros: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = (m[7] ?? '').padEnd(6, '0');
  const millis = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(fraction.slice(0, 3)));
  return { millis, micros: Number(fraction.slice(3)) };
}

/** Offsets from an edge: mostly within the jump hour, sometimes to the microsecond around it. */
const offsetSeconds = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -90 * 60, max: 90 * 60 }) },
    { weight: 2, arbitrary: fc.constantFrom(-1, 0, 1, 30 * 60, 60 * 60 - 1, 60 * 60) },
  );

/** A naive timestamp close to one of `edges` (naive millis). */
function near(edges: readonly number[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...edges), offsetSeconds(), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })))
    .map(([edge, seconds, micros]) => formatLocal(edge + seconds * 1000 + Math.floor(micros / 1000), micros % 1000));
}

const dstEdge = (zones: readonly string[]) => {
  const withRules = zones.filter((z) => DST_RULES[z]);
  if (withRules.length === 0) return undefined;
  return fc.tuple(fc.constantFrom(...withRules), fc.integer({ min: FIRST_YEAR, max: LAST_YEAR }))
    .chain(([zone, year]) => near(dstEdges(zone, year)));
};

const anyTime = () =>
  fc.tuple(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.integer({ min: 0, max: 999 }))
    .map(([millis, micros]) => formatLocal(millis, micros));

const EXTREMES = ['1970-01-01 00:00:00', '2000-02-29 23:59:59.999999', '1893-04-01 00:00:00', '0001-01-01 00:00:00', '2038-01-19 03:14:08', 'infinity', '-infinity'] as const;

/** What a local_timestamp column clusters around. */
export interface LocalTimestampOptions {
  nullable: boolean;
  /** Zones whose DST edges to cluster around; when the row's own zone is known, only that one. */
  zones: readonly string[];
  /** Extra wall-clock instants that matter to the scenario (e.g. an archive cut-off). */
  edges: readonly string[];
}

/** A naive (zone-less) timestamp as text, biased towards DST edges and the scenario's own edges. */
export function localTimestamp(options: LocalTimestampOptions): fc.Arbitrary<string | null> {
  const extra = options.edges.map(parseLocal).filter((e) => e !== undefined).map((e) => e.millis);
  const choices: fc.WeightedArbitrary<string>[] = [
    { weight: 3, arbitrary: anyTime() },
    { weight: 1, arbitrary: fc.constantFrom(...EXTREMES) },
  ];
  const dst = dstEdge(options.zones);
  if (dst) choices.push({ weight: 5, arbitrary: dst });
  if (extra.length > 0) choices.push({ weight: 5, arbitrary: near(extra) });
  return orNull(fc.oneof(...choices), options.nullable);
}

/** An IANA zone name from the list. */
export const timeZone = (nullable: boolean, zones: readonly string[]): fc.Arbitrary<string | null> =>
  orNull(fc.constantFrom(...zones), nullable);
