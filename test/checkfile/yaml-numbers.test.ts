import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { canonicalDecimal, checkYamlNumbers } from '../../src/checkfile/yaml-numbers.js';

function load(text: string): { value: unknown; problems: string[] } {
  const doc = parseDocument(`x: ${text}\n`);
  const problems = checkYamlNumbers(doc).map((p) => p.message);
  return { value: (doc.toJS() as { x: unknown }).x, problems };
}

describe('YAML numbers checked against their source text', () => {
  it('accepts every double written as JavaScript prints it, unchanged', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const { value, problems } = load(String(d));
      expect(problems).toEqual([]);
      const text = String(d);
      // An integer printed beyond 2^53 ("-80111172717666020") names an integer the double only
      // approximates (…016): it is read as exactly that integer, a BigInt. String(-0) is "0".
      if (/^-?\d+$/.test(text) && BigInt(d) !== BigInt(text)) expect(value).toBe(BigInt(text));
      else expect(value).toBe(Object.is(d, -0) ? 0 : d);
    }), { numRuns: 500, examples: [[-0], [5e-324], [Number.MAX_VALUE], [0.1 + 0.2]] });
  });

  it('accepts decimals of up to 15 significant digits', () => {
    const decimal = fc.tuple(fc.stringMatching(/^[1-9]\d{0,14}$/), fc.integer({ min: -30, max: 30 })).map(([digits, e]) => `${digits}e${e}`);
    fc.assert(fc.property(decimal, (text) => {
      expect(load(text).problems).toEqual([]);
    }));
  });

  it('keeps integers of any size exactly, as BigInt where a double cannot hold them', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
      const { value, problems } = load(String(n));
      expect(problems).toEqual([]);
      expect(BigInt(value as number | bigint)).toBe(n);
      // An integer a double holds exactly (2^60, 119209289550781250000000) may stay a number: it means what it says.
      if (BigInt(Number(n)) !== n) expect(typeof value).toBe('bigint');
    }));
  });

  it('refuses decimals that would be read as another value, and non-finite numbers', () => {
    expect(load('0.10000000000000000001').problems).toEqual(['the number 0.10000000000000000001 cannot be held exactly (it would be read as 0.1); write at most 15 significant digits']);
    expect(load('9007199254740993.0').problems).toHaveLength(1);
    expect(load('1e999').problems).toEqual(['1e999 is not a finite number']);
    expect(load('-.inf').problems).toEqual(['-.inf is not a finite number']);
    expect(load('.NaN').problems).toEqual(['.NaN is not a finite number']);
  });

  it('leaves strings alone, even when they look like numbers', () => {
    expect(load('"9007199254740993"')).toEqual({ value: '9007199254740993', problems: [] });
  });

  it('spells a decimal value one way', () => {
    expect(canonicalDecimal('1.0')).toBe(canonicalDecimal('1'));
    expect(canonicalDecimal('100')).toBe(canonicalDecimal('1e2'));
    expect(canonicalDecimal('-0.0')).toBe('0');
    expect(canonicalDecimal('0.1')).not.toBe(canonicalDecimal('0.10000000000000000001'));
    expect(canonicalDecimal('0x1F')).toBeUndefined();
  });
});
