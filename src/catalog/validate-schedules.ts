/**
 * Catalog-level validation of `schedule:` and `time_zone:` with croner. Problems point at the
 * value's file:line:column, like every other check-file problem.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Catalog, LoadedCheck } from './load.js';
import { CheckFileError, formatPath, type SpecProblem } from '../checkfile/problems.js';
import { positionOf } from '../checkfile/yaml-positions.js';
import { parseSchedule } from '../checkfile/cron.js';

/** Problems with the catalog's schedules; `texts` maps each check file to its text (for positions). Pure. */
export function scheduleProblems(catalog: Catalog, texts: ReadonlyMap<string, string>, now = new Date()): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const check of catalog.checks.values()) {
    const { schedule, time_zone: timeZone } = check.spec;
    if (schedule === undefined) {
      if (timeZone !== undefined) problems.push(locate(check, texts, 'time_zone', 'time_zone only applies to a schedule; add schedule: or remove time_zone:'));
      continue;
    }
    const parsed = parseSchedule(schedule, timeZone, now);
    if ('error' in parsed) {
      const key = parsed.error.startsWith('time zone') ? 'time_zone' : 'schedule';
      problems.push(locate(check, texts, key, parsed.error));
    }
  }
  return problems;
}

/** Reads the check files and validates every schedule. */
export async function validateSchedules(catalog: Catalog, now = new Date()): Promise<SpecProblem[]> {
  const texts = new Map<string, string>();
  for (const check of catalog.checks.values()) {
    if (check.spec.schedule === undefined && check.spec.time_zone === undefined) continue;
    if (texts.has(check.at.file)) continue;
    // A file that cannot be re-read only loses precise positions; the check's own position remains.
    texts.set(check.at.file, await readFile(check.at.file, 'utf8').catch(() => ''));
  }
  return scheduleProblems(catalog, texts, now);
}

/** Throws CheckFileError (every problem, file:line:column) when a schedule is invalid. */
export async function assertSchedulesValid(catalog: Catalog, now = new Date()): Promise<void> {
  const problems = await validateSchedules(catalog, now);
  if (problems.length > 0) throw new CheckFileError(problems);
}

function locate(check: LoadedCheck, texts: ReadonlyMap<string, string>, key: 'schedule' | 'time_zone', message: string): SpecProblem {
  const fallback: SpecProblem = { file: check.at.file, line: check.at.line, column: check.at.column, path: key, message: `check "${check.spec.id}": ${message}` };
  const text = texts.get(check.at.file);
  if (!text) return fallback;
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const checks = doc.get('checks', true);
  if (!isSeq(checks)) return fallback;
  const index = checks.items.findIndex((item) => isMap(item) && isScalar(item.get('id', true)) && item.get('id') === check.spec.id);
  if (index === -1) return fallback;
  const path = ['checks', index, key];
  return { file: check.at.file, ...positionOf(doc, counter, path), path: formatPath(path), message };
}
