/**
 * Pre-initialised data directories for new embedded databases. Creating a PGlite database runs
 * initdb (~7 s of CPU and a second WebAssembly instance, ~900 MB peak RSS); copying a directory
 * that initdb (and whatever the caller's recipe adds, e.g. the state store's migrations) produced
 * once costs a few hundred ms. Templates are built on first need into the user's cache directory,
 * keyed by the PGlite version and the recipe, and only ever used whole: a template whose manifest
 * does not match what is asked for is rebuilt, and any failure falls back to initdb in place.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

export interface DataDirTemplate {
  /** What the template holds beyond an empty cluster, as text that changes whenever that does (e.g. migration tags and hashes). */
  recipe: string;
  /** Fills the freshly initialised database (e.g. migrates it). */
  build(db: PGlite): Promise<void>;
}

/** An initialised, otherwise empty cluster: what every embedded database starts as. */
export const EMPTY_TEMPLATE: DataDirTemplate = { recipe: 'empty', build: async () => {} };

/** What a cached template was built from; written last, so a half-built one never has it. */
interface Manifest { pglite: string; recipe: string }

const MANIFEST = 'manifest.json';
const PGDATA = 'pgdata';

/** `$XDG_CACHE_HOME/parity/embedded-templates`, else `~/.cache/parity/embedded-templates`. */
export function defaultTemplateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'parity', 'embedded-templates');
}

let pgliteVersionMemo: string | undefined;

/** The installed PGlite's version: a data directory is only valid for the Postgres build that made it. */
export function pgliteVersion(): string {
  if (pgliteVersionMemo) return pgliteVersionMemo;
  // The package exports no ./package.json; its entry point sits in dist/, one level below it.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { name: string; version: string };
  if (manifest.name !== '@electric-sql/pglite') throw new Error(`unexpected package beside ${entry}: ${manifest.name}`);
  pgliteVersionMemo = manifest.version;
  return pgliteVersionMemo;
}

/** The cache entry's folder name: readable, and unique per PGlite version and recipe. */
function entryName(manifest: Manifest): string {
  const slug = manifest.recipe.replace(/[^a-z0-9]+/gi, '-').slice(0, 40).replace(/-+$/, '');
  let hash = 0x811c9dc5;
  for (const ch of JSON.stringify(manifest)) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${slug}-${manifest.pglite}-${hash.toString(16).padStart(8, '0')}`;
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function sameManifest(a: Manifest | undefined, b: Manifest): boolean {
  return a !== undefined && a.pglite === b.pglite && a.recipe === b.recipe;
}

/** Copies a directory tree file by file (Node's cpSync does several more system calls per file). */
export function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else copyFileSync(source, target);
  }
}

export interface TemplateDeps {
  create(dataDir: string): Promise<PGlite>;
}

/**
 * The cached template's data directory for `template`, built first when missing or not matching
 * its manifest. Two processes building at once each build their own and the first rename wins.
 */
export async function ensureTemplate(cacheDir: string, template: DataDirTemplate, deps: TemplateDeps): Promise<string> {
  const wanted: Manifest = { pglite: pgliteVersion(), recipe: template.recipe };
  const entry = path.join(cacheDir, entryName(wanted));
  if (sameManifest(readManifest(entry), wanted) && existsSync(path.join(entry, PGDATA, 'PG_VERSION'))) return path.join(entry, PGDATA);
  mkdirSync(cacheDir, { recursive: true });
  const building = path.join(cacheDir, `.building-${process.pid}-${randomUUID()}`);
  try {
    mkdirSync(building);
    const db = await deps.create(path.join(building, PGDATA));
    try {
      await template.build(db);
    } finally {
      await db.close();
    }
    writeFileSync(path.join(building, MANIFEST), `${JSON.stringify(wanted, null, 2)}\n`);
    // A mismatched entry under this name (hand-edited, or from a build that was interrupted) goes.
    if (existsSync(entry) && !sameManifest(readManifest(entry), wanted)) rmSync(entry, { recursive: true, force: true });
    try {
      renameSync(building, entry);
    } catch (error) {
      // Another process finished first: its template is as good as ours.
      if (!sameManifest(readManifest(entry), wanted)) throw error;
    }
    return path.join(entry, PGDATA);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * Fills the new data directory `target` from the template (copied beside it, then renamed into
 * place, so an interrupted copy never looks like a database). Returns false, leaving `target`
 * untouched, when the template could not be had: the caller then lets PGlite run initdb as before.
 */
export async function createFromTemplate(target: string, cacheDir: string, template: DataDirTemplate, deps: TemplateDeps): Promise<boolean> {
  let partial: string | undefined;
  try {
    const source = await ensureTemplate(cacheDir, template, deps);
    partial = `${target}.partial-${process.pid}-${randomUUID()}`;
    copyTree(source, partial);
    renameSync(partial, target);
    partial = undefined;
    return true;
  } catch {
    return false;
  } finally {
    if (partial) rmSync(partial, { recursive: true, force: true });
  }
}
