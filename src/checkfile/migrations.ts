/** Migrations declared in check files: ordered phases, each gated on checks. */
import { z } from 'zod';
import { durationSchema, idSchema } from './common.js';
import { MAX_EVIDENCE_AGE_MS } from './duration.js';

export const phaseSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'phase names are lower-case words joined by "-" or "_", e.g. switch-reads'),
  description: z.string().max(2000).optional(),
  requires: z.array(idSchema).default([]),
  /** A result older than this no longer counts towards the gate. */
  max_age: durationSchema.default(3_600_000).refine((ms) => ms <= MAX_EVIDENCE_AGE_MS, { message: 'must be at most 366d: an older pass says nothing about the data now (a bare number is milliseconds)' }),
  /** By default a phase also requires every earlier phase's checks to still pass. */
  require_earlier_phases: z.boolean().default(true),
  /**
   * `continuous`: an incremental pass of a required check counts when its chain since the last full
   * pass is unbroken and every link passed. Without it, only full passes count (docs/gates.md).
   */
  coverage: z.literal('continuous').optional(),
});

export const migrationSchema = z.strictObject({
  id: idSchema,
  description: z.string().max(2000).optional(),
  phases: z.array(phaseSchema).min(1, 'a migration needs at least one phase'),
});
export type MigrationSpec = z.output<typeof migrationSchema>;
export type PhaseSpec = z.output<typeof phaseSchema>;
