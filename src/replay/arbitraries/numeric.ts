/**
 * Numbers at the edges: half-cent amounts that round differently under banker's rounding,
 * binary-float traps (2.675), long fractions, exponent notation, negative zero, and amounts whose
 * cents sit exactly at the bigint limits. Values are decimal text, as Postgres accepts them.
 */
import fc from 'fast-check';
import { orNull } from './text.js';

const BIGINT_MAX = 9223372036854775807n;
const BIGINT_MIN = -9223372036854775808n;

/** Formats a whole number of 1/10^scale units as decimal text ("-0.05" for -5 at scale 2). */
export function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Amounts that are exact in cents, from small to the bigint edges. */
const wholeCents = (maxCents: bigint, minCents: bigint) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -10_000_00, max: 10_000_00 }).map((c) => BigInt(c)) },
    { weight: 1, arbitrary: fc.bigInt({ min: minCents, max: maxCents }) },
    { weight: 1, arbitrary: fc.constantFrom(maxCents, minCents, maxCents - 1n, minCents + 1n, 0n, 1n, -1n) },
  ).map((cents) => formatScaled(cents, 2));

/** Amounts with a half cent (x.xx5), where rounding mode matters. */
const halfCents = () =>
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((c) => formatScaled(BigInt(c) * 10n + (c < 0 ? -5n : 5n), 3));

/** Amounts with more decimals than cents, including tiny ones that round to zero. */
const longFractions = () =>
  fc.tuple(fc.integer({ min: -99_999, max: 99_999 }), fc.integer({ min: 3, max: 12 }), fc.nat())
    .map(([whole, scale, noise]) => formatScaled(BigInt(whole) * 10n ** BigInt(scale) + BigInt(noise % 10 ** Math.min(scale, 9)), scale));

const SPELLINGS = ['0', '-0', '0.000', '2.675', '1.005', '-0.005', '0.015', '1e3', '-1.5e2', '1E-3', '  12.50 ', '+7.1'] as const;

/** A money amount as decimal text whose cents fit in bigint. */
export const money = (nullable: boolean): fc.Arbitrary<string | null> =>
  orNull(
    fc.oneof(
      { weight: 5, arbitrary: wholeCents(BIGINT_MAX, BIGINT_MIN) },
      { weight: 2, arbitrary: halfCents() },
      { weight: 2, arbitrary: longFractions() },
      { weight: 1, arbitrary: fc.constantFrom(...SPELLINGS) },
    ),
    nullable,
  );

/** An integer in [min, max], biased towards the bounds, zero and ±1. */
export const integer = (nullable: boolean, min: number, max: number): fc.Arbitrary<string | null> => {
  const edges = [min, max, 0, 1, -1].filter((n) => n >= min && n <= max);
  return orNull(
    fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...edges) }, { weight: 3, arbitrary: fc.integer({ min, max }) }).map(String),
    nullable,
  );
};
