/**
 * Finds the check files under a directory: every `*.yaml` / `*.yml`, recursively, following
 * symbolic links. Kubernetes mounts a ConfigMap as symlinks (`users.yaml -> ..data/users.yaml`,
 * `..data -> ..2026_12_05_01_00_00.1234`), so links must be followed; the `..`-prefixed entries are
 * the mount's own bookkeeping and are skipped, so each file is read once, under the name the
 * operator gave it.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CheckFileError, type SpecProblem } from '../checkfile/problems.js';

const CHECK_FILE = /\.ya?ml$/;

/** Kubernetes' atomic writer names its timestamped directories and the `..data` link this way. */
function isMountBookkeeping(name: string): boolean {
  return name.startsWith('..');
}

function problem(file: string, message: string): SpecProblem {
  return { file, line: 1, column: 1, path: '', message };
}

/**
 * Told of each directory and symbolic link just before the walk looks at it, so that a caller can
 * note what it saw first and later tell whether a listing still holds (service/check-file-look.ts):
 * whatever changes after the note differs from it.
 */
export interface CheckFileWalkObserver {
  /** A directory about to be resolved and read, by the path it was reached through. */
  directory(dirPath: string, isRoot: boolean): Promise<void>;
  /** A symbolic link entry about to be followed. */
  link(linkPath: string): Promise<void>;
}

/** Every check file under `dir`, sorted; a file reached twice (two links to it) is listed once. */
export async function listCheckFiles(dir: string, observer?: CheckFileWalkObserver): Promise<string[]> {
  const files = new Map<string, string>(); // real path → first path found, in walk order
  const problems: SpecProblem[] = [];
  // Directories already walked, by real path: a link back up the tree (a loop) is walked once.
  const walked = new Set<string>();

  const walk = async (current: string, isRoot: boolean): Promise<void> => {
    let entries;
    try {
      await observer?.directory(current, isRoot);
      const real = await realpath(current);
      if (walked.has(real)) return;
      walked.add(real);
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if (isRoot) throw new CheckFileError([problem(dir, `cannot read checks directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)]);
      problems.push(problem(current, `cannot read directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (isMountBookkeeping(entry.name)) continue;
      const full = path.join(current, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          await observer?.link(full);
          const target = await stat(full);
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch (error) {
          // A dangling link named like a check file is a check file that cannot be read: saying so
          // beats loading a catalog that silently lacks its checks.
          if (CHECK_FILE.test(entry.name)) problems.push(problem(full, `cannot read check file (broken symbolic link): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
          continue;
        }
      }
      if (isDirectory) await walk(full, false);
      else if (isFile && CHECK_FILE.test(entry.name)) {
        const real = await realpath(full);
        if (!files.has(real)) files.set(real, full);
      }
    }
  };

  await walk(dir, true);
  if (problems.length > 0) throw new CheckFileError(problems);
  return [...files.values()].sort();
}
