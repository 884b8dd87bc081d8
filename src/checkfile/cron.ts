/**
 * Cron schedules (croner): parsing with a readable error, and the slot arithmetic every replica
 * does identically — the slot due at `now` is the newest fire time not after `now`. Pure.
 */
import { Cron } from 'croner';

/** A parsed `schedule:` (and optional `time_zone:`). */
export interface Schedule {
  expression: string;
  timeZone?: string | undefined;
  cron: Cron;
}

/** Looking further back than this for a fire time means the schedule is effectively dead. */
const MAX_LOOKBACK_MS = 2 ** 27 * 1000; // ≈ 4.25 years, enough for a 29 February schedule
const MIN_LOOKBACK_MS = 2_000;

/** Parses a cron expression; an error message a person can act on when it is invalid or never fires. */
export function parseSchedule(expression: string, timeZone?: string, now = new Date()): Schedule | { error: string } {
  let cron: Cron;
  try {
    // UTC unless told otherwise: replicas in different local zones must compute the same slots.
    cron = new Cron(expression, { paused: true, timezone: timeZone ?? 'UTC' });
  } catch (error) {
    return { error: `"${expression}" is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}; write e.g. "*/15 * * * *" (minute hour day month weekday, optionally seconds first)` };
  }
  try {
    if (cron.nextRun(now) === null) return { error: `"${expression}" never fires (no matching date in the future)` };
  } catch (error) {
    // croner checks the time zone lazily, on the first date computation.
    return { error: `time zone "${timeZone}" is not known: ${(error as Error).message}; use an IANA name such as Europe/Oslo or UTC` };
  }
  return { expression, timeZone, cron };
}

/** Last answer per schedule: the slot holds until the next fire time, so most ticks skip the search. */
const memo = new WeakMap<Schedule, { slot: number; next: number }>();

/** The newest fire time at or before `now` — the slot every replica agrees is due — or undefined. */
export function slotAt(schedule: Schedule, now: Date): Date | undefined {
  const t = now.getTime();
  const known = memo.get(schedule);
  if (known && known.slot <= t && t < known.next) return new Date(known.slot);
  const found = searchSlot(schedule, t);
  if (found) memo.set(schedule, { slot: found.getTime(), next: schedule.cron.nextRun(found)?.getTime() ?? Infinity });
  return found;
}

function searchSlot(schedule: Schedule, t: number): Date | undefined {
  for (let lookback = MIN_LOOKBACK_MS; lookback <= MAX_LOOKBACK_MS; lookback *= 2) {
    // nextRun is strictly after its argument, so start just before the window.
    let fire = schedule.cron.nextRun(new Date(t - lookback - 1));
    if (!fire || fire.getTime() > t) continue;
    for (;;) {
      const next = schedule.cron.nextRun(fire);
      if (!next || next.getTime() > t) return fire;
      fire = next;
    }
  }
  return undefined;
}

/** The first fire time strictly after `now`, or undefined when the schedule never fires again. */
export function nextSlotAfter(schedule: Schedule, now: Date): Date | undefined {
  const known = memo.get(schedule);
  const t = now.getTime();
  if (known && known.slot <= t && t < known.next) return Number.isFinite(known.next) ? new Date(known.next) : undefined;
  return schedule.cron.nextRun(now) ?? undefined;
}
