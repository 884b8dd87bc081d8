import { describe, expect, it } from 'vitest';
import { expectedIntervals, schedulePeriodSeconds } from '../../src/telemetry/expected-interval.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import { parseSchedule, type Schedule } from '../../src/checkfile/cron.js';
import type { LoadedCheck } from '../../src/catalog/catalog.js';

const now = new Date('2026-03-04T10:00:00Z'); // a Wednesday

const cron = (pattern: string, zone?: string) => parseSchedule(pattern, zone, now) as Schedule;
const check = (id: string, schedule?: string, time_zone?: string): LoadedCheck => ({
  spec: { id, kind: 'row_count', tags: [], schedule, time_zone } as unknown as LoadedCheck['spec'],
  hash: id, at: { file: 'x.yaml', line: 1, column: 1 }, schedule: schedule ? cron(schedule, time_zone) : undefined,
});

describe('expected verification interval', () => {
  it('is the period of a regular schedule', () => {
    expect(schedulePeriodSeconds(cron('*/5 * * * *'), now)).toBe(300);
    expect(schedulePeriodSeconds(cron('0 * * * *', 'Europe/Berlin'), now)).toBe(3600);
  });

  it('is the longest gap of an irregular schedule (a weekday cron waits over the weekend)', () => {
    expect(schedulePeriodSeconds(cron('0 9 * * 1-5', 'UTC'), now)).toBe(3 * 86_400);
  });

  it('judges an unscheduled check by the max_age a gate applies to it, inherited phases included', () => {
    // switch-reads requires earlier phases: its gate judges "a" by 15m, so "a" is expected every 15m.
    const migration = migrationSchema.parse({
      id: 'm',
      phases: [
        { name: 'backfill', requires: ['a'], max_age: '1h' },
        { name: 'switch-reads', requires: ['b'], max_age: '15m' },
      ],
    });
    expect(Object.fromEntries(expectedIntervals([check('a'), check('b')], [migration], now))).toEqual({ a: 900, b: 900 });
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
    // switch-reads inherits backfill's checks, so its 15m applies to "a" as well (the gate judges it so).
    expect(Object.fromEntries(intervals)).toEqual({ a: 900, b: 900, d: 600 });
  });
});
