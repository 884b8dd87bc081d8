/** Finds promtool: on PATH, or where scripts/install-promtool.sh puts it (.tools/bin). */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The promtool binary, or undefined when neither place has one. */
export function findPromtool(): string | undefined {
  const candidates = [
    path.join(REPO_ROOT, '.tools', 'bin', 'promtool'),
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'promtool')),
  ];
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
