import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { checkReadOnlyExpression, checkReadOnlyQuery } from '../../src/sql/read-only-guard.js';

// libpg-query's scanner has failed on input its parser accepted (unescaped control characters);
// should it fail again, the guard must refuse rather than pass or throw.
vi.mock('../../src/sql/parser.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/sql/parser.js')>()),
  scanSql: () => {
    throw new Error('scanner output is not JSON');
  },
}));

beforeAll(loadSqlParser);

describe('when the lexer fails', () => {
  it('refuses instead of passing', () => {
    const unscannable = 'could not be split into tokens by the PostgreSQL lexer, so it cannot be judged';
    expect(checkReadOnlyExpression("status = 'active'")).toEqual([{ message: unscannable }]);
    expect(checkReadOnlyQuery('select 1')).toEqual([{ message: unscannable }]);
  });
});
