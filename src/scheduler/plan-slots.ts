/**
 * Which scheduled checks are due, as a pure function of the catalog and `now`. Only the newest
 * slot at or before `now` is ever due, so slots missed while every replica was down collapse into
 * one catch-up run instead of a burst.
 */
import type { LoadedCheck } from '../catalog/catalog.js';
import { nextSlotAfter, slotAt } from '../checkfile/cron.js';

/** A (check, slot) pair some replica should claim. */
export interface DueSlot { check: LoadedCheck; slot: Date }

/** The slot due now for each scheduled check, skipping ones this replica already handled. */
export function dueSlots(
  checks: Iterable<LoadedCheck>,
  now: Date,
  handled: ReadonlyMap<string, number> = new Map(),
): DueSlot[] {
  const due: DueSlot[] = [];
  for (const check of checks) {
    const { schedule } = check;
    if (!schedule) continue;
    const slot = slotAt(schedule, now);
    if (!slot || handled.get(check.spec.id) === slot.getTime()) continue;
    due.push({ check, slot });
  }
  return due;
}

/** When the scheduler should next look: the earliest upcoming slot, but never later than `now + maxWaitMs`. */
export function nextWakeUp(checks: Iterable<LoadedCheck>, now: Date, maxWaitMs: number): Date {
  let wake = now.getTime() + maxWaitMs;
  for (const check of checks) {
    const next = check.schedule && nextSlotAfter(check.schedule, now);
    if (next) wake = Math.min(wake, next.getTime());
  }
  return new Date(wake);
}
