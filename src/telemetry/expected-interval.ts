/**
 * How often each check ought to be verified, so "not verified within its expected interval" can
 * alert without a per-check threshold in the rules. Pure: the catalog and `now` come in. It uses
 * the schedule the loader parsed (UTC unless a zone is given — the scheduler's own) and the
 * max_age a gate actually applies, inherited phases included, so the gauge agrees with the gate.
 */
import type { LoadedCheck } from '../catalog/catalog.js';
import { nextSlotAfter, type Schedule } from '../checkfile/cron.js';
import type { MigrationSpec } from '../checkfile/migrations.js';
import { phaseRequirements } from '../gate/requirements.js';

/** Runs looked ahead to find a schedule's longest gap (weekday-only crons have a long weekend). */
const LOOKAHEAD_RUNS = 16;

/** The longest gap between the schedule's next runs, in seconds; undefined if it stops firing. */
export function schedulePeriodSeconds(schedule: Schedule, now: Date): number | undefined {
  let previous = nextSlotAfter(schedule, now);
  let longest = 0;
  for (let i = 1; i < LOOKAHEAD_RUNS && previous; i++) {
    const next = schedule.cron.nextRun(previous);
    if (!next) return i === 1 ? undefined : longest / 1000;
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return previous ? longest / 1000 : undefined;
}

/** Expected interval per check id: the schedule's period, else the strictest max_age any gate applies to it. */
export function expectedIntervals(checks: Iterable<LoadedCheck>, migrations: Iterable<MigrationSpec>, now: Date): Map<string, number> {
  const strictestMaxAge = new Map<string, number>();
  for (const migration of migrations) {
    for (const phase of migration.phases) {
      // What the gate of this phase requires, earlier phases' checks and their stricter max_age included.
      for (const requirement of phaseRequirements(migration, phase.name) ?? []) {
        strictestMaxAge.set(requirement.checkId, Math.min(strictestMaxAge.get(requirement.checkId) ?? Infinity, requirement.maxAgeMs / 1000));
      }
    }
  }
  const out = new Map<string, number>();
  for (const check of checks) {
    const period = check.schedule ? schedulePeriodSeconds(check.schedule, now) : undefined;
    const interval = period ?? strictestMaxAge.get(check.spec.id);
    if (interval !== undefined && Number.isFinite(interval)) out.set(check.spec.id, interval);
  }
  return out;
}
