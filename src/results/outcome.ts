/**
 * What a check produces, whatever its kind: a finding (pass/fail) or "could not verify" (error),
 * with numbers, samples and the fault. Stored, served and judged by the layers above.
 */
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

export type SampleCategory = 'mismatch' | 'missing_in_new' | 'missing_in_old' | 'null' | 'row' | 'noise';

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

export interface FaultInfo {
  /** Stable machine code: timeout, lock_timeout, missing_relation, connection, … */
  code: string;
  message: string;
  sqlstate?: string;
}
