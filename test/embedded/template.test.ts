import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_SETTINGS, openEmbedded } from '../../src/embedded/pglite.js';
import { createFromTemplate, ensureTemplate } from '../../src/embedded/template.js';
import { EMBEDDED_STATE_DATABASE, openEmbeddedState, type StateDatabase } from '../../src/store/database.js';
import { migrateState, migrationsRecipe, readMigrations, type Migration } from '../../src/store/migrate.js';

/** Everything a migration can create outside the system schemas, as comparable text. */
async function schemaOf(state: StateDatabase): Promise<Record<string, unknown[]>> {
  return state.raw.transaction(async (exec) => {
    const user = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'`;
    return {
      schemas: await exec(`select n.nspname from pg_namespace n where ${user} order by 1`),
      relations: await exec(`select n.nspname, c.relname, c.relkind, c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${user} order by 1, 2`),
      columns: await exec(`select n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) as default_value
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where ${user} and a.attnum > 0 and not a.attisdropped order by 1, 2, 3`),
      indexes: await exec(`select schemaname, indexname, indexdef from pg_indexes where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`),
      constraints: await exec(`select n.nspname, c.conname, pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_namespace n on n.oid = c.connamespace where ${user} order by 1, 2`),
      functions: await exec(`select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args, md5(p.prosrc) as body from pg_proc p join pg_namespace n on n.oid = p.pronamespace where ${user} order by 1, 2, 3`),
      triggers: await exec(`select tgname, pg_get_triggerdef(t.oid) as def from pg_trigger t where not t.tgisinternal order by 1`),
      types: await exec(`select n.nspname, t.typname, t.typtype from pg_type t join pg_namespace n on n.oid = t.typnamespace where ${user} order by 1, 2`),
      // The journal: which migrations, with which file hashes, in which order (applied_at is when the template was made).
      journal: await exec('select tag, hash from parity.schema_migrations order by tag'),
    };
  });
}

