/**
 * The catalog a long-running process judges by, kept in step with the check files on disk. Every
 * gate answer and refresh first asks `current()`: a fingerprint of the files is compared with the
 * one the catalog was loaded from, so the server never judges by definitions the CLI would not.
 * An edit that does not load keeps the last good catalog and is reported, never silently skipped.
 */
import { loadCatalog } from '../catalog/load.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Env } from '../catalog/interpolate.js';
import { CheckFileError, type SpecProblem } from '../checkfile/problems.js';
import { createCheckFileLook, type CheckFileLookOptions } from './check-file-look.js';

const MAX_ATTEMPTS = 3;

/** Where the catalog stands against the files on disk. */
export interface CatalogStatus {
  /** False when the files on disk do not load: `catalog` is then the last good one, and stale. */
  valid: boolean;
  problems: SpecProblem[];
  /** When the catalog in use was loaded. */
  loadedAt: Date;
  /** When the files were last read, whatever came of it. */
  checkedAt: Date;
}

export interface CatalogHolderOptions {
  dir: string;
  env: Env;
  initial: Catalog;
  now: () => Date;
  /** Extra acceptance rules (the server's schedule validation); throws CheckFileError. */
  validate?: (catalog: Catalog) => Promise<void>;
  /** How the check files are looked at (check-file-look.ts); tests set the margin and granule. */
  look?: Omit<CheckFileLookOptions, 'dir'> | undefined;
  /** Hears every load attempt that changed something: a new catalog, or a failure to load one. */
  onLoad?: (event: { catalog: Catalog; replaced: boolean; status: CatalogStatus }) => Promise<void> | void;
}

export interface CatalogHolder {
  catalog(): Catalog;
  status(): CatalogStatus;
  /** Loads the files now; throws CheckFileError (keeping the last good catalog) when they do not load. */
  reload(): Promise<Catalog>;
  /**
   * Reloads when the files changed since the last load attempt; answers where the catalog stands.
   * Every call compares with the files as they are after it was made (concurrent callers share a
   * read that began after they asked): a gate never judges by a definition its files no longer hold.
   */
  current(): Promise<CatalogStatus>;
}

/** Creates the holder; the initial catalog is taken to match the files as they are now. */
export async function createCatalogHolder(options: CatalogHolderOptions): Promise<CatalogHolder> {
  let catalog = options.initial;
  // The fingerprint is read before the load it stands for: a write racing the load then shows up
  // as a changed fingerprint at the next look, never as a missed edit.
  const look = createCheckFileLook({ ...options.look, dir: options.dir });
  const fingerprintCheckFiles = () => look.fingerprint();
  let fingerprint = await fingerprintCheckFiles();
  let status: CatalogStatus = { valid: true, problems: [], loadedAt: options.now(), checkedAt: options.now() };
  let inFlight: Promise<Catalog> | undefined;

  const load = async (): Promise<Catalog> => {
    const seen = await fingerprintCheckFiles();
    try {
      const next = await loadCatalog(options.dir, options.env);
      await options.validate?.(next);
      catalog = next;
      fingerprint = seen;
      status = { valid: true, problems: [], loadedAt: options.now(), checkedAt: options.now() };
      await options.onLoad?.({ catalog, replaced: true, status });
      return next;
    } catch (error) {
      fingerprint = seen;
      const problems = error instanceof CheckFileError ? error.problems
        : [{ file: options.dir, line: 1, column: 1, path: '', message: `could not load the check files: ${(error as Error).message}` }];
      status = { valid: false, problems, loadedAt: status.loadedAt, checkedAt: options.now() };
      await options.onLoad?.({ catalog, replaced: false, status });
      throw error instanceof CheckFileError ? error : new CheckFileError(problems);
    }
  };

  // Many askers at once (a gate polled thousands of times a second) share fingerprint reads, but
  // each asker waits for a read that *began after it asked*: the one under way may predate an edit
  // it has to see. A read begins on the turn of the event loop after it was asked for, so everyone
  // whose request arrived in the same turn joins it; at most one read runs and one waits, and
  // everyone who arrives while one runs joins the waiting one. Every answer still judges by the
  // files as they were when it was asked.
  interface Read { began: boolean; fingerprint: Promise<string> }
  let reading: Read | undefined;
  let next: Promise<string> | undefined;
  const startRead = (): Promise<string> => {
    const read: Read = { began: false, fingerprint: Promise.resolve('') };
    read.fingerprint = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        read.began = true;
        return fingerprintCheckFiles();
      })
      .finally(() => { if (reading === read) reading = undefined; });
    reading = read;
    return read.fingerprint;
  };
  const freshFingerprint = (): Promise<string> => {
    if (!reading) return startRead();
    if (!reading.began) return reading.fingerprint;
    next ??= reading.fingerprint.catch(() => '').then(() => {
      next = undefined;
      return startRead();
    });
    return next;
  };

  // One load at a time: concurrent callers share it rather than racing to swap the catalog.
  const reload = (): Promise<Catalog> => {
    inFlight ??= load().finally(() => { inFlight = undefined; });
    return inFlight;
  };

  return {
    catalog: () => catalog,
    status: () => status,
    reload,
    async current() {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // A load already under way may have read the files before the latest write: wait, then look again.
        if (inFlight) await inFlight.catch(() => {});
        if ((await freshFingerprint()) === fingerprint) {
          return status;
        }
        await reload().catch(() => {});
      }
      // Files that keep changing while they are read cannot be pinned down: judge nothing by them.
      return { ...status, valid: false, problems: [{ file: options.dir, line: 1, column: 1, path: '', message: 'the check files kept changing while they were loaded; try again' }] };
    },
  };
}
