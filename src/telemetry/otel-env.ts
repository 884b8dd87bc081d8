/**
 * The standard OTEL_* environment variables, read from an injected environment (pure), so the
 * OTLP exporter is configured from what parity was given rather than whatever process.env holds.
 * Names and semantics follow the OpenTelemetry SDK environment specification.
 */
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';

export type Env = Record<string, string | undefined>;

export interface OtlpOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMillis?: number;
  temporalityPreference?: AggregationTemporalityPreference;
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
}

/** The OTLP metrics URL the environment asks for; undefined when push is off. */
export function otlpMetricsUrl(env: Env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = env.OTEL_METRICS_EXPORTER?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (exporters && exporters.length > 0 && !exporters.includes('otlp')) return undefined;
  const specific = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  if (specific) return specific;
  const generic = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!generic) return undefined;
  // The generic endpoint is a base URL; the signal path is appended (spec: "/v1/metrics").
  return `${generic.replace(/\/+$/, '')}/v1/metrics`;
}

/** `key=value,key2=value2` (values percent-decoded), as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are written. */
export function parseKeyValueList(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text?.split(',') ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A malformed entry is skipped, as the OTel SDK does.
    }
  }
  return out;
}

/** OTEL_RESOURCE_ATTRIBUTES, with OTEL_SERVICE_NAME winning for service.name. */
export function resourceAttributesFromEnv(env: Env): Record<string, string> {
  const out = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  if (env.OTEL_SERVICE_NAME?.trim()) out['service.name'] = env.OTEL_SERVICE_NAME.trim();
  return out;
}

function positiveInt(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

const TEMPORALITY: Record<string, AggregationTemporalityPreference> = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
};

/** Everything the OTLP reader and exporter need, or undefined when push is off. */
export function otlpOptions(env: Env): OtlpOptions | undefined {
  const url = otlpMetricsUrl(env);
  if (!url) return undefined;
  const timeout = positiveInt(env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT) ?? positiveInt(env.OTEL_EXPORTER_OTLP_TIMEOUT);
  const temporality = TEMPORALITY[env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase() ?? ''];
  const exportIntervalMillis = positiveInt(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000;
  return {
    url,
    headers: { ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS) },
    ...(timeout ? { timeoutMillis: timeout } : {}),
    ...(temporality !== undefined ? { temporalityPreference: temporality } : {}),
    exportIntervalMillis,
    // The SDK requires the export timeout not to exceed the interval.
    exportTimeoutMillis: Math.min(positiveInt(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, exportIntervalMillis),
  };
}
