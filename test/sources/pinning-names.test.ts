/**
 * The pinning statement is the first statement of every read, and it is parsed — every type,
 * function and operator it names resolved — under the database's own search_path, before its own
 * first column puts pg_catalog first. A database owner who is no superuser can set that path
 * (`alter database … set search_path = evil, pg_catalog`): any name it leaves unqualified could be
 * the owner's (`evil.text`, a domain whose CHECK writes; `evil.=(oid, oid)`), and would run in
 * parity's session before the stand-in guard (a later column of the same statement) has looked.
 * So every name the statement resolves must name pg_catalog: types, functions, operators —
 * including the ones SQL spells without a name (`IN (…)`, `IS DISTINCT FROM`, `CASE x WHEN`,
 * `JOIN … USING`, `= ANY`), which look `=` up through the path. Parsed by the real parser.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { stringNodeValue, walkSqlTree } from '../../src/sql/tree-walk.js';
import { pinningSql, fixedStatementSettings } from '../../src/sources/pinning.js';
import { PINNED_SETTINGS } from '../../src/sources/types.js';
import { DATABASE_IDENTITY_SQL } from '../../src/service/store-apart.js';

/** Every name in `text` the search_path would resolve, as `kind name` strings. */
function unqualifiedNames(text: string): string[] {
  const parsed = parseSql(text);
  if (parsed.kind !== 'parsed') throw new Error(`does not parse: ${parsed.message}`);
  const found: string[] = [];
  const names = (list: unknown) => (Array.isArray(list) ? list.map((n) => stringNodeValue(n) ?? '?') : []);
  const qualified = (parts: string[]) => parts.length >= 2 && parts[0] === 'pg_catalog';
  walkSqlTree(parsed.tree, ({ type, fields, key }) => {
    // A type name is a typed field (TypeCast.typeName), untagged in the tree.
    if (type === 'TypeName' || (type === undefined && key === 'typeName')) {
      const parts = names(fields['names']);
      if (!qualified(parts)) found.push(`type ${parts.join('.')}`);
    } else if (type === 'FuncCall') {
      const parts = names(fields['funcname']);
      if (!qualified(parts)) found.push(`function ${parts.join('.')}`);
    } else if (type === 'A_Expr') {
      const parts = names(fields['name']);
      if (!qualified(parts)) found.push(`operator ${parts.join('.')} (${String(fields['kind'])})`);
    } else if (type === 'SubLink' && (fields['subLinkType'] === 'ANY_SUBLINK' || fields['subLinkType'] === 'ALL_SUBLINK' || fields['operName'] !== undefined)) {
      // `x IN (select …)` carries no operator name at all: the server looks `=` up.
      const parts = names(fields['operName'] ?? []);
      if (!qualified(parts)) found.push(`operator ${parts.join('.') || '='} (sub-select)`);
    } else if (type === 'CaseExpr' && fields['arg'] !== undefined) {
      found.push('operator = (CASE x WHEN)');
    } else if (type === 'JoinExpr' && fields['usingClause'] !== undefined) {
      found.push('operator = (JOIN USING)');
    } else if (type === 'JoinExpr' && fields['isNatural'] === true) {
      found.push('operator = (NATURAL JOIN)');
    }
  });
  return found;
}

describe('names in the pinning statement', () => {
  beforeAll(() => loadSqlParser());

  it('finds the names it is looking for (the check itself can fail)', () => {
    expect(unqualifiedNames("select 'a'::text, lower('A'), 1 = 1, 1 in (1, 2), 1 is distinct from 2, case 1 when 1 then 1 end, 1 = any ('{1}'::pg_catalog.int4[]), 1 in (select 1), 1 operator(pg_catalog.=) any (select 1)")).toEqual([
      'type text', 'function lower', 'operator = (AEXPR_OP)', 'operator = (AEXPR_IN)', 'operator = (AEXPR_DISTINCT)', 'operator = (CASE x WHEN)', 'operator = (AEXPR_OP_ANY)', 'operator = (sub-select)',
    ]);
  });

  it('every read\'s pinning statement, with every part it can carry, names pg_catalog for every type, function and operator', () => {
    const text = pinningSql({ ...PINNED_SETTINGS, statement_timeout: '30000' }, { ioConcurrency: 64, catalogFirst: true, defaultAbbreviations: true, fingerprint: true, refuseStandIns: true });
    expect(unqualifiedNames(text)).toEqual([]);
  });

  it('the state store\'s identity question, asked of DATABASE_URL before it is known not to be a verified database', () => {
    expect(unqualifiedNames(DATABASE_IDENTITY_SQL)).toEqual([]);
  });

  it('a fixed statement\'s pinning (replica lag, probes) too', () => {
    expect(unqualifiedNames(pinningSql(fixedStatementSettings(10_000, 5_000), { fingerprint: true }))).toEqual([]);
  });
});
