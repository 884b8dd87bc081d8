/** Peak RSS of one operation, folded into the run's overall peak too. */
import { round, trackingRss, type BenchContext } from './harness.js';

/** Runs `work`, returning its value and the process's peak RSS (MB) while it ran. */
export async function withOperationRss<T>(ctx: BenchContext, work: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  const peak = { value: 0 };
  const value = await trackingRss(peak, work);
  ctx.peakRss.value = Math.max(ctx.peakRss.value, peak.value);
  return { value, peakRssMb: round(peak.value / 2 ** 20) };
}
