/** firstDuplicateMember: repeated member names at any depth, after decoding escapes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstDuplicateMember } from '../../../src/kinds/shadow-read/json-duplicates.js';

describe('firstDuplicateMember', () => {
  it('finds nothing in JSON produced by JSON.stringify (no object can repeat a name)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(firstDuplicateMember(JSON.stringify(value))).toBeUndefined();
    }));
  });

  it('finds a repeated name wherever it is inserted, escaped or not', () => {
    fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 }), fc.nat(), fc.boolean(), (object, pick, escape) => {
      const names = Object.keys(object);
      const name = names[pick % names.length]!;
      const written = escape ? `"${[...name].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(name);
      const inner = `${JSON.stringify(object).slice(0, -1)},${written}:null}`;
      expect(firstDuplicateMember(inner)).toBeDefined();
      expect(firstDuplicateMember(`{"a":[1,{"b":${inner}}]}`)).toBeDefined();
    }));
  });

  it('names the member with a JSON pointer', () => {
    expect(firstDuplicateMember('{"id": 1, "profile": {"email": "a", "email": "b"}}')).toBe('/profile/email');
    expect(firstDuplicateMember('{"tags": [{"t": 1}, {"t": 2, "t": 3}]}')).toBe('/tags/1/t');
    expect(firstDuplicateMember('{"__proto__": 1, "__proto__": 2}')).toBe('/__proto__');
    expect(firstDuplicateMember('{"a/b": {"x": 1, "x": 2}}')).toBe('/a~1b/x');
    expect(firstDuplicateMember('{"s": "{\\"a\\":1,\\"a\\":2}"}')).toBeUndefined();
  });
});
