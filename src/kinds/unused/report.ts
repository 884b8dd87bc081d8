/**
 * An `unused` result as people read it, for every view (CLI, status page): which evidence was read
 * and which was not, how much of the window the statistics cover, and each finding with its
 * counts. Pure, over the stored observations and samples.
 */
import type { JsonValue, Observations, Sample } from '../../results/outcome.js';
import { human } from './verdict.js';

/** One reader, writer, dependency or session, as the result named it. */
export interface UnusedFinding {
  target: string;
  /** Where it was seen: catalog, pg_stat_activity, pg_stat_statements, pg_stat_user_tables. */
  evidence: string;
  sentence: string;
  calls?: number | undefined;
  role?: string | undefined;
}

export interface UnusedReport {
  evidence: 'full' | 'catalog';
  /** "observing: 3h of 24h covered", "24h window covered (25h observed)", or why there is no window. */
  progress: string;
  /** 0–1; undefined with catalog evidence, which has no window. */
  coverageRatio: number | undefined;
  read: string[];
  notRead: string[];
  findings: UnusedFinding[];
  /** Gaps in the evidence (`code: message`), which make a result `error` when nothing was found. */
  gaps: string[];
}

const strings = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const number = (value: JsonValue | undefined): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The report of one `unused` result; results recorded before `evidence` existed read as full evidence. */
export function unusedReport(observations: Observations, samples: readonly Sample[]): UnusedReport {
  const evidence = observations.evidence === 'catalog' ? 'catalog' : 'full';
  const windowS = number(observations.window_seconds);
  const coveredS = number(observations.covered_seconds) ?? 0;
  let progress: string;
  if (evidence === 'catalog') progress = 'no window: evidence: catalog reads no statement statistics';
  else if (windowS === undefined) progress = 'coverage unknown';
  else if (coveredS >= windowS) progress = `${human(windowS * 1000)} window covered (${human(coveredS * 1000)} observed)`;
  else progress = `observing: ${human(coveredS * 1000)} of ${human(windowS * 1000)} covered`;
  const findings = samples.filter((s) => typeof s.detail?.['finding'] === 'string').map((s): UnusedFinding => ({
    target: String(s.key['target'] ?? ''),
    evidence: String(s.detail?.['evidence'] ?? ''),
    sentence: String(s.detail!['finding']),
    calls: number(s.detail?.['calls']) ?? number(s.detail?.['writes']),
    role: typeof s.detail?.['role'] === 'string' ? s.detail['role'] : undefined,
  }));
  return {
    evidence,
    progress,
    coverageRatio: evidence === 'catalog' ? undefined : number(observations.coverage_ratio),
    read: strings(observations.evidence_read),
    notRead: strings(observations.evidence_not_read),
    findings,
    gaps: strings(observations.unverified),
  };
}
