/**
 * Which scheduled checks are due, as a pure function of the catalog and `now`. Only the newest
 * slot at or before `now` is ever due, so slots missed while every replica was down collapse into
 * one catch-up run instead of a burst.
 */
import type { LoadedCheck } from '../catalog/load.js';
import { nextSlotAfter, slotAt, type Schedule } from '../checkfile/cron.js';

export type ScheduleLookup = (expression: string, timeZone?: string) => Schedule | undefined;

/** A (check, slot) pair some replica should claim. */
export interface DueSlot { check: LoadedCheck; slot: Date }

/** The slot due now for each scheduled check, skipping ones this replica already handled. */
export function dueSlots(
  checks: Iterable<LoadedCheck>,
  now: Date,
  scheduleOf: ScheduleLookup,
  handled: ReadonlyMap<string, number> = new Map(),
): DueSlot[] {
  const due: DueSlot[] = [];
  for (const check of checks) {
    if (check.spec.schedule === undefined) continue;
    const schedule = scheduleOf(check.spec.schedule, check.spec.time_zone);
    if (!schedule) continue;
    const slot = slotAt(schedule, now);
    if (!slot || handled.get(check.spec.id) === slot.getTime()) continue;
    due.push({ check, slot });
  }
  return due;
}

/** When the scheduler should next look: the earliest upcoming slot, but never later than `now + maxWaitMs`. */
export function nextWakeUp(checks: Iterable<LoadedCheck>, now: Date, scheduleOf: ScheduleLookup, maxWaitMs: number): Date {
  let wake = now.getTime() + maxWaitMs;
  for (const check of checks) {
    if (check.spec.schedule === undefined) continue;
    const schedule = scheduleOf(check.spec.schedule, check.spec.time_zone);
    const next = schedule && nextSlotAfter(schedule, now);
    if (next) wake = Math.min(wake, next.getTime());
  }
  return new Date(wake);
}
