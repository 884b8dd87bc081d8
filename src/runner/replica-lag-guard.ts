/**
 * Replica lag around one check's reads: read from every source the check reads before it starts
 * (a standby already behind its limit is not read at all) and again after (a standby that fell
 * behind mid-scan served data of unknown age). The worse reading is recorded with the result.
 */
import { probeReplicaLag } from '../sources/replica-lag.js';
import { replicaLagFault, worseRecord, type LagRecord } from '../results/replica-lag.js';
import type { FaultInfo } from '../results/fault.js';
import type { SourceRegistry } from '../sources/registry.js';

/** Lag readings by source name. */
export type LagReadings = LagRecord;

/**
 * Reads the lag of each named source. Where a source sets max_replica_lag a failed probe is thrown
 * (could not verify); elsewhere the reading is only evidence, and a failed probe leaves it out.
 */
export async function readLags(names: Iterable<string>, sources: SourceRegistry, signal: AbortSignal): Promise<LagReadings> {
  const out: LagReadings = {};
  for (const name of names) {
    const limit = sources.specOf(name)?.max_replica_lag;
    try {
      out[name] = await probeReplicaLag(await sources.get(name), limit, signal);
    } catch (error) {
      if (limit !== undefined) throw error;
    }
  }
  return out;
}

/** The worse of two sets of readings, per source. */
export function mergeLags(before: LagReadings, after: LagReadings): LagReadings {
  return worseRecord(before, after);
}

/** The first source whose lag breaks its limit, as a fault; undefined when every source is within its limit. */
export function lagFault(readings: LagReadings): FaultInfo | undefined {
  for (const [name, lag] of Object.entries(readings)) {
    const fault = replicaLagFault(name, lag);
    if (fault) return fault;
  }
  return undefined;
}
