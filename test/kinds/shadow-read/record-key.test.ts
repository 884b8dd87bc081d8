/** recordKeyProblem: a record read over HTTP must hold the requested key, exactly and type-strictly. */
import { describe, expect, it } from 'vitest';
import { parseJsonLossless } from '../../../src/compare/json-lossless.js';
import { keyLocations, recordKeyProblem } from '../../../src/kinds/shadow-read/record-key.js';

const problem = (body: string, expected: string[], keyField?: string | Record<string, string>, columns = ['id']) => {
  const locations = keyLocations(keyField, columns);
  if ('error' in locations) throw new Error(locations.error);
  return recordKeyProblem(parseJsonLossless(body), locations, columns, expected)?.code;
};

describe('recordKeyProblem', () => {
  it('accepts the same value of the same JSON type', () => {
    expect(problem('{"id": 7}', ['7'])).toBeUndefined();
    expect(problem('{"id": 7.0}', ['7'])).toBeUndefined();
    expect(problem('{"id": 9007199254740993}', ['9007199254740993'])).toBeUndefined();
    expect(problem('{"id": "a-b"}', ['"a-b"'])).toBeUndefined();
  });

  it.each([
    ['{"id": "7"}', '7'],
    ['{"id": 7}', '"7"'],
    ['{"id": 9007199254740992}', '9007199254740993'],
    ['{"id": "ABC"}', '"abc"'],
    ['{"id": "abc "}', '"abc"'],
    ['{"id": true}', '1'],
    ['{"id": null}', '1'],
    ['{"id": [1]}', '1'],
    ['{"id": {"id": 1}}', '1'],
  ])('refuses %s for key %s as wrong_record', (body, expected) => {
    expect(problem(body, [expected])).toBe('wrong_record');
  });

  it('refuses a record without the key, or with it only somewhere else', () => {
    expect(problem('{"name": "x"}', ['1'])).toBe('invalid_response');
    expect(problem('{"data": {"id": 1}}', ['1'])).toBe('invalid_response');
    expect(problem('{"ID": 1}', ['1'])).toBe('invalid_response');
  });

  it('reads the key where key_field says: a member name, a JSON pointer, per column', () => {
    expect(problem('{"user_id": 1}', ['1'], 'user_id')).toBeUndefined();
    expect(problem('{"data": {"id": 1}}', ['1'], '/data/id')).toBeUndefined();
    expect(problem('{"data": [{"id": 1}]}', ['1'], '/data/0/id')).toBeUndefined();
    expect(problem('{"a/b": {"~": 1}}', ['1'], '/a~1b/~0')).toBeUndefined();
    expect(problem('{"data": {"id": 2}}', ['1'], '/data/id')).toBe('wrong_record');
    expect(problem('{"t": {"slug": "acme"}, "id": 3}', ['"acme"', '3'], { tenant: '/t/slug' }, ['tenant', 'id'])).toBeUndefined();
    expect(problem('{"t": {"slug": "acme"}, "id": 4}', ['"acme"', '3'], { tenant: '/t/slug' }, ['tenant', 'id'])).toBe('wrong_record');
  });

  it('does not read inherited members as the key', () => {
    expect(problem('{"name": "x"}', ['"function"'], 'constructor')).toBe('invalid_response');
  });

  it('refuses key_field forms that cannot hold the key', () => {
    expect(keyLocations('/id', ['tenant', 'id'])).toHaveProperty('error');
    expect(keyLocations({ uid: '/id' }, ['id'])).toHaveProperty('error');
    expect(keyLocations('/a~2', ['id'])).toHaveProperty('error');
  });
});
