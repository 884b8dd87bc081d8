/**
 * Column types a scenario can ask replay to generate, as data (`{ type: email, nullable: true }`),
 * and the arbitrary each one maps to. Every value is text or NULL, exactly as it is bound.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { email } from './email.js';
import { integer, money } from './numeric.js';
import { applyCaseMask, blank, messyText, orNull, padding, personName, word } from './text.js';
import { DEFAULT_ZONES, localTimestamp, timeZone } from './timestamp.js';

const nullable = z.boolean().default(false);
const zoneName = z.string().regex(/^[A-Za-z0-9_+\-/]+$/, 'must be an IANA time zone name such as Europe/Berlin');

/** A column to generate, as written in scenario.yaml. */
export const columnSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('person_name'), nullable }),
  z.strictObject({ type: z.literal('text'), nullable }),
  z.strictObject({ type: z.literal('email'), nullable }),
  z.strictObject({ type: z.literal('money'), nullable }),
  z.strictObject({
    type: z.literal('integer'),
    nullable,
    min: z.number().int().default(-2147483648),
    max: z.number().int().default(2147483647),
  }),
  z.strictObject({
    type: z.literal('local_timestamp'),
    nullable,
    /** Column of the same table holding the row's zone: DST edges are then generated for that zone. */
    zone_column: z.string().optional(),
    zones: z.array(zoneName).min(1).default([...DEFAULT_ZONES]),
    /** Wall-clock instants that matter to this migration (cut-offs), generated around to the microsecond. */
    edges: z.array(z.string()).default([]),
  }),
  z.strictObject({ type: z.literal('time_zone'), nullable, zones: z.array(zoneName).min(1).default([...DEFAULT_ZONES]) }),
  z.strictObject({
    type: z.literal('status'),
    nullable,
    /** The known values; replay also spells them in mixed case, padded, with spaces, and invents unknown ones. */
    values: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({ type: z.literal('one_of'), values: z.array(z.union([z.string(), z.null()])).min(1) }),
]);
/** A validated column spec. */
export type ColumnSpec = z.output<typeof columnSpecSchema>;

/** The column types, for error messages and docs. */
export const columnTypeNames = columnSpecSchema.options.map((o) => o.shape.type.value);

/** Known status values spelt the way people type them: case, padding, spaces or hyphens for "_". */
export function statusValue(values: readonly string[], nullable: boolean): fc.Arbitrary<string | null> {
  const spelt = fc
    .record({ value: fc.constantFrom(...values), mask: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), messy: fc.boolean(), separator: fc.constantFrom('_', ' ', '-'), before: padding(), after: padding() })
    .map(({ value, mask, messy, separator, before, after }) => (messy ? before + applyCaseMask(value.replaceAll('_', separator), mask) + after : value));
  return orNull(
    fc.oneof({ weight: 6, arbitrary: spelt }, { weight: 1, arbitrary: word() }, { weight: 1, arbitrary: blank() }),
    nullable,
  );
}

/** The arbitrary for one column; `zone` is the row's own zone when the column follows one. */
export function columnArbitrary(spec: ColumnSpec, zone?: string | null): fc.Arbitrary<string | null> {
  switch (spec.type) {
    case 'person_name': return personName(spec.nullable);
    case 'text': return messyText(spec.nullable);
    case 'email': return email(spec.nullable);
    case 'money': return money(spec.nullable);
    case 'integer': return integer(spec.nullable, spec.min, spec.max);
    case 'local_timestamp':
      return localTimestamp({ nullable: spec.nullable, zones: typeof zone === 'string' ? [zone] : spec.zones, edges: spec.edges });
    case 'time_zone': return timeZone(spec.nullable, spec.zones);
    case 'status': return statusValue(spec.values, spec.nullable);
    case 'one_of': return fc.constantFrom(...spec.values);
  }
}
