/**
 * Applies the drizzle-kit generated migrations at start-up. All of it happens in one transaction
 * under an advisory lock, so replicas starting together migrate once and never see half a schema.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Arbitrary constant: the advisory lock key parity's migrator serialises on. */
const MIGRATION_LOCK_KEY = 7_231_003_114;

/** Raw statements for the migrator, in one transaction. */
export interface RawExecutor {
  transaction<T>(work: (exec: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T>;
}

interface Journal { entries: { idx: number; tag: string }[] }

export interface Migration { tag: string; hash: string; statements: string[] }

/** The migrations shipped with this version, in order. */
export async function readMigrations(): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(`${MIGRATIONS_DIR}meta/_journal.json`, 'utf8')) as Journal;
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(entries.map(async ({ tag }) => {
    const text = await readFile(`${MIGRATIONS_DIR}${tag}.sql`, 'utf8');
    return {
      tag,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text.split('--> statement-breakpoint').map((s) => s.trim()).filter(Boolean),
    };
  }));
}

/** What a database migrated with `migrations` holds: their tags and hashes, in order (the embedded template's recipe). */
export function migrationsRecipe(migrations: readonly Migration[]): string {
  return `state ${migrations.map((m) => `${m.tag}:${m.hash}`).join(' ')}`;
}

/** Brings the state schema up to date; returns the tags it applied. */
export async function migrateState(raw: RawExecutor, migrations?: readonly Migration[]): Promise<string[]> {
  migrations ??= await readMigrations();
  return raw.transaction(async (exec) => {
    await exec('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await exec('create schema if not exists parity');
    await exec(`create table if not exists parity.schema_migrations (
      tag text primary key, hash text not null, applied_at timestamptz not null default now())`);
    const applied = new Map((await exec('select tag, hash from parity.schema_migrations')).map((r) => [String(r.tag), String(r.hash)]));
    const known = new Set(migrations.map((m) => m.tag));
    const unknown = [...applied.keys()].filter((tag) => !known.has(tag));
    if (unknown.length > 0) {
      throw new Error(`the state database was migrated by a newer parity (unknown migrations: ${unknown.join(', ')}); upgrade this process`);
    }
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.tag)) continue;
      for (const statement of migration.statements) await exec(statement);
      await exec('insert into parity.schema_migrations (tag, hash) values ($1, $2)', [migration.tag, migration.hash]);
      done.push(migration.tag);
    }
    return done;
  });
}
