/** Extra benchmark operations (shadow_read, table_diff) — filled in by their kinds' benchmarks. */
import type { BenchContext, OperationResult } from './harness.js';

export async function extraOperations(_ctx: BenchContext & { server: string; rows: number }): Promise<OperationResult[]> {
  return [];
}
