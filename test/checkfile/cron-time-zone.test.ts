import { afterEach, describe, expect, it } from 'vitest';
import { parseSchedule } from '../../src/checkfile/cron.js';

describe('schedule time zones', () => {
  const original = process.env.TZ;
  afterEach(() => {
    process.env.TZ = original;
  });

  it('reads a schedule without time_zone as UTC, whatever the process time zone', () => {
    process.env.TZ = 'America/New_York';
    const schedule = parseSchedule('0 9 * * *');
    if ('error' in schedule) throw new Error(schedule.error);
    expect(schedule.cron.nextRun(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T09:00:00.000Z');
  });

  it('honours an explicit time_zone', () => {
    const schedule = parseSchedule('0 9 * * *', 'Europe/Berlin');
    if ('error' in schedule) throw new Error(schedule.error);
    expect(schedule.cron.nextRun(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-01T08:00:00.000Z');
  });
});
