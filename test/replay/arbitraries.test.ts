import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundDecimal } from '../../src/compare/normalizers.js';
import { columnArbitrary, columnSpecSchema } from '../../src/replay/arbitraries/columns.js';
import { email } from '../../src/replay/arbitraries/email.js';
import { formatScaled, money } from '../../src/replay/arbitraries/numeric.js';
import { personName, WHITESPACE_RUNS } from '../../src/replay/arbitraries/text.js';
import { dstEdges, formatLocal, parseLocal } from '../../src/replay/arbitraries/timestamp.js';
import { showValue } from '../../src/replay/format-case.js';

const sample = <T>(arbitrary: fc.Arbitrary<T>, n = 2000) => fc.sample(arbitrary, { numRuns: n, seed: 42 });

describe('messy text', () => {
  const names = sample(personName(true));

  it('produces NULL, empty and whitespace-only names, distinct from each other', () => {
    expect(names).toContain(null);
    expect(names).toContain('');
    expect(names.some((n) => n !== null && n !== '' && n.trim() === '')).toBe(true);
  });

  it('pads and separates words with every whitespace variant, including NBSP, tabs and CRLF', () => {
    for (const ws of WHITESPACE_RUNS) expect(names.some((n) => n?.includes(ws)), JSON.stringify(ws)).toBe(true);
  });

  it('writes emoji (with ZWJ sequences) and letters with combining marks', () => {
    expect(names.some((n) => n !== null && /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    expect(names.some((n) => n?.includes('\u200d'))).toBe(true);
    expect(names.some((n) => n !== null && /\p{M}/u.test(n))).toBe(true);
  });

  it('produces single words and multi-part names', () => {
    const words = (n: string) => n.trim().split(/[\s\u00a0]+/).filter(Boolean).length;
    expect(names.some((n) => n !== null && words(n) === 1)).toBe(true);
    expect(names.some((n) => n !== null && words(n) >= 3)).toBe(true);
  });

  it('never produces NUL or lone surrogates, which Postgres text cannot hold', () => {
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    fc.assert(fc.property(personName(true), (n) => n === null || (!n.includes('\u0000') && !loneSurrogate.test(n))));
  });
});

describe('emails', () => {
  it('often hold the same address in two spellings within one table (case duplicates)', () => {
    const tables = sample(fc.array(email(true), { minLength: 10, maxLength: 40 }), 200);
    const withCaseDuplicates = tables.filter((rows) => {
      const seen = new Map<string, Set<string>>();
      for (const e of rows) {
        if (e === null || e.trim() === '') continue;
        const key = e.trim().toLowerCase();
        seen.set(key, (seen.get(key) ?? new Set()).add(e));
      }
      return [...seen.values()].some((spellings) => spellings.size > 1);
    });
    expect(withCaseDuplicates.length / tables.length).toBeGreaterThan(0.5);
  });

  it('mixes upper and lower case, pads, and includes malformed addresses', () => {
    const emails = sample(email(false));
    expect(emails.some((e) => e !== null && e !== e.toLowerCase())).toBe(true);
    expect(emails.some((e) => e !== null && e !== e.trim() && e.trim() !== '')).toBe(true);
    expect(emails.some((e) => e !== null && !e.includes('@'))).toBe(true);
  });
});

describe('money', () => {
  it('stays within bigint cents after rounding half away from zero', () => {
    const max = 9223372036854775807n;
    fc.assert(fc.property(money(false), (amount) => {
      const text = amount!.trim().replace(/^\+/, '');
      const cents = BigInt(roundDecimal(text, 2)!.replace('.', ''));
      return cents <= max && cents >= -max - 1n;
    }), { numRuns: 2000 });
  });

  it('covers half cents, long fractions, exponents and the bigint edges', () => {
    const amounts = sample(money(true));
    expect(amounts).toContain(null);
    expect(amounts.some((a) => a !== null && /\.\d\d5$/.test(a))).toBe(true);
    expect(amounts.some((a) => a !== null && /\.\d{4,}$/.test(a))).toBe(true);
    expect(amounts.some((a) => a !== null && /e/i.test(a))).toBe(true);
    expect(amounts).toContain('92233720368547758.07');
    expect(amounts).toContain('-92233720368547758.08');
  });

  it('formats scaled integers exactly', () => {
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(12345n, 3)).toBe('12.345');
    fc.assert(fc.property(fc.bigInt(), fc.integer({ min: 0, max: 12 }), (units, scale) =>
      BigInt(formatScaled(units, scale).replace('.', '')) === units));
  });
});

describe('DST-edge timestamps', () => {
  const at = (millis: number) => formatLocal(millis).slice(0, 16);

  it('knows when clocks jump in Berlin, New York and Lord Howe', () => {
    expect(dstEdges('Europe/Berlin', 2024).map(at)).toEqual(['2024-03-31 02:00', '2024-10-27 02:00']);
    expect(dstEdges('America/New_York', 2024).map(at)).toEqual(['2024-03-10 02:00', '2024-11-03 01:00']);
    expect(dstEdges('Australia/Lord_Howe', 2024).map(at)).toEqual(['2024-10-06 02:00', '2024-04-07 01:30']);
    expect(dstEdges('UTC', 2024)).toEqual([]);
  });

  it('formats and parses wall-clock text losslessly, to the microsecond', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }), fc.integer({ min: 0, max: 999 }), (millis, micros) => {
      const parsed = parseLocal(formatLocal(millis, micros));
      return parsed !== undefined && parsed.millis === millis && parsed.micros === micros;
    }));
  });
});

describe('column types', () => {
  it('generate only text or NULL, for every declared type', () => {
    const specs = [
      { type: 'person_name', nullable: true }, { type: 'text' }, { type: 'email' }, { type: 'money' },
      { type: 'integer', min: -5, max: 5 }, { type: 'local_timestamp' }, { type: 'time_zone' },
      { type: 'status', values: ['open', 'in_progress'] }, { type: 'one_of', values: ['a', null] },
    ].map((s) => columnSpecSchema.parse(s));
    for (const spec of specs) {
      for (const value of sample(columnArbitrary(spec), 200)) expect(value === null || typeof value === 'string', spec.type).toBe(true);
    }
  });

  it('spell known statuses in mixed case, padded, with spaces or hyphens, and invent unknown ones', () => {
    const values = sample(columnArbitrary(columnSpecSchema.parse({ type: 'status', values: ['in_progress'], nullable: true })));
    expect(values).toContain('in_progress');
    expect(values.some((v) => v !== null && /in[ -]progress/i.test(v) && v !== 'in_progress')).toBe(true);
    expect(values.some((v) => v !== null && v.trim() !== '' && !/in.progress/i.test(v))).toBe(true);
  });
});

describe('readable values', () => {
  it('spells out invisible characters but keeps emoji and plain spaces', () => {
    expect(showValue('a\u00a0b\tc')).toBe('"a\\u00a0b\\tc"');
    expect(showValue('e\u0301')).toBe('"e\\u0301"');
    expect(showValue('x\u200by')).toBe('"x\\u200by"');
    expect(showValue('Zoë 😀')).toBe('"Zoë 😀"');
    expect(showValue(null)).toBe('NULL');
  });
});
