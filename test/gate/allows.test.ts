/**
 * One reading of "this gate answer allows" for every consumer (gate/allows.ts). The gauge and the
 * HTTP status form had their own: an answer saying `allowed: true` beside a check that did not
 * pass (status `fail`, no reason written) read as allowed on the parity_gate_allowed gauge, and the
 * status form answered 200 for any `allowed: true`. A self-contradicting answer now denies everywhere.
 */
import { describe, expect, it } from 'vitest';
import { decisionAllows, verdictAllows } from '../../src/gate/allows.js';
import { gateStateOf } from '../../src/telemetry/gate-states.js';
import { exitCodeForGate, type GateAnswer } from '../../src/cli/gate-answer.js';
import type { GateCheck } from '../../src/gate/evaluate-gate.js';

const check = (over: Partial<GateCheck> = {}): GateCheck => ({
  id: 'c', status: 'pass', result_id: 'r', finished_at: '2026-12-06T00:00:00.000Z', age_s: 1, max_age_s: 3600, required_by: ['p'], reason: null, denial: null, ...over,
});
const answer = (over: Partial<GateAnswer> = {}): GateAnswer => ({
  migration: 'm', phase: 'p', allowed: true, evaluated_at: '2026-12-06T00:00:00.000Z', checks: [check()], reasons: [],
  id: 'd1', requested_by: null, refreshed: false, run_id: null, evaluated: true, ...over,
});

/** Answers that say allowed but contradict themselves. */
const CONTRADICTING: Record<string, GateAnswer> = {
  'a check that failed, with no reason written': answer({ checks: [check({ status: 'fail' })] }),
  'a check with a denial code and no reason': answer({ checks: [check({ denial: 'too_old' })] }),
  'a check with a reason': answer({ checks: [check({ reason: 'older than max_age' })] }),
  'a reason of the answer\'s own': answer({ reasons: ['check files do not load'] }),
  'no checks at all': answer({ checks: [] }),
  'reasons that are not a list': answer({ reasons: undefined as unknown as string[] }),
};

describe('gate answers that say allowed but contradict themselves', () => {
  it('allows a consistent, recorded answer everywhere', () => {
    expect([verdictAllows(answer()), decisionAllows(answer()), gateStateOf(answer()).allowed, exitCodeForGate(answer())]).toEqual([true, true, true, 0]);
  });

  for (const [name, contradicting] of Object.entries(CONTRADICTING)) {
    it(`denies on every consumer: ${name}`, () => {
      expect(verdictAllows(contradicting)).toBe(false);
      expect(decisionAllows(contradicting)).toBe(false);
      expect(gateStateOf(contradicting).allowed).toBe(false);
      expect(exitCodeForGate(contradicting)).toBe(1);
    });
  }

  it('a decision allows only when evaluated and recorded', () => {
    expect(decisionAllows(answer({ id: null }))).toBe(false);
    expect(decisionAllows(answer({ id: '' }))).toBe(false);
    expect(decisionAllows(answer({ evaluated: false }))).toBe(false);
  });
});
