/**
 * Noise, judged per key (pure). With `noise_baseline`, the old path is read twice (A/A); a field
 * that differs between those two reads is noisy *for that key only*. Noise never excuses a
 * mismatch: a key whose differences all lie in its own noisy fields is read again, and only a
 * reread on which old and new agree exactly settles it. A key that keeps differing only where the
 * old path keeps moving stays "unresolved" and counts against the check like a mismatch — so no
 * input, however noisy, turns a real mismatch into a pass. A field noisy on one key (or on most)
 * says nothing about any other key.
 */
export type KeyLook = 'match' | 'mismatch' | 'noisy';

/** A key's comparison given its differing fields and the fields its own A/A reads disagreed on. */
export function classifyKey(differing: readonly string[], noisy: readonly string[]): KeyLook {
  if (differing.length === 0) return 'match';
  return differing.every((field) => noisy.includes(field)) ? 'noisy' : 'mismatch';
}

/** How the rereads of noisy keys ended. */
export interface NoiseResolution { matched_on_reread: number; mismatch: number; unresolved: number; vanished: number }

/** What the A/A reads showed, for the report. */
export interface NoiseReport {
  /** Keys read twice on the old path (the denominator of every rate). */
  keysRead: number;
  /** Keys whose two old reads differed on at least one field. */
  noisyKeys: number;
  /** Per field, the number of keys whose two old reads differed on it. */
  byField: Record<string, number>;
  resolution: NoiseResolution;
}

/** An empty report. */
export function emptyNoise(): NoiseReport {
  return { keysRead: 0, noisyKeys: 0, byField: {}, resolution: { matched_on_reread: 0, mismatch: 0, unresolved: 0, vanished: 0 } };
}

/** Adds one key's A/A differences to the report. */
export function recordNoise(report: NoiseReport, noisy: readonly string[]): void {
  report.keysRead++;
  if (noisy.length === 0) return;
  report.noisyKeys++;
  for (const field of noisy) report.byField[field] = (report.byField[field] ?? 0) + 1;
}

/** Per field, the share of keys read twice whose two old reads differed on it. */
export function noiseRates(report: NoiseReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.byField).sort(([a], [b]) => a.localeCompare(b)).map(([field, keys]) => [field, keys / Math.max(report.keysRead, 1)]));
}
