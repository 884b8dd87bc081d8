/**
 * A PL/pgSQL trigger function on the listed table reaches the column through its whole row, and
 * PL/pgSQL reads a quoted lower-case `"new"` as NEW. The whole-row test skipped a `new`/`old` right
 * after a double quote, so `to_jsonb("new")` exported the column unseen and `unused` passed (both
 * engines, `evidence: catalog`; fails on the old code).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const catalogOnly = (column: string) => `checks:\n  - id: trigger-rows\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [${column}]\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: trigger functions using the whole row on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text); create table audit (j jsonb)', (opened) => ({ db, store } = opened));

  const trigger = (body: string) => `create function keep() returns trigger language plpgsql as $$ begin ${body} end $$;
    create trigger keep after insert or update or delete on users for each row execute function keep()`;

  it.each([
    ['quoted "new"', 'insert into audit values (to_jsonb("new")); return null;'],
    ['quoted "old"', 'insert into audit values (to_jsonb("old")); return null;'],
    ['quoted "new".*', 'insert into audit select to_jsonb(r) from (select "new".*) r; return null;'],
  ])('fails on a trigger function exporting %s', async (_name, body) => {
    await db.exec(trigger(body));
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/keep\(\)/);
    } finally {
      await db.exec('drop function keep cascade');
    }
  });

  it('passes a trigger function that only reads another field (control)', async () => {
    await db.exec(trigger('insert into audit values (jsonb_build_object(\'id\', "new".id)); return null;'));
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop function keep cascade');
    }
  });
});
