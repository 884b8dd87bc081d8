import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextSlotAfter, parseSchedule, slotAt, type Schedule } from '../../src/checkfile/cron.js';
import { dueSlots, nextWakeUp } from '../../src/scheduler/plan-slots.js';
import type { LoadedCheck } from '../../src/catalog/catalog.js';

const parse = (expression: string, timeZone?: string): Schedule => {
  const parsed = parseSchedule(expression, timeZone, new Date('2025-01-01T00:00:00Z'));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};

const EXPRESSIONS = ['*/3 * * * * *', '*/15 * * * *', '0 3 * * *', '30 2 * * 1-5', '0 0 1 * *', '0 0 29 2 *', '@hourly', '5,35 */2 * * *'];
const TIME_ZONES = [undefined, 'UTC', 'Europe/Oslo', 'America/New_York', 'Asia/Kolkata'];
const instant = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });

describe('slotAt', () => {
  it('is the newest fire time at or before now: no fire time lies between it and now', () => {
    fc.assert(fc.property(fc.constantFrom(...EXPRESSIONS), fc.constantFrom(...TIME_ZONES), instant, (expression, timeZone, now) => {
      const schedule = parse(expression, timeZone);
      const slot = slotAt(schedule, now);
      expect(slot).toBeDefined();
      expect(slot!.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(schedule.cron.nextRun(slot!)!.getTime()).toBeGreaterThan(now.getTime());
      // Every replica asking at any instant up to the next fire time agrees on the slot.
      expect(slotAt(schedule, slot!)).toEqual(slot);
    }), { numRuns: 150 });
  });

  it('changes only when a fire time passes', () => {
    const schedule = parse('*/3 * * * * *');
    expect(slotAt(schedule, new Date('2025-01-01T00:00:05.999Z'))).toEqual(new Date('2025-01-01T00:00:03.000Z'));
    expect(slotAt(schedule, new Date('2025-01-01T00:00:06.000Z'))).toEqual(new Date('2025-01-01T00:00:06.000Z'));
    expect(nextSlotAfter(schedule, new Date('2025-01-01T00:00:06.000Z'))).toEqual(new Date('2025-01-01T00:00:09.000Z'));
  });

  it('honours the time zone, across a daylight-saving change', () => {
    const oslo = parse('0 3 * * *', 'Europe/Oslo');
    expect(slotAt(oslo, new Date('2024-03-30T12:00:00Z'))).toEqual(new Date('2024-03-30T02:00:00Z'));
    expect(slotAt(oslo, new Date('2024-03-31T12:00:00Z'))).toEqual(new Date('2024-03-31T01:00:00Z'));
  });

  it('finds a slot years back for a 29 February schedule', () => {
    expect(slotAt(parse('0 0 29 2 *'), new Date('2027-06-01T00:00:00Z'))).toEqual(new Date('2024-02-29T00:00:00Z'));
  });
});

describe('parseSchedule', () => {
  it('explains an invalid expression, an unknown time zone and a schedule that never fires', () => {
    expect(parseSchedule('61 * * * *')).toEqual({ error: expect.stringMatching(/^"61 \* \* \* \*" is not a valid cron expression: Invalid value for minute: 61; write e\.g\./) });
    expect(parseSchedule('0 * * * *', 'Mars/Olympus')).toEqual({ error: expect.stringMatching(/^time zone "Mars\/Olympus" is not known/) });
    expect(parseSchedule('0 0 31 2 *')).toEqual({ error: '"0 0 31 2 *" never fires (no matching date in the future)' });
  });

});

const check = (id: string, schedule?: string, timeZone?: string): LoadedCheck => ({
  spec: { id, kind: 'sql_assert', tags: [], source: 'app', query: 'select 1', expect: { rows: 0 }, sample: 10, ...(schedule ? { schedule } : {}), ...(timeZone ? { time_zone: timeZone } : {}) } as LoadedCheck['spec'],
  hash: `hash-${id}`,
  at: { file: 'checks/x.yaml', line: 1, column: 1 },
  schedule: schedule ? parseSchedule(schedule, timeZone) as Schedule : undefined,
});

describe('dueSlots', () => {
  it('after any downtime yields one catch-up slot per check, never a burst', () => {
    fc.assert(fc.property(instant, fc.integer({ min: 0, max: 400 * 86_400_000 }), (lastSeen, downtimeMs) => {
      const checks = [check('every-3s', '*/3 * * * * *'), check('hourly', '0 * * * *'), check('manual')];
      const now = new Date(lastSeen.getTime() + downtimeMs);
      const due = dueSlots(checks, now);
      expect(due.map((d) => d.check.spec.id)).toEqual(['every-3s', 'hourly']);
      for (const d of due) expect(d.slot).toEqual(slotAt(d.check.schedule!, now));
    }), { numRuns: 300 });
  });

  it('skips the slot this replica already handled until the next one comes', () => {
    const checks = [check('every-3s', '*/3 * * * * *')];
    const handled = new Map([['every-3s', new Date('2025-01-01T00:00:03Z').getTime()]]);
    expect(dueSlots(checks, new Date('2025-01-01T00:00:05Z'), handled)).toEqual([]);
    expect(dueSlots(checks, new Date('2025-01-01T00:00:06Z'), handled)).toEqual([{ check: checks[0], slot: new Date('2025-01-01T00:00:06Z') }]);
  });

  it('wakes at the earliest next slot, or after maxWait', () => {
    const checks = [check('hourly', '0 * * * *'), check('quarter', '*/15 * * * *')];
    expect(nextWakeUp(checks, new Date('2025-01-01T00:01:00Z'), 3_600_000)).toEqual(new Date('2025-01-01T00:15:00Z'));
    expect(nextWakeUp(checks, new Date('2025-01-01T00:01:00Z'), 5_000)).toEqual(new Date('2025-01-01T00:01:05Z'));
    expect(nextWakeUp([check('manual')], new Date('2025-01-01T00:01:00Z'), 5_000)).toEqual(new Date('2025-01-01T00:01:05Z'));
  });
});
