import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkEnd, initialDensity, narrowedWidth, observeDensity, widthFor } from '../../src/runner/integer-ranges.js';

describe('integer key ranges', () => {
  it('starts from the table extent and the planner count, never denser than one row per key', () => {
    expect(initialDensity(1n, 10_000_000n, 10_000_000).rowsPerKey).toBe(1);
    expect(initialDensity(1n, 100n, 1_000).rowsPerKey).toBe(1);
    expect(initialDensity(1n, 1_000_000n, 1_000).rowsPerKey).toBeCloseTo(0.001);
    expect(initialDensity(5n, 5n, -1).rowsPerKey).toBe(1);
  });

  it('covers at least as many key values as rows wanted', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 1e-18, max: 1, noNaN: true }), (rows, rowsPerKey) => {
      expect(widthFor(rows, { rowsPerKey })).toBeGreaterThanOrEqual(BigInt(rows));
    }));
    expect(widthFor(50_000, { rowsPerKey: 0.01 })).toBe(5_000_000n);
  });

  it('learns density from the last chunk; an empty chunk widens the next one fourfold', () => {
    expect(observeDensity({ rowsPerKey: 1 }, 1_000n, 10).rowsPerKey).toBe(0.01);
    const empty = observeDensity({ rowsPerKey: 0.01 }, 1_000n, 0);
    expect(widthFor(100, empty)).toBe(4n * widthFor(100, { rowsPerKey: 0.01 }));
  });

  it('narrows a range the planner expects to hold more than twice the rows, never below the rows wanted', () => {
    expect(narrowedWidth(1_000_000n, 50_000, 80_000)).toBeUndefined();
    expect(narrowedWidth(1_000_000n, 50_000, 500_000)).toBe(100_000n);
    expect(narrowedWidth(60_000n, 50_000, 10_000_000)).toBe(50_000n);
    expect(narrowedWidth(1_000_000n, 50_000, Number.NaN)).toBeUndefined();
  });

  it('ends the scan with an open range once the end would reach the last key', () => {
    expect(chunkEnd(0n, 10n, 100n)).toBe(10n);
    expect(chunkEnd(95n, 10n, 100n)).toBeUndefined();
    expect(chunkEnd(90n, 10n, 100n)).toBeUndefined();
    // Near the top of bigint: the arithmetic is exact and the bound never exceeds the last key.
    expect(chunkEnd(9223372036854775000n, 10_000n, 9223372036854775807n)).toBeUndefined();
  });
});
