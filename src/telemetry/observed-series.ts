/**
 * Which series each observable gauge observed at its latest collection, and the filter that exports
 * only those. The SDK merges every collection into the last one (cumulative temporality), so a
 * series observed once is exported for the life of the process: a check removed from the check
 * files, or redefined as another kind, kept its last status and mismatches. A gauge says how things
 * stand now, so a series its callback no longer observes is no longer exported.
 */
import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** One series of a gauge: its attributes as one comparable text. */
function seriesKey(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface ObservedSeries {
  /**
   * Wraps a batch callback: what it observes becomes, once it returns, the whole of what its
   * instruments export (until their next collection).
   */
  track(callback: (result: BatchObservableResult) => void | Promise<void>, instruments: ReadonlyMap<Observable, string>): (result: BatchObservableResult) => Promise<void>;
  /** The collected metrics without the series of tracked gauges that their latest collection did not observe. */
  exportable(metrics: ResourceMetrics): ResourceMetrics;
}

/** An empty tracker: nothing is filtered until a tracked callback has run. */
export function createObservedSeries(): ObservedSeries {
  // By instrument name, the series its latest completed collection observed.
  const current = new Map<string, Set<string>>();

  const keep = (metric: MetricData): MetricData | undefined => {
    const observed = current.get(metric.descriptor.name);
    if (!observed) return metric;
    const points = (metric.dataPoints as { attributes: Attributes }[]).filter((p) => observed.has(seriesKey(p.attributes)));
    return points.length === 0 ? undefined : ({ ...metric, dataPoints: points } as MetricData);
  };

  return {
    track(callback, instruments) {
      return async (result) => {
        const seen = new Map<string, Set<string>>([...instruments.values()].map((name) => [name, new Set<string>()]));
        const recording: BatchObservableResult = {
          observe(instrument, value, attributes = {}) {
            const name = instruments.get(instrument);
            if (name !== undefined) seen.get(name)!.add(seriesKey(attributes));
            result.observe(instrument, value, attributes);
          },
        };
        try {
          await callback(recording);
        } finally {
          // Replaced whole and at once: what a collection did not observe (even one cut short) is not exported.
          for (const [name, series] of seen) current.set(name, series);
        }
      };
    },
    exportable(metrics) {
      return {
        ...metrics,
        scopeMetrics: metrics.scopeMetrics.map((scope) => ({ ...scope, metrics: scope.metrics.flatMap((m) => keep(m) ?? []) })),
      };
    },
  };
}
