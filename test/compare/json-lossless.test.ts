import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJsonLossless, type LosslessJson } from '../../src/compare/json-lossless.js';
import { parseJsonLosslessV1 } from './reference/json-lossless-v1.js';

/** A parse result in a form toEqual compares strictly: number texts, key order, prototypes. */
function shapeOf(value: LosslessJson): unknown {
  if (value instanceof JsonNumber) return { number: value.text };
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') {
    return { prototype: Object.getPrototypeOf(value) === Object.prototype, entries: Object.keys(value).map((k) => [k, shapeOf(value[k]!)]) };
  }
  return value;
}

/** What a parser makes of a text: its shape, or the class of error it threw. */
function outcome(parse: (text: string) => LosslessJson, text: string): unknown {
  try {
    return { value: shapeOf(parse(text)) };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

const whitespace = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n  ');
const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
/** Number texts: bigints past 2^53, long fractions, exponents, negative zero. */
const numberText = fc.tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 30)).map(([a, b]) => a + b)),
  fc.option(digits(1, 25)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4))))
  .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`);
/** String literals: any UTF-16 (lone surrogates too), some characters written as escapes. */
const stringText = fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 12 })).map(([s, escapeAt]) => {
  const literal = JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    out += escapeAt[i] ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1);
  }
  return escapeAt.length === 0 ? literal : `${out}"`;
});
const keyText = fc.oneof(stringText, fc.constantFrom('"id"', '"a"', '"ab"', '"a\\"b"', '"\\u0061"', '"__proto__"', '"amount"', '"1"'));
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false'),
    numberText,
    stringText,
    fc.tuple(fc.array(fc.tuple(whitespace, tie('value'), whitespace), { maxLength: 4 }), whitespace)
      .map(([items, ws]) => `[${items.length === 0 ? ws : items.map((p) => p.join('')).join(',')}]`),
    fc.tuple(fc.array(fc.tuple(whitespace, keyText, whitespace, tie('value')), { maxLength: 5 }), whitespace)
      .map(([entries, ws]) => `{${entries.length === 0 ? ws : entries.map(([a, k, b, v]) => `${a}${k}${b}:${v}`).join(',')}}`),
  ),
})).value;
/** Rows of one read share property names: several objects per text exercise the name reuse. */
const rowsText = fc.array(jsonText, { minLength: 1, maxLength: 4 }).map((rows) => `[${rows.join(',')}]`);

describe('parseJsonLossless agrees with the first parser', () => {
  it('on valid JSON: big numbers kept as text, unicode, escapes, whitespace, key order', () => {
    fc.assert(fc.property(fc.oneof(jsonText, rowsText), (text) => {
      const expected = outcome(parseJsonLosslessV1, text);
      expect(expected).toHaveProperty('value');
      expect(outcome(parseJsonLossless, text)).toEqual(expected);
    }), { numRuns: 2000 });
  });

  it('on broken JSON: the same verdict for texts with a character cut, added or swapped', () => {
    const broken = fc.tuple(fc.oneof(jsonText, rowsText), fc.nat(), fc.constantFrom('', '"', '\\', ',', ':', '}', ']', '{', '[', '.', 'e', '-', '0', 'x', '\u0001'), fc.boolean())
      .map(([text, at, insert, cut]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(cut ? i + 1 : i);
      });
    fc.assert(fc.property(broken, (text) => {
      expect(outcome(parseJsonLossless, text)).toEqual(outcome(parseJsonLosslessV1, text));
    }), { numRuns: 3000 });
  });

  it('reads rows whose property names change from one row to the next', () => {
    const text = '[{"a":1,"ab":2},{"ab":3,"a":4},{"a\\"b":5},{"a":6,"a":7},{"\\u0061b":8},{"":9,"a":10}]';
    expect(outcome(parseJsonLossless, text)).toEqual(outcome(parseJsonLosslessV1, text));
    expect(JSON.stringify(parseJsonLossless(text))).toBe('[{"a":1,"ab":2},{"ab":3,"a":4},{"a\\"b":5},{"a":7},{"ab":8},{"":9,"a":10}]');
  });

  it('reuses a property name only for the very same literal, never for what an escape spelled', () => {
    for (const text of ['[{"a\\"b":1},{"a"b":2}]', '[{"\\u0001":1},{"\u0001":2}]', '[{"a\\\\":1},{"a\\":2}]', '[{"ab":1},{"abc":2}]']) {
      expect(outcome(parseJsonLossless, text)).toEqual(outcome(parseJsonLosslessV1, text));
    }
    expect(() => parseJsonLossless('[{"a\\"b":1},{"a"b":2}]')).toThrow(SyntaxError);
  });

  it('is unaffected by a previous parse that failed half-way', () => {
    expect(() => parseJsonLossless('{"id": 1, "amount": 12.5, "note": "x')).toThrow(SyntaxError);
    expect(JSON.stringify(parseJsonLossless('{"id":9007199254740993}'))).toBe('{"id":"9007199254740993"}');
  });
});
