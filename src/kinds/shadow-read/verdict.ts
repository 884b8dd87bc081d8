/**
 * The verdict of a shadow read, from its tally alone (pure, so the statistics can be tested over
 * thousands of simulated samples): pass only when the exact upper bound of the mismatch rate at
 * the configured confidence is below max_mismatch_rate, counting keys whose noise did not settle
 * as mismatches. When only those keys stand between the check and a pass, it could not verify
 * (`noise_unresolved`) rather than fail: the read path, not the data, is in doubt.
 */
import { toPlainJson } from '../../compare/json-lossless.js';
import type { ReadResult } from './records.js';
import { clopperPearsonUpper, minimumSampleForPass } from '../../stats/clopper-pearson.js';
import type { JsonValue, Outcome, Sample, SampleCategory } from '../../results/outcome.js';
import { faultOutcome, scopeTooSmall } from '../../results/fault.js';
import { noiseRates, type NoiseReport } from './noise.js';

/** A key's finding; `missing` names the side that had no record, kept even where the rows are not. */
export interface KeyFinding { parts: string[]; fields: string[]; missing?: 'old' | 'new' | undefined; old?: ReadResult | undefined; new?: ReadResult | undefined }

/** Everything a shadow read observed. */
export interface ShadowTally {
  keysSampled: number;
  /** Keys read on at least one side (the sample size n of the statistics). */
  compared: number;
  /** Sampled keys found on neither side (deleted since sampling): not part of n. */
  vanished: number;
  /**
   * Keys that mismatched, then matched on the recheck, with the old path moving in between in a
   * field that mismatched: writes in flight, neither drift nor agreement, so not in `compared`.
   */
  inFlight: number;
  /** Keys that mismatched, then matched on the recheck with no write seen: still mismatches. */
  matchedWithoutWrite: number;
  /** Keys still mismatching. */
  mismatches: KeyFinding[];
  /** Keys that differed only where their own old reads disagreed, and still did on the reread. */
  unresolved: KeyFinding[];
  /** The A/A report (noise_baseline), or undefined when the old path was read once. */
  noise: NoiseReport | undefined;
  /** Keys whose two old reads differed, old read against old read. */
  noiseSamples: KeyFinding[];
  /** `fixed`: the seed came from the check file (sample.seed), so every run draws the same keys. */
  sampling: { method: string; seed: number; rounds: number; exhausted: boolean; fixed?: boolean };
  /**
   * Whether any record read held a field that is compared (not a proven key member, not in
   * compare.ignore); false when none did, so the sample only showed the keys exist on both paths.
   */
  fieldsCompared?: boolean;
}

export interface ShadowVerdictSpec {
  key: readonly string[];
  max_mismatch_rate: number;
  confidence: number;
  samples: number;
  /** The fewest keys compared before a pass is possible (default 1). */
  min_rows?: number;
}

/** A rate as a percentage with two significant digits. */
export function formatRate(rate: number): string {
  if (rate === 0) return '0%';
  return `${Number((rate * 100).toPrecision(2))}%`;
}

function rowOf(read: ReadResult | undefined): JsonValue {
  if (!read || read.kind === 'missing') return null;
  if (read.kind === 'duplicate') return { duplicate_rows: read.rows };
  return toPlainJson(read.row) as JsonValue;
}

function categoryOf(finding: KeyFinding): SampleCategory {
  if (finding.missing !== undefined) return finding.missing === 'old' ? 'missing_in_old' : 'missing_in_new';
  if (finding.old?.kind === 'missing' && finding.new?.kind !== 'missing') return 'missing_in_old';
  if (finding.new?.kind === 'missing' && finding.old?.kind !== 'missing') return 'missing_in_new';
  return 'mismatch';
}

function sampleOf(spec: ShadowVerdictSpec, finding: KeyFinding, category: SampleCategory): Sample {
  return {
    category,
    key: Object.fromEntries(spec.key.map((column, i) => [column, finding.parts[i] ?? null])),
    old: rowOf(finding.old),
    new: rowOf(finding.new),
    detail: { fields: finding.fields },
  };
}

