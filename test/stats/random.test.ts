import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, sampleWithoutReplacement } from '../../src/stats/random.js';

describe('createRandom', () => {
  it('replays the same sequence for the same seed', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    expect(Array.from({ length: 10 }, () => a.uint32())).toEqual(Array.from({ length: 10 }, () => b.uint32()));
  });

  it('draws big integers inside the inclusive range', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.integer(), (lo, width, seed) => {
      const random = createRandom(seed);
      for (let i = 0; i < 20; i++) {
        const x = random.bigIntBetween(lo, lo + width);
        expect(x >= lo && x <= lo + width).toBe(true);
      }
    }));
  });

  it('is uniform over a small range (chi-square, 9 degrees of freedom)', () => {
    const random = createRandom(7);
    const counts = new Array(10).fill(0) as number[];
    const draws = 100_000;
    for (let i = 0; i < draws; i++) counts[Number(random.bigIntBetween(0n, 9n))]!++;
    const expected = draws / 10;
    const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(27.88); // p = 0.001
  });

  it('samples without replacement: distinct items from the input, of the asked size', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer()), fc.nat(50), fc.integer(), (items, size, seed) => {
      const picked = sampleWithoutReplacement(items, size, createRandom(seed));
      expect(picked.length).toBe(Math.min(size, items.length));
      expect(new Set(picked).size).toBe(picked.length);
      for (const p of picked) expect(items).toContain(p);
    }));
  });
});
