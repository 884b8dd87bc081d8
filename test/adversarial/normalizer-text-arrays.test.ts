/**
 * column_parity and table_diff refused every array under a text normaliser
 * (`normalizer_on_container`), text[] under `lower` included. An array of a type that is not itself
 * a container is written with its structure in characters no text normaliser edits: array output
 * quotes an element holding a delimiter, brace, quote, backslash or space, or spelling NULL in any
 * case, so lower/upper/collapse_whitespace of the text are those of each element. Such arrays are
 * now compared; arrays of containers (jsonb, composites, ranges, arrays through a domain) are still
 * refused. The cases below are the structure an attacker would try to fold: an element holding a
 * comma against two elements, NULL against 'NULL', braces inside an element against a nested array,
 * different lower bounds, escaped quotes. Every case runs on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** [type, old value, new value, normalisers, status expected (an error code when refused)] */
const CASES: [string, string, string, string, string][] = [
  // Structure differs: must fail whatever the normaliser.
  ['text[]', `'{"A,b"}'`, `'{a,b}'`, '[lower]', 'fail'],
  ['text[]', `'{"a,B"}'`, `'{A,B}'`, '[upper]', 'fail'],
  ['text[]', `array[null]::text[]`, `'{"NULL"}'`, '[lower]', 'fail'],
  ['text[]', `array[null]::text[]`, `'{"null"}'`, '[upper]', 'fail'],
  ['text[]', `array[null]::text[]`, `'{"Null"}'`, '[lower, upper]', 'fail'],
  ['text[]', `'{"{A}"}'`, `'{{a}}'`, '[lower]', 'fail'],
  ['text[]', `'[0:1]={A,b}'`, `'{a,b}'`, '[lower]', 'fail'],
  ['text[]', `'{"A\\\\"}'`, `'{"a\\""}'`, '[lower]', 'fail'],
  ['text[]', `'{"A B"}'`, `'{a,b}'`, '[lower, collapse_whitespace]', 'fail'],
  ['text[]', `'{"a  b"}'`, `'{"a","b"}'`, '[collapse_whitespace]', 'fail'],
  ['text[]', `'{" a"}'`, `'{a}'`, '[trim]', 'fail'],
  ['text[]', `'{Ab}'`, `'{"ab "}'`, '[lower]', 'fail'],
  ['text[]', `'{}'`, `'{""}'`, '[lower]', 'fail'],
  ['varchar[]', `'{Ab,C}'`, `'{ab}'`, '[lower]', 'fail'],
  ['nta_texts', `'{Ab}'`, `'{ac}'`, '[lower]', 'fail'],
  // Arrays of containers: still refused.
  ['jsonb[]', `array['{"Email": 1}'::jsonb]`, `array['{"email": 1}'::jsonb]`, '[lower]', 'normalizer_on_container'],
  ['json[]', `array['{"A  b": 1}'::json]`, `array['{"A b": 1}'::json]`, '[collapse_whitespace]', 'normalizer_on_container'],
  ['nta_pair[]', `array[row('X', 'Y')::nta_pair]`, `array[row('x', 'y')::nta_pair]`, '[lower]', 'normalizer_on_container'],
  ['int4range[]', `'{"[1,2)"}'`, `'{"[1,2)"}'`, '[upper]', 'normalizer_on_container'],
  ['nta_docs', `array['{"Email": 1}'::jsonb]`, `array['{"email": 1}'::jsonb]`, '[lower]', 'normalizer_on_container'],
  ['nta_doc[]', `array['{"Email": 1}'::jsonb]`, `array['{"email": 1}'::jsonb]`, '[lower]', 'normalizer_on_container'],
  ['nta_texts[]', `array['{Ab}'::nta_texts]`, `array['{ab}'::nta_texts]`, '[lower]', 'normalizer_on_container'],
  // Controls: equal element by element.
  ['text[]', `'{Ab,"C D",NULL}'`, `'{ab,"c d",NULL}'`, '[lower]', 'pass'],
  ['text[]', `'{"A,b","{C}"}'`, `'{"a,B","{c}"}'`, '[upper]', 'pass'],
  ['text[]', `'{"NULL"}'`, `'{"null"}'`, '[lower]', 'pass'],
  ['text[]', `'{{A,b},{c,D}}'`, `'{{a,B},{C,d}}'`, '[lower]', 'pass'],
  ['text[]', `'{"a  b","c\td"}'`, `'{"a b","c d"}'`, '[collapse_whitespace]', 'pass'],
  ['varchar[]', `'{Ab}'`, `'{aB}'`, '[upper]', 'pass'],
  ['nta_texts', `'{Ab}'`, `'{ab}'`, '[lower]', 'pass'],
  ['nta_text[]', `'{Ab}'`, `'{ab}'`, '[lower]', 'pass'],
  ['nta_mood[]', `'{Happy}'`, `'{happy}'`, '[lower]', 'pass'],
  ['uuid[]', `'{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'`, `'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'`, '[lower]', 'pass'],
  ['integer[]', `'{1,NULL}'`, `'{1,NULL}'`, '[upper]', 'pass'],
];

describe.each(engines)('a text normaliser over an array of non-containers is element-wise, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create domain nta_texts as text[]; create domain nta_text as text; create domain nta_doc as jsonb; create domain nta_docs as jsonb[];
      create type nta_pair as (a text, b text); create type nta_mood as enum ('Happy', 'happy');`);
    for (const [i, [type, oldValue, newValue]] of CASES.entries()) {
      await db.exec(`create table nta_${i} (id int primary key, o ${type}, n ${type}); insert into nta_${i} values (1, ${oldValue}, ${newValue});
        create table nta_old_${i} (id int primary key, v ${type}); insert into nta_old_${i} values (1, ${oldValue});
        create table nta_new_${i} (id int primary key, v ${type}); insert into nta_new_${i} values (1, ${newValue});`);
    }
  });
  afterAll(() => db.close());

  it('the trap is armed: the folded texts of each structural pair would differ only in case or spacing, or not at all', async () => {
    const [row] = await db.exec(`select lower('{"A,b"}'::text[]::text) as comma, lower(array[null]::text[]::text) as null_element, lower('{"NULL"}'::text[]::text) as null_text`);
    expect(row).toEqual({ comma: '{"a,b"}', null_element: '{null}', null_text: '{"null"}' });
  });

  it('column_parity (both forms) and table_diff fail structure, refuse containers and pass element-wise equals', async () => {
    const seen = [];
    for (const [i, [type, oldValue, newValue, chain]] of CASES.entries()) {
      const outcome = (r: { status: string; error?: { code: string } | null | undefined }) => (r.status === 'error' ? r.error?.code : r.status);
      const same = await runCheck(db, `checks:
  - { id: nta, kind: column_parity, source: app, table: nta_${i}, key: [id], old: o, new: n, normalize: ${chain} }
`);
      const join = await runCheck(db, `checks:
  - { id: nta, kind: column_parity, source: app, key: [id], old: { table: nta_old_${i}, expr: v }, new: { table: nta_new_${i}, expr: v }, normalize: ${chain} }
`);
      const diff = await runCheck(db, `checks:
  - { id: nta, kind: table_diff, key: [id], old: { source: app, table: nta_old_${i} }, new: { source: app, table: nta_new_${i} }, normalize: { v: ${chain} } }
`);
      seen.push([type, oldValue, newValue, chain, outcome(same), outcome(join), outcome(diff)]);
    }
    expect(seen).toEqual(CASES.map(([type, o, n, chain, want]) => [type, o, n, chain, want, want, want]));
  }, 240_000); // 33 cases × 3 checks, each opening connections of its own
});
