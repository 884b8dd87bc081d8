import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexOfByte, indexOfCodePoint, isSqlParserLoaded, loadSqlParser, parseSql, scanSql } from '../../src/sql/parser.js';

// Deliberately no beforeAll: the first tests prove that importing the module loads nothing.
const PARSER = path.resolve(import.meta.dirname, '../../src/sql/parser.ts');

describe('loading the parser', () => {
  it('loads nothing at import and refuses to parse before loading', () => {
    // In a fresh process: this suite's setup has loaded the parser in this one.
    const script = `import { isSqlParserLoaded, parseSql, scanSql } from ${JSON.stringify(PARSER)};
      const refused = (f) => { try { f(); return 'parsed'; } catch (e) { return e.message; } };
      console.log(JSON.stringify([isSqlParserLoaded(), refused(() => parseSql('select 1')), refused(() => scanSql('select 1'))]));`;
    const [loaded, parse, scan] = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as [boolean, string, string];
    expect(loaded).toBe(false);
    expect(parse).toBe('the PostgreSQL parser is not loaded: await loadSqlParser() before parsing SQL');
    expect(scan).toMatch(/not loaded/);
  });

  it('loads once, however many callers wait for it', async () => {
    const first = loadSqlParser();
    expect(loadSqlParser()).toBe(first);
    await Promise.all([first, loadSqlParser()]);
    expect(isSqlParserLoaded()).toBe(true);
    expect(loadSqlParser()).toBe(first);
  });
});

describe('parseSql', () => {
  it('returns the tree of every statement', async () => {
    await loadSqlParser();
    const parsed = parseSql('select 1; select 2');
    expect(parsed.kind === 'parsed' && parsed.tree.stmts?.length).toBe(2);
    expect(parseSql('')).toEqual({ kind: 'parsed', tree: { stmts: [] } });
  });

  it('returns a syntax error as a value, located in UTF-16 units past multibyte text', async () => {
    await loadSqlParser();
    const text = "select 'ü😀中' + )";
    expect(parseSql(text)).toEqual({ kind: 'syntax_error', message: 'syntax error at or near ")"', offset: text.indexOf(')') });
  });

  it('refuses NUL and unpaired surrogates, which the wasm parser and the server would read differently', async () => {
    await loadSqlParser();
    expect(parseSql('select 1\0; drop table t')).toMatchObject({ kind: 'syntax_error', offset: 8 });
    expect(parseSql("select '\uDC00'")).toMatchObject({ kind: 'syntax_error', offset: 8 });
    expect(parseSql("select '😀'").kind).toBe('parsed');
  });

  it('parses and scans every control character inside literals, names and comments', async () => {
    await loadSqlParser();
    for (let code = 1; code < 32; code++) {
      const c = String.fromCharCode(code);
      const text = `select '${c}' as "${c}" /* ${c} */`;
      expect(parseSql(text).kind).toBe('parsed');
      expect(scanSql(text).map((token) => token.start)).toEqual([0, 7, 11, 14, 18]);
    }
  });
});

describe('offset conversion', () => {
  it('maps the byte length of any prefix to its UTF-16 length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (prefix, rest) => {
        const text = prefix + rest;
        expect(indexOfByte(text, Buffer.byteLength(prefix))).toBe(prefix.length);
        expect(indexOfCodePoint(text, [...prefix].length)).toBe(prefix.length);
      }),
    );
  });

  it('clamps offsets past the end', () => {
    expect(indexOfByte('é', 99)).toBe(1);
    expect(indexOfCodePoint('😀', 5)).toBe(2);
  });
});
