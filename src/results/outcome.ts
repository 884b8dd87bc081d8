/**
 * What a check produces, whatever its kind: a finding (pass/fail) or "could not verify" (error),
 * with numbers, samples and the fault. Stored, served and judged by the layers above. Shapes that
 * reach the API are zod schemas here, and their TypeScript types are inferred from them: the store
 * row, the handlers and /openapi.json all read one definition.
 */
import { z } from 'zod';

/** A verification result: a finding (pass/fail) or "could not verify" (error) — never confused. */
export type CheckStatus = 'pass' | 'fail' | 'error';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Kind-specific numbers and facts. The well-known fields feed metrics and the status page. */
export interface Observations {
  rows_scanned?: number;
  mismatches?: number;
  mismatch_ratio?: number;
  estimated?: boolean;
  [name: string]: JsonValue | undefined;
}

export const SAMPLE_CATEGORIES = ['mismatch', 'missing_in_new', 'missing_in_old', 'null', 'row', 'noise'] as const;
export type SampleCategory = (typeof SAMPLE_CATEGORIES)[number];

/** One offending row, with both sides when there are two. */
export interface Sample {
  category: SampleCategory;
  key: Record<string, JsonValue>;
  old?: JsonValue;
  new?: JsonValue;
  detail?: Record<string, JsonValue>;
}

/** What a kind reports for one check. */
export interface Outcome {
  status: CheckStatus;
  /** One sentence a person can act on. */
  summary: string;
  observations: Observations;
  samples: Sample[];
  error?: FaultInfo;
}

/** Why a check could not verify. */
export const faultInfoSchema = z.object({
  code: z.string().describe('stable machine code: timeout, lock_timeout, missing_relation, connection, …'),
  message: z.string(),
  sqlstate: z.string().optional().describe('the SQLSTATE when the database said why'),
});
export type FaultInfo = z.infer<typeof faultInfoSchema>;

/** A statement a check ran, kept with the result so a person can re-run it by hand. */
export const statementRecordSchema = z.object({
  source: z.string(),
  sql: z.string(),
  params: z.array(z.unknown()).optional(),
  duration_ms: z.number(),
  rows: z.number().optional(),
  fused_checks: z.array(z.string()).optional().describe('checks answered by this one statement (fused scans)'),
  chunks: z.number().optional().describe('chunked scans record their first chunk\'s SQL and how many chunks ran'),
});
export type StatementRecord = z.infer<typeof statementRecordSchema>;
