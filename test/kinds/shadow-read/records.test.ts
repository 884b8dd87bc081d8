import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNumber, type LosslessJson } from '../../../src/compare/json-lossless.js';
import type { Normalizer } from '../../../src/compare/normalizers.js';
import { compareReads, differingFields, JsonTextRow, recordComparison } from '../../../src/kinds/shadow-read/records.js';
import { parseJsonLosslessV1 } from '../../compare/reference/json-lossless-v1.js';

/** Writes JSON with number texts as they are; `loose` adds whitespace and \u escapes. */
function write(value: LosslessJson, loose: boolean): string {
  const ws = loose ? ' \n ' : '';
  const string = (s: string) => (loose ? JSON.stringify(s).replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : JSON.stringify(s));
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'string') return string(value);
  if (Array.isArray(value)) return `[${value.map((v) => write(v, loose)).join(`,${ws}`)}]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).map((k) => `${string(k)}${ws}:${ws}${write(value[k]!, loose)}`).join(`,${ws}`)}}`;
  return JSON.stringify(value);
}

const numberText = fc.constantFrom('0', '-0', '1', '1.5', '1.50', '1.500', '15e-1', '9007199254740993', '9007199254740992', '12345678901234567.89', '2e40', '42');
const value: fc.Arbitrary<LosslessJson> = fc.letrec<{ v: LosslessJson }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false),
    numberText.map((t) => new JsonNumber(t)),
    fc.constantFrom('', 'Ada', ' Ada ', 'ada', '42', '1.5', 'refund, "partial" (ticket 10)', 'tab\there', 'ünï', '🙂'),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('v'), { maxKeys: 2 }),
  ),
})).v;
const name = fc.constantFrom('id', 'name', 'email', 'amount', 'updated_at', 'note', '__proto__', 'a"b', '');
type Entry = [string, LosslessJson];
/** A member list as text (names may repeat), in either layout. */
const text = (entries: Entry[], loose: boolean) => `${loose ? ' ' : ''}{${entries.map(([k, v]) => `${write(k, loose)}:${write(v, loose)}`).join(',')}}${loose ? '\n' : ''}`;

/** Two rows that mostly share their members, as rows of the same key read through two paths do. */
const rowPair = fc.tuple(
  fc.array(fc.tuple(name, value), { maxLength: 6 }),
  fc.array(fc.tuple(fc.constantFrom('replace', 'swap', 'drop', 'add', 'repeat', 'keep', 'keep', 'keep'), fc.nat(), value, name), { maxLength: 3 }),
  fc.boolean(), fc.boolean(),
).map(([a, edits, looseA, looseB]) => {
  const b: Entry[] = a.map(([k, v]) => [k, v]);
  for (const [edit, at, v, k] of edits) {
    const i = b.length === 0 ? 0 : at % b.length;
    if (edit === 'replace' && b[i]) b[i] = [b[i]![0], v];
    if (edit === 'swap' && b.length > 1) [b[0], b[i]] = [b[i]!, b[0]!];
    if (edit === 'drop') b.splice(i, 1);
    if (edit === 'add') b.splice(i, 0, [k, v]);
    if (edit === 'repeat' && b[i]) b.push([b[i]![0], v]);
  }
  return [text(a, looseA), text(b, looseB)] as const;
});
const normalizers = fc.array(fc.constantFrom<Normalizer>('trim', 'lower', 'empty_as_null', { numeric_scale: 1 }), { maxLength: 2 });
const tolerance = fc.option(fc.constantFrom(0.05, 1), { nil: undefined });

