/**
 * `retention:` in a check file: how long parity keeps its own history in the state store. The
 * scheduler prunes older rows (one replica per pass); whatever a current gate answer rests on is
 * kept however old it is (src/store/retention.ts).
 */
import { z } from 'zod';
import { durationSchema } from './common.js';
import { formatDuration } from './duration.js';

const DAY_MS = 86_400_000;
/** Shorter than this is a typo ("1m" for a month), and pruning is not undone. */
const MIN_RETENTION_MS = 3_600_000;

const keep = (defaultMs: number) => durationSchema.default(defaultMs).refine((ms) => ms >= MIN_RETENTION_MS, {
  message: `must be at least ${formatDuration(MIN_RETENTION_MS)}; history older than this is deleted`,
});

export const retentionSchema = z.strictObject({
  /** Check results (and their runs, once a run has no results left). */
  results: keep(90 * DAY_MS),
  /** The sample rows of results (the bulk of the store): shorter than the results they belong to. */
  samples: keep(30 * DAY_MS),
  /** Gate decisions, by when the answer was last given. */
  gate_decisions: keep(180 * DAY_MS),
  /** Settled scheduler claims (ran, skipped, aborted), by slot. */
  schedule_claims: keep(14 * DAY_MS),
  /** How often the scheduler prunes. */
  every: durationSchema.default(3_600_000).refine((ms) => ms >= 60_000 && ms <= DAY_MS, { message: 'must be from 1m to 1d' }),
});

export type RetentionSettings = z.output<typeof retentionSchema>;

/** The defaults, for catalogs that declare no `retention:`. */
export const DEFAULT_RETENTION: RetentionSettings = retentionSchema.parse({});
