/**
 * The verdict of a shadow read, from its tally alone (pure, so the statistics can be tested over
 * thousands of simulated samples): pass only when the exact upper bound of the mismatch rate at
 * the configured confidence is below max_mismatch_rate.
 */
import { toPlainJson } from '../../compare/json-lossless.js';
import type { ReadResult } from './records.js';
import { clopperPearsonUpper, minimumSampleForPass } from '../../stats/clopper-pearson.js';
import type { JsonValue, Outcome, Sample, SampleCategory } from '../../results/outcome.js';
import { faultOutcome } from '../../results/fault.js';

export interface KeyFinding { parts: string[]; fields: string[]; old?: ReadResult | undefined; new?: ReadResult | undefined }

/** Everything a shadow read observed. */
export interface ShadowTally {
  keysSampled: number;
  /** Keys read on at least one side (the sample size n of the statistics). */
  compared: number;
  /** Sampled keys found on neither side (deleted since sampling): not part of n. */
  vanished: number;
  /** Keys that mismatched, then matched on the recheck: writes in flight, not drift. */
  inFlight: number;
  /** Keys still mismatching (on fields that are not noise). */
  mismatches: KeyFinding[];
  /** Fields that differed between two reads of the old path, with the number of keys. */
  noisyFields: Record<string, number>;
  noiseSamples: KeyFinding[];
  sampling: { method: string; seed: number; rounds: number; exhausted: boolean };
}

export interface ShadowVerdictSpec {
  key: readonly string[];
  max_mismatch_rate: number;
  confidence: number;
  samples: number;
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
  const sampling = { sampling_method: tally.sampling.method, seed: tally.sampling.seed, keys_sampled: tally.keysSampled, population_exhausted: tally.sampling.exhausted };
  if (n === 0) {
    const message = 'no keys to compare: the sample scope is empty (or every sampled key vanished)';
    return faultOutcome({ code: 'empty_sample', message }, { ...sampling, sample_size: 0, vanished: tally.vanished });
  }
  const upper = clopperPearsonUpper(x, n, spec.confidence);
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
  const noisy = Object.keys(tally.noisyFields).sort();
  const parts = [
    `${n} keys compared: ${x} mismatching (${formatRate(x / n)})`,
    `${Math.round(spec.confidence * 1000) / 10}% upper bound ${formatRate(upper)} ${pass ? '<' : '≥'} max ${formatRate(spec.max_mismatch_rate)}`,
  ];
  if (!pass && x === 0) parts.push(`even with no mismatch a pass needs at least ${minimum} keys`);
  if (x > 0) parts.push(`by field: ${Object.entries(byField).map(([f, c]) => `${f} ${c}`).join(', ')}`);
  if (noisy.length > 0) parts.push(`noisy (excluded): ${noisy.join(', ')}`);
  if (tally.inFlight > 0) parts.push(`${tally.inFlight} in-flight (matched on recheck)`);
  const withRows = tally.mismatches.filter((f) => f.old !== undefined || f.new !== undefined);
  return {
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
      noisy_fields: tally.noisyFields,
      in_flight: tally.inFlight,
      vanished: tally.vanished,
      sampled: true,
    },
    samples: [
      ...withRows.slice(0, spec.samples).map((f) => sampleOf(spec, f, categoryOf(f))),
      ...tally.noiseSamples.map((f) => sampleOf(spec, f, 'noise')),
    ],
  };
}