/** Judges the tally: sample size, mismatches, observed rate and its exact upper bound. */
export function evaluateShadowRead(spec: ShadowVerdictSpec, tally: ShadowTally): Outcome {
  const n = tally.compared;
  const x = tally.mismatches.length;
  // A replayed sample is marked so that no gate counts it (src/gate/evaluate-gate.ts).
  const sampling = { sampling_method: tally.sampling.method, seed: tally.sampling.seed, keys_sampled: tally.keysSampled, population_exhausted: tally.sampling.exhausted, ...(tally.sampling.fixed ? { seed_fixed: true } : {}) };
  if (n === 0) {
    const message = 'no keys to compare: the sample scope is empty (or every sampled key vanished)';
    return faultOutcome({ code: 'empty_sample', message }, { ...sampling, sample_size: 0, vanished: tally.vanished });
  }
  if (tally.fieldsCompared === false) {
    const message = 'no record read on either path holds a field that is compared: every field is a key member or listed in compare.ignore, so a pass would say only that the sampled keys exist on both paths; select the compared columns, or ignore fewer fields';
    return faultOutcome({ code: 'nothing_compared', message }, { ...sampling, sample_size: n, vanished: tally.vanished });
  }
  const tooFew = scopeTooSmall(n, spec.min_rows ?? 1, 'keys compared (found on at least one path)');
  if (tooFew) return faultOutcome(tooFew, { ...sampling, sample_size: n, vanished: tally.vanished });
  const u = tally.unresolved.length;
  const upper = clopperPearsonUpper(x + u, n, spec.confidence);
  const pass = upper < spec.max_mismatch_rate;
  const byField: Record<string, number> = {};
  let missingInOld = 0;
  let missingInNew = 0;
  for (const finding of tally.mismatches) {
    for (const field of finding.fields) byField[field] = (byField[field] ?? 0) + 1;
    const category = categoryOf(finding);
    if (category === 'missing_in_old') missingInOld++;
    if (category === 'missing_in_new') missingInNew++;
  }
  const minimum = minimumSampleForPass(spec.max_mismatch_rate, spec.confidence);
  const parts = [
    `${n} keys compared: ${x} mismatching (${formatRate(x / n)})${u > 0 ? ` and ${u} with unresolved noise` : ''}`,
    `${Math.round(spec.confidence * 1000) / 10}% upper bound ${formatRate(upper)} ${pass ? '<' : '≥'} max ${formatRate(spec.max_mismatch_rate)}`,
  ];
  if (!pass && x + u === 0) parts.push(`even with no mismatch a pass needs at least ${minimum} keys`);
  if (x > 0) parts.push(`by field: ${Object.entries(byField).map(([f, c]) => `${f} ${c}`).join(', ')}`);
  const noise = tally.noise;
  if (noise && noise.noisyKeys > 0) {
    const rates = Object.entries(noiseRates(noise)).map(([f, r]) => `${f} ${formatRate(r)}`).join(', ');
    const r = noise.resolution;
    parts.push(`noise: ${noise.noisyKeys} of ${noise.keysRead} keys differed between two old reads (${rates}); reread: ${r.matched_on_reread} matched, ${r.mismatch} mismatched, ${r.unresolved} unresolved, ${r.vanished} vanished`);
  }
  if (u > 0) parts.push('noise never excuses a difference: list fields that are expected to vary in compare.ignore');
  if (tally.inFlight > 0) parts.push(`${tally.inFlight} in flight (the old path moved, then both agreed; not judged)`);
  if (tally.matchedWithoutWrite > 0) parts.push(`${tally.matchedWithoutWrite} of the mismatches matched on recheck without any write seen on the old path (or were then gone from both), so they stand: no read of the old path gave the new path's first answer (a flaky or lagging new path)`);
  const withRows = tally.mismatches.filter((f) => f.old !== undefined || f.new !== undefined);
  const outcome: Outcome = {
    status: pass ? 'pass' : 'fail',
    summary: parts.join('; '),
    observations: {
      ...sampling,
      sample_size: n,
      rows_scanned: n,
      mismatches: x,
      mismatch_ratio: x / n,
      mismatch_rate_upper_bound: upper,
      confidence: spec.confidence,
      max_mismatch_rate: spec.max_mismatch_rate,
      min_sample_for_pass: Number.isFinite(minimum) ? minimum : null,
      mismatches_by_field: byField,
      missing_in_old: missingInOld,
      missing_in_new: missingInNew,
      noisy_fields: noise?.byField ?? {},
      noisy_keys: noise?.noisyKeys ?? 0,
      noise_rate_by_field: noise ? noiseRates(noise) : {},
      noise_resolution: noise ? { ...noise.resolution } : null,
      unresolved_noise: u,
      in_flight: tally.inFlight,
      matched_on_recheck_without_write: tally.matchedWithoutWrite,
      vanished: tally.vanished,
      sampled: true,
    },
    samples: [
      ...withRows.slice(0, spec.samples).map((f) => sampleOf(spec, f, categoryOf(f))),
      ...tally.unresolved.filter((f) => f.old !== undefined || f.new !== undefined).slice(0, spec.samples).map((f) => sampleOf(spec, f, 'noise')),
      ...tally.noiseSamples.map((f) => sampleOf(spec, f, 'noise')),
    ],
  };
  // Keys left out of n (vanished, in flight) are the keys whose answer was not judged; when they
  // alone could carry the bound over the limit, the keys compared cannot stand for the sample.
  const leftOut = tally.vanished + tally.inFlight;
  if (pass && leftOut > 0) {
    const worst = clopperPearsonUpper(x + u + leftOut, n + leftOut, spec.confidence);
    if (worst >= spec.max_mismatch_rate) {
      const fault = { code: 'sample_left_out', message: `${leftOut} of ${n + leftOut} sampled keys were left out of the comparison (${tally.vanished} found on neither path, ${tally.inFlight} in flight); counted as mismatches the ${Math.round(spec.confidence * 1000) / 10}% upper bound would be ${formatRate(worst)} ≥ max ${formatRate(spec.max_mismatch_rate)}, so the ${n} keys compared cannot stand for the sample: scope sample.from to the keys the old path serves (sample.from.where), or run when fewer writes are in flight` };
      return { ...faultOutcome(fault, outcome.observations), samples: outcome.samples };
    }
  }
  // Unresolved noise alone stands between this check and a pass: the read path is in doubt.
  if (!pass && u > 0 && clopperPearsonUpper(x, n, spec.confidence) < spec.max_mismatch_rate) {
    const fault = { code: 'noise_unresolved', message: `${u} of ${n} keys differ only in fields their own old path does not reproduce on two reads (${Object.keys(noise?.byField ?? {}).sort().join(', ')}); list fields that are expected to vary in compare.ignore` };
    return { ...faultOutcome(fault, outcome.observations), samples: outcome.samples };
  }
  return outcome;
}
