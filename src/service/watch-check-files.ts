/**
 * Reloads the catalog soon after the check files change on disk (fs.watch on the directory,
 * recursively, debounced), so the scheduler and every view follow edits without a restart. Gates
 * do not rely on it: they compare the files' fingerprint before every answer anyway.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../logging/logger.js';

/** Editors write a file in several steps (truncate, write, rename); one reload after they settle. */
export const WATCH_DEBOUNCE_MS = 250;

/** Starts watching `dir`; `onChange` runs once per burst of changes. Returns a stop function. */
export function watchCheckFiles(dir: string, onChange: () => Promise<unknown>, options: { logger?: Logger | undefined; debounceMs?: number } = {}): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const fire = () => {
    timer = undefined;
    // The load reports its own failures (log line, readiness, metric); nothing to add here.
    onChange().catch(() => {});
  };
  try {
    watcher = watch(dir, { recursive: true, persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(fire, options.debounceMs ?? WATCH_DEBOUNCE_MS);
      timer.unref();
    });
    watcher.on('error', (error) => options.logger?.warn({ err: error }, 'watching the check files failed; reloads happen on SIGHUP, POST /v1/reload and before every gate answer'));
  } catch (error) {
    options.logger?.warn({ err: error }, 'cannot watch the check files; reloads happen on SIGHUP, POST /v1/reload and before every gate answer');
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
