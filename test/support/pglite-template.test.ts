/**
 * The test set-up copies one initialised cluster into every in-memory PGlite (pglite-template.ts).
 * These tests hold the copy to what initdb itself makes, and each copy to being private.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';

const opened: PGlite[] = [];
async function open(dataDir?: string): Promise<PGlite> {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  opened.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
});

/** What a cluster looks like from SQL: server, session, databases, roles and non-default settings. */
async function describeCluster(db: PGlite): Promise<unknown> {
  const one = async (sql: string) => (await db.query(sql)).rows;
  return {
    server: await one('select version(), current_user, current_database(), pg_encoding_to_char(encoding) as encoding, datcollate, datctype from pg_database where datname = current_database()'),
    databases: await one('select datname from pg_database order by 1'),
    roles: await one('select rolname, rolsuper from pg_roles order by 1'),
    settings: await one("select name, setting from pg_settings where source not in ('default', 'session', 'client') order by 1"),
    relations: await one("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace"),
  };
}

describe('in-memory PGlite in tests', () => {
  it('starts from the same cluster initdb makes', async () => {
    // A data-directory string bypasses the template: this one runs initdb itself.
    const initdb = await open('memory://');
    const copied = await open();
    expect(await describeCluster(copied)).toEqual(await describeCluster(initdb));
  }, 300_000); // two clusters, one by initdb: slow on a busy machine

  it('gives every database its own copy', async () => {
    const first = await open();
    const second = await open();
    await first.exec('create table only_here (id int); insert into only_here values (1)');
    expect((await first.query('select count(*)::int as n from only_here')).rows).toEqual([{ n: 1 }]);
    await expect(second.query('select 1 from only_here')).rejects.toThrow(/only_here/);
    const third = await open();
    await expect(third.query('select 1 from only_here')).rejects.toThrow(/only_here/);
  });
});