describe('embedded data directories from templates', () => {
  let work: string;
  let cacheDir: string;
  let migrations: Migration[];
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'parity-template-'));
    cacheDir = path.join(work, 'cache');
    migrations = await readMigrations();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('opens a new state data dir from the migrated template, identical to a fresh migrate', async () => {
    const fromTemplate = await openEmbeddedState(path.join(work, 'new-data'), { templateCacheDir: cacheDir });
    // In memory there is no template: initdb and every migration, as a fresh Postgres would get.
    const fresh = await openEmbeddedState(`memory:template-test-${process.pid}`);
    try {
      expect(readdirSync(cacheDir).filter((name) => name.startsWith('state-'))).toHaveLength(1);
      expect(await migrateState(fromTemplate.raw)).toEqual([]);
      expect(await migrateState(fresh.raw)).toEqual(migrations.map((m) => m.tag));
      const [a, b] = [await schemaOf(fromTemplate), await schemaOf(fresh)];
      expect(a.journal).toEqual(migrations.map((m) => ({ tag: m.tag, hash: m.hash })));
      expect(a.relations!.length).toBeGreaterThan(10);
      expect(a).toEqual(b);
    } finally {
      await fromTemplate.close();
      await fresh.close();
    }
  });

  it('copies the cached template again for the next new data dir and reopens an existing one as it is', async () => {
    const dir = path.join(work, 'second');
    const first = await openEmbeddedState(dir, { templateCacheDir: cacheDir });
    await first.raw.transaction((exec) => exec(`insert into parity.schema_migrations (tag, hash) values ('zz_marker', 'x')`));
    await first.close();
    const again = await openEmbeddedState(dir, { templateCacheDir: cacheDir });
    try {
      // Not overwritten from the template on reopen: the row written above is still there.
      expect(await again.raw.transaction((exec) => exec(`select tag from parity.schema_migrations where tag = 'zz_marker'`))).toHaveLength(1);
      await again.raw.transaction((exec) => exec(`delete from parity.schema_migrations where tag = 'zz_marker'`));
    } finally {
      await again.close();
    }
    expect(readdirSync(path.join(dir, 'pglite')).sort()).toEqual([EMBEDDED_STATE_DATABASE]);
  });

  it('never uses a template from an older migration set: the new one is built and nothing is left to migrate', async () => {
    const older = migrations.slice(0, -1);
    const olderCache = path.join(work, 'older-cache');
    const { PGlite } = await import('@electric-sql/pglite');
    const create = (dir: string) => PGlite.create(dir);
    const olderTemplate = { recipe: migrationsRecipe(older), build: async (db: import('@electric-sql/pglite').PGlite) => {
      await migrateState({ transaction: (work) => db.transaction((tx) => work(async (text, params) => (await tx.query<Record<string, unknown>>(text, params)).rows)) }, older);
    } };
    await ensureTemplate(olderCache, olderTemplate, { create });

    // A data dir made from the older template is migrated forward by the normal start-up.
    const stale = path.join(work, 'stale-data');
    expect(await createFromTemplate(path.join(stale, 'pglite', EMBEDDED_STATE_DATABASE), olderCache, olderTemplate, { create })).toBe(true);
    const migratedForward = await openEmbeddedState(stale, { templateCacheDir: olderCache });
    try {
      expect(await migrateState(migratedForward.raw)).toEqual([migrations.at(-1)!.tag]);
    } finally {
      await migratedForward.close();
    }

    // A new data dir with only the older template cached gets a template of the current set, built now.
    const current = await openEmbeddedState(path.join(work, 'current-data'), { templateCacheDir: olderCache });
    try {
      expect(await migrateState(current.raw)).toEqual([]);
      expect(readdirSync(olderCache).filter((name) => name.startsWith('state-'))).toHaveLength(2);
    } finally {
      await current.close();
    }
  });

  it('rebuilds a cached template whose manifest does not match instead of using it', async () => {
    const recipe = migrationsRecipe(migrations);
    const built: string[] = [];
    const { PGlite } = await import('@electric-sql/pglite');
    const template = { recipe, build: async () => { built.push('built'); } };
    const source = await ensureTemplate(path.join(work, 'manifest-cache'), template, { create: (dir) => PGlite.create(dir) });
    expect(await ensureTemplate(path.join(work, 'manifest-cache'), template, { create: (dir) => PGlite.create(dir) })).toBe(source);
    expect(built).toHaveLength(1);
    writeFileSync(path.join(path.dirname(source), 'manifest.json'), JSON.stringify({ pglite: '0.0.0', recipe }));
    expect(await ensureTemplate(path.join(work, 'manifest-cache'), template, { create: (dir) => PGlite.create(dir) })).toBe(source);
    expect(built).toHaveLength(2);
  });

  it('falls back to initdb in place when no template can be had', async () => {
    // A cache "directory" that is a file cannot hold templates.
    const blocked = path.join(work, 'not-a-dir');
    writeFileSync(blocked, '');
    const state = await openEmbeddedState(path.join(work, 'no-cache-data'), { templateCacheDir: blocked });
    try {
      expect(await migrateState(state.raw)).toEqual(migrations.map((m) => m.tag));
      expect(existsSync(path.join(work, 'no-cache-data', 'pglite', EMBEDDED_STATE_DATABASE, 'PG_VERSION'))).toBe(true);
    } finally {
      await state.close();
    }
  });
});

describe('embedded settings', () => {
  it.each(['memory', 'disk'])('applies EMBEDDED_SETTINGS to %s databases', async (where) => {
    const work = mkdtempSync(path.join(tmpdir(), 'parity-settings-'));
    try {
      const dataDir = where === 'memory' ? `memory:settings-${process.pid}` : path.join(work, 'data');
      const { db, release } = await openEmbedded(dataDir, 'settings', { templateCacheDir: path.join(work, 'cache') });
      try {
        for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) {
          const { rows } = await db.query<Record<string, string>>(`show ${name}`);
          expect(rows[0]?.[name]).toBe(value);
        }
        expect(EMBEDDED_SETTINGS.shared_buffers).toBe('16MB');
      } finally {
        await release();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