/** What comparing two texts gives: the differing fields, or the class of error thrown. */
function outcome(compare: () => string[]): unknown {
  try {
    return { fields: compare() };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

describe('comparing rows read as JSON text', () => {
  it('names exactly the fields comparing the parsed rows names', () => {
    fc.assert(fc.property(rowPair, normalizers, tolerance, ([a, b], n, t) => {
      const comparison = recordComparison({ keyFields: ['id'], ignore: ['updated_at'], normalize: { name: n, amount: n }, numericTolerance: t });
      const expected = outcome(() => differingFields(parseJsonLosslessV1(a) as Record<string, unknown>, parseJsonLosslessV1(b) as Record<string, unknown>, comparison));
      expect(outcome(() => compareReads(new JsonTextRow(a), new JsonTextRow(b), comparison))).toEqual(expected);
    }), { numRuns: 3000 });
  });

  it('throws the parser\'s SyntaxError for broken text, never a verdict', () => {
    const broken = fc.tuple(rowPair, fc.nat(), fc.constantFrom('', '"', '\\', ',', ':', '}', '{', '1', ' ', '\u0001', 'x'), fc.boolean(), fc.boolean())
      .map(([[a, b], at, insert, cut, left]) => {
        const target = left ? a : b;
        const i = at % (target.length + 1);
        const bad = target.slice(0, i) + insert + target.slice(cut ? i + 1 : i);
        return left ? [bad, b] as const : [a, bad] as const;
      });
    const comparison = recordComparison({ keyFields: ['id'] });
    fc.assert(fc.property(broken, ([a, b]) => {
      const expected = outcome(() => differingFields(parseJsonLosslessV1(a) as Record<string, unknown>, parseJsonLosslessV1(b) as Record<string, unknown>, comparison));
      expect(outcome(() => compareReads(new JsonTextRow(a), new JsonTextRow(b), comparison))).toEqual(expected);
    }), { numRuns: 3000 });
    // A name matched by its text on the other side only when it was written without escapes.
    for (const [a, b] of [['{"a\\"b":1}', '{"a"b":1}'], ['{"\\u0001":1}', '{"\u0001":1}'], ['{"id":1,"x":{1}}', '{"id":1,"x":{1}}'], ['{"id":1,"x":[1:2]}', '{"id":1,"x":[1:2]}']]) {
      expect(outcome(() => compareReads(new JsonTextRow(a!), new JsonTextRow(b!), comparison))).toEqual({ threw: 'SyntaxError' });
    }
  });

  it('compares the same numbers written differently as equal, and text by text', () => {
    const comparison = recordComparison({ keyFields: ['id'] });
    const legacy = '{"id":1,"customer_id":7920,"amount":1047.29,"email":"user1@example.com","note":"refund, \\"partial\\" (ticket 10)"}';
    const app = '{"id":1,"customer_id":7920,"amount":1047.2900000000000000,"email":"User1@example.com","note":"refund, \\"partial\\" (ticket 10)"}';
    expect(compareReads(new JsonTextRow(legacy), new JsonTextRow(app), comparison)).toEqual(['email']);
    expect(compareReads(new JsonTextRow('{"id":1,"n":9007199254740993}'), new JsonTextRow('{"id":1,"n":9007199254740992}'), comparison)).toEqual(['n']);
  });

  it('compares a key-named member that a side holds without having proved it', () => {
    const row = (t: string) => new JsonTextRow(t);
    // Left proved "id" (SQL, or key_field at "id"); right proved its key elsewhere (key_field: /data/id).
    const mixed = recordComparison({ keyFields: ['id'], proven: { left: ['id'], right: [] } });
    expect(compareReads(row('{"id":7,"v":1}'), row('{"data":{"id":7},"v":1}'), mixed)).toEqual(['data']);
    expect(compareReads(row('{"id":7,"v":1}'), row('{"id":"usr_7","v":1}'), mixed)).toEqual(['id']);
    expect(compareReads(row('{"id":7,"v":1}'), row('{"id":7.0,"v":1}'), mixed)).toEqual([]);
    const neither = recordComparison({ keyFields: ['id'], proven: { left: [], right: [] } });
    expect(compareReads(row('{"v":1,"id":"usr_1"}'), row('{"v":1,"id":"usr_0"}'), neither)).toEqual(['id']);
    expect(compareReads(row('{"v":1}'), row('{"v":1,"id":"usr_0"}'), neither)).toEqual(['id']);
    // Both proved it, by key text: held by both, it is still compared (was [], so `7` and `"7"` agreed).
    const both = recordComparison({ keyFields: ['id'] });
    expect(compareReads(row('{"id":7,"v":1}'), row('{"id":"7","v":1}'), both)).toEqual(['id']);
    expect(compareReads(row('{"id":7,"v":1}'), row('{"id":7.0,"v":1}'), both)).toEqual([]);
    expect(compareReads(row('{"id":7,"v":1}'), row('{"v":1}'), both)).toEqual([]);
  });

  it('falls back to the parsed rows when members differ in order, number or name', () => {
    const comparison = recordComparison({ keyFields: ['id'] });
    const row = (t: string) => new JsonTextRow(t);
    expect(compareReads(row('{"id":1,"a":1,"b":2}'), row('{"b":2,"id":1,"a":1}'), comparison)).toEqual([]);
    // Was [] (absent counted as NULL): strict now, unless treat_absent_as_null says otherwise.
    expect(compareReads(row('{"id":1,"a":1,"b":null}'), row('{"id":1,"a":1}'), comparison)).toEqual(['b']);
    expect(compareReads(row('{"id":1,"a":1,"b":null}'), row('{"id":1,"a":1}'), recordComparison({ keyFields: ['id'], treatAbsentAsNull: 'top_level' }))).toEqual([]);
    expect(compareReads(row('{"id":1,"a":1,"a":2}'), row('{"id":1,"a":2}'), comparison)).toEqual([]);
    expect(compareReads(row('{"id":1,"a":2}'), row('{"id":1,"a":1,"a":2}'), comparison)).toEqual([]);
    expect(compareReads(row('{"id":1,"b":1}'), row('{"id":1,"c":1}'), comparison)).toEqual(['b', 'c']);
  });

  it('parses a row only when it is looked at, and only once', () => {
    const read = new JsonTextRow('{"id":7,"amount":12345678901234567.89}');
    expect(read.row).toBe(read.row);
    expect(JSON.parse(JSON.stringify(read))).toEqual({ kind: 'row', row: { id: 7, amount: '12345678901234567.89' } });
    const broken = new JsonTextRow('{"id":');
    expect(() => broken.row).toThrow(SyntaxError);
  });
});
