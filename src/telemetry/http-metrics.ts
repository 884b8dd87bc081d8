/**
 * HTTP server metrics via @hono/otel, bound to parity's meter provider (not the global one, so two
 * apps in one process — tests — never share counts). Tracing is off: parity exports no spans.
 */
import { httpInstrumentationMiddleware } from '@hono/otel';
import type { MeterProvider } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { PARITY_VERSION } from '../meta/version.js';

/** The request-duration and active-requests middleware for the app. */
export function httpMetricsMiddleware(meterProvider: MeterProvider): MiddlewareHandler {
  const instrument = httpInstrumentationMiddleware({ meterProvider, disableTracing: true, serviceName: 'parity', serviceVersion: PARITY_VERSION /* without it @hono/otel writes service_version="" */ });
  return async function recordHttpMetrics(c, next) {
    return instrument(c, next);
  };
}
