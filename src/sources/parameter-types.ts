/**
 * How postgres.js writes bound parameters to a verified database. parity binds texts — a key's own
 * `::text`, a watermark's ISO text — and casts them in SQL (`$1::timestamp`), but postgres.js
 * serialises a parameter by the type the server inferred for it, whatever the JS value: a string
 * bound to a boolean became 'f' unless it was the JS value true, one bound to a date or timestamp
 * went through a JS Date (microseconds cut to milliseconds, a zone-less text read in the process's
 * time zone, 'infinity' and BC dates refused), bytea text was sent as the bytes of its characters,
 * and JSON text as a JSON string. These handlers send a string exactly as given (it is already the
 * server's text form) and every other value as before; results are parsed as before.
 */
import type postgresType from 'postgres';

type Options = NonNullable<Parameters<typeof postgresType>[1]>;
type Serialize = (value: unknown) => unknown;

/** A string as it is; anything else through the driver's own serialiser. */
const textAsGiven = (serialize: Serialize): Serialize => (value) => (typeof value === 'string' ? value : serialize(value));

/** postgres.js `types`: its built-in date, boolean, bytea and JSON handlers, with strings passed through. */
export const PARAMETER_TYPES = {
  date: {
    to: 1184,
    from: [1082, 1114, 1184],
    serialize: textAsGiven((x) => (x instanceof Date ? x : new Date(x as string | number)).toISOString()),
    parse: (x: string) => new Date(x),
  },
  boolean: { to: 16, from: [16], serialize: textAsGiven((x) => (x === true ? 't' : 'f')), parse: (x: string) => x === 't' },
  bytea: {
    to: 17,
    from: [17],
    serialize: textAsGiven((x) => `\\x${Buffer.from(x as Uint8Array).toString('hex')}`),
    parse: (x: string) => Buffer.from(x.slice(2), 'hex'),
  },
  json: { to: 114, from: [114, 3802], serialize: textAsGiven((x) => JSON.stringify(x)), parse: (x: string) => JSON.parse(x) as unknown },
} satisfies Options['types'];

/**
 * PGlite's per-query serialisers by type oid (boolean, bytea): its own pass strings through for
 * dates and JSON, but refused a bytea text ("Invalid input for bytea type") and re-read a boolean's;
 * here both send a string as given, and other values as PGlite's own do.
 */
export const EMBEDDED_SERIALIZERS: Record<number, (value: unknown) => string> = {
  16: (x) => {
    if (typeof x === 'string') return x;
    if (x === true || x === 1) return 't';
    if (x === false || x === 0) return 'f';
    throw new Error('Invalid input for boolean type');
  },
  17: (x) => {
    if (typeof x === 'string') return x;
    if (!(x instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
    return `\\x${Buffer.from(x).toString('hex')}`;
  },
};
