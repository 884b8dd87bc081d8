import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyKey, emptyNoise, noiseRates, recordNoise } from '../../../src/kinds/shadow-read/noise.js';
import { evaluateShadowRead, type ShadowTally } from '../../../src/kinds/shadow-read/verdict.js';

const field = fc.constantFrom('a', 'b', 'c', '(row)');
const spec = { key: ['id'], max_mismatch_rate: 0.05, confidence: 0.95, samples: 0 };

function tally(n: number, mismatches: number, unresolved: number): ShadowTally {
  const finding = (i: number) => ({ parts: [String(i)], fields: ['a'] });
  return {
    keysSampled: n, compared: n, vanished: 0, inFlight: 0, matchedWithoutWrite: 0, noiseSamples: [],
    mismatches: Array.from({ length: mismatches }, (_, i) => finding(i)),
    unresolved: Array.from({ length: unresolved }, (_, i) => finding(mismatches + i)),
    noise: { ...emptyNoise(), keysRead: n, noisyKeys: unresolved, byField: unresolved > 0 ? { a: unresolved } : {} },
    sampling: { method: 'simulated', seed: 0, rounds: 0, exhausted: false },
  };
}

describe('noise, judged per key', () => {
  it('calls a key noisy only when every differing field moved between its own two old reads', () => {
    fc.assert(fc.property(fc.uniqueArray(field), fc.uniqueArray(field), (differing, noisy) => {
      const look = classifyKey(differing, noisy);
      if (differing.length === 0) expect(look).toBe('match');
      else expect(look).toBe(differing.every((f) => noisy.includes(f)) ? 'noisy' : 'mismatch');
    }));
  });

  it('one key updated between the A/A reads makes that key noisy, not the field for everyone', () => {
    const report = emptyNoise();
    recordNoise(report, ['name']);
    for (let i = 0; i < 99; i++) recordNoise(report, []);
    expect(noiseRates(report)).toEqual({ name: 0.01 });
    expect(classifyKey(['name'], [])).toBe('mismatch');
  });

  it('never passes where the same keys counted as mismatches would not pass', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), (n, m, u) => {
      const x = Math.min(m, n);
      const y = Math.min(u, n - x);
      const noisy = evaluateShadowRead(spec, tally(n, x, y));
      const counted = evaluateShadowRead(spec, tally(n, x + y, 0));
      if (noisy.status === 'pass') expect(counted.status).toBe('pass');
      if (y > 0 && noisy.status !== 'pass') expect(noisy.status === 'error' ? noisy.error?.code : 'fail').toMatch(/noise_unresolved|fail/);
    }), { numRuns: 500 });
  });

  it('could-not-verify when only unresolved noise stands between the check and a pass', () => {
    const result = evaluateShadowRead(spec, tally(1000, 0, 200));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('noise_unresolved');
    expect(result.observations).toMatchObject({ unresolved_noise: 200, noisy_keys: 200 });
    expect(evaluateShadowRead(spec, tally(1000, 200, 5)).status).toBe('fail');
  });

  it('honours min_rows for keys compared', () => {
    const result = evaluateShadowRead({ ...spec, min_rows: 2000 }, tally(1000, 0, 0));
    expect(result.error?.code).toBe('scope_too_small');
  });

  it('never passes where the keys left out (vanished, in flight), counted as mismatches, would not', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.nat(20), fc.nat(400), fc.nat(400), (n, m, gone, flight) => {
      const x = Math.min(m, n);
      const left = { ...tally(n, x, 0), vanished: gone, inFlight: flight, keysSampled: n + gone + flight };
      const result = evaluateShadowRead(spec, left);
      const counted = evaluateShadowRead(spec, tally(n + gone + flight, x + gone + flight, 0));
      if (result.status === 'pass') expect(counted.status).toBe('pass');
      if (evaluateShadowRead(spec, tally(n, x, 0)).status === 'pass' && counted.status !== 'pass') expect(result.error?.code).toBe('sample_left_out');
    }), { numRuns: 500 });
  });
});
