/** compile() renders fragments exactly as drizzle's PgDialect does, without loading pg-core at run time. */
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { compile, sql, tableSql } from '../../src/sql/build.js';

describe('compile', () => {
  it('quotes identifiers, numbers parameters and inlines nothing, as PgDialect does', () => {
    const fragment = sql`select ${sql.identifier('we"ird')}, ${1}, ${'it\'s'} from ${tableSql({ schema: 'pub"lic', name: 'us ers' })} where x = ${null} and ${sql.raw('true')}`;
    const ours = compile(fragment);
    const dialect = new PgDialect().sqlToQuery(fragment);
    expect(ours).toEqual({ text: dialect.sql, params: dialect.params });
    expect(ours.text).toBe('select "we""ird", $1, $2 from "pub""lic"."us ers" where x = $3 and true');
    expect(ours.params).toEqual([1, 'it\'s', null]);
  });
});
