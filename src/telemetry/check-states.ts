/**
 * The live map of check states the gauges read. Results this replica finishes are folded in at
 * once; `syncFromStore` reloads checks whose newest stored result changed elsewhere (another
 * replica, or before this process started) so every replica reports the store's truth.
 */
import type { ResultRecord } from '../store/runs.js';
import { applyResult, factsFromRecord, stateFromHistory, type CheckState, type ResultFacts } from './check-state.js';

/** How far back a reload looks for the newest pass and the error streak. */
export const HISTORY_LIMIT = 100;

/** The two store queries the sync needs. */
export interface ResultSource {
  latestFinished(checkIds: string[]): Promise<Map<string, ResultRecord>>;
  checkHistory(checkId: string, limit: number): Promise<ResultRecord[]>;
}

export interface CheckStates {
  view(): ReadonlyMap<string, CheckState>;
  apply(checkId: string, facts: ResultFacts): void;
  /** Brings the given checks up to date with the store; resolves to the ids that changed. */
  syncFromStore(source: ResultSource, checkIds: string[]): Promise<string[]>;
}

/** An empty state map. */
export function createCheckStates(): CheckStates {
  const states = new Map<string, CheckState>();
  return {
    view: () => states,
    apply(checkId, facts) {
      states.set(checkId, applyResult(states.get(checkId), facts));
    },
    async syncFromStore(source, checkIds) {
      const latest = await source.latestFinished(checkIds);
      const changed: string[] = [];
      for (const checkId of checkIds) {
        const record = latest.get(checkId);
        const known = states.get(checkId);
        if (!record || known?.latest.resultId === record.id) continue;
        // Another writer added results: replay the recent history so streaks and timestamps are exact.
        const history = (await source.checkHistory(checkId, HISTORY_LIMIT)).flatMap((r) => factsFromRecord(r) ?? []);
        const next = stateFromHistory(history, known);
        if (next) {
          states.set(checkId, next);
          changed.push(checkId);
        }
      }
      return changed;
    },
  };
}
