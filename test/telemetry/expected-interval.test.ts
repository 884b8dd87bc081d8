import { describe, expect, it } from 'vitest';
import { expectedIntervals, schedulePeriodSeconds } from '../../src/telemetry/expected-interval.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';

const now = new Date('2026-03-04T10:00:00Z'); // a Wednesday

const check = (id: string, schedule?: string, time_zone?: string) => ({ id, kind: 'row_count', tags: [], schedule, time_zone });

describe('expected verification interval', () => {
  it('is the period of a regular schedule', () => {
    expect(schedulePeriodSeconds('*/5 * * * *', undefined, now)).toBe(300);
    expect(schedulePeriodSeconds('0 * * * *', 'Europe/Berlin', now)).toBe(3600);
  });

  it('is the longest gap of an irregular schedule (a weekday cron waits over the weekend)', () => {
    expect(schedulePeriodSeconds('0 9 * * 1-5', 'UTC', now)).toBe(3 * 86_400);
  });

  it('is unknown for a pattern that does not parse, rather than throwing', () => {
    expect(schedulePeriodSeconds('every tuesday', undefined, now)).toBeUndefined();
  });

  it('falls back to the strictest max_age of the gates requiring an unscheduled check', () => {
    const migration = migrationSchema.parse({
      id: 'm',
      phases: [
        { name: 'backfill', requires: ['a', 'b'], max_age: '1h' },
        { name: 'switch-reads', requires: ['b'], max_age: '15m' },
      ],
    });
    const intervals = expectedIntervals([check('a'), check('b'), check('c'), check('d', '*/10 * * * *')], [migration], now);
    expect(Object.fromEntries(intervals)).toEqual({ a: 3600, b: 900, d: 600 });
  });
});
