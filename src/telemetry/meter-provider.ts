/**
 * The OpenTelemetry meter provider: a pull reader whose Prometheus text parity serves itself at
 * GET /metrics (no second port), plus OTLP/HTTP push when OTEL_EXPORTER_OTLP_ENDPOINT (or the
 * metrics-specific endpoint) is set. Standard OTEL_* variables are honoured; service.name=parity.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { registerSecret } from '../logging/secrets.js';
import { otlpOptions, resourceAttributesFromEnv, type Env } from './otel-env.js';

export type { Env } from './otel-env.js';

export interface MeterSetup {
  provider: MeterProvider;
  /** The current metrics in the Prometheus text exposition format (0.0.4). */
  scrape(): Promise<string>;
  /** Where OTLP push goes, when it is on. */
  otlpUrl: string | undefined;
  /** Pushes pending OTLP data now (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The Content-Type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function resourceFor(env: Env): Resource {
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default service.name=parity.
  return defaultResource().merge(resourceFromAttributes({ 'service.name': 'parity' })).merge(resourceFromAttributes(resourceAttributesFromEnv(env)));
}

/** What leaves the process, given what was collected (parity's gauges: only the series observed now). */
export type ExportFilter = (metrics: ResourceMetrics) => ResourceMetrics;

/** The push exporter, sending only what `filter` lets through. */
function filteredExporter(exporter: PushMetricExporter, filter: ExportFilter): PushMetricExporter {
  return {
    export: (metrics, done) => exporter.export(filter(metrics), done),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...(exporter.selectAggregationTemporality ? { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) } : {}),
    ...(exporter.selectAggregation ? { selectAggregation: exporter.selectAggregation.bind(exporter) } : {}),
  };
}

/** Builds the meter provider and its readers from the environment; both readers export through `filter`. */
export function createMeterSetup(env: Env = process.env, filter: ExportFilter = (metrics) => metrics): MeterSetup {
  // preventServerStart: the exporter is only a pull reader; parity serves the text itself.
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  // Scope labels (otel_scope_name) would be on every series and help nobody querying parity.
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const readers: MetricReader[] = [prometheus];
  const otlp = otlpOptions(env);
  let push: PeriodicExportingMetricReader | undefined;
  if (otlp) {
    // OTLP headers often carry a vendor's API key: no log line or error may echo one.
    for (const value of Object.values(otlp.headers)) registerSecret(value);
    const { exportIntervalMillis, exportTimeoutMillis, ...exporterOptions } = otlp;
    push = new PeriodicExportingMetricReader({ exporter: filteredExporter(new OTLPMetricExporter(exporterOptions), filter), exportIntervalMillis, exportTimeoutMillis });
    readers.push(push);
  }
  const provider = new MeterProvider({ resource: resourceFor(env), readers });
  return {
    provider,
    otlpUrl: otlp?.url,
    async scrape() {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(filter(resourceMetrics));
    },
    async flush() {
      await push?.forceFlush();
    },
    shutdown: () => provider.shutdown(),
  };
}
