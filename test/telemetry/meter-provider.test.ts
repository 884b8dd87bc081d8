import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/logging/secrets.js';
import { createMeterSetup } from '../../src/telemetry/meter-provider.js';
import { otlpMetricsUrl, otlpOptions, resourceAttributesFromEnv } from '../../src/telemetry/otel-env.js';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { createObservedSeries } from '../../src/telemetry/observed-series.js';

describe('OTLP endpoint from the standard environment variables', () => {
  it('is off unless an endpoint is set', () => {
    expect(otlpMetricsUrl({})).toBeUndefined();
  });

  it('appends /v1/metrics to the generic endpoint, and uses the metrics endpoint as given', () => {
    expect(otlpMetricsUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/metrics');
    expect(otlpMetricsUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://b:9000/ingest' }))
      .toBe('http://b:9000/ingest');
  });

  it('honours OTEL_SDK_DISABLED and an OTEL_METRICS_EXPORTER without otlp', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(otlpMetricsUrl({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(otlpMetricsUrl({ ...endpoint, OTEL_METRICS_EXPORTER: 'prometheus' })).toBeUndefined();
    expect(otlpMetricsUrl({ ...endpoint, OTEL_METRICS_EXPORTER: 'prometheus,otlp' })).toBe('http://collector:4318/v1/metrics');
  });

  it('reads OTEL_RESOURCE_ATTRIBUTES and lets OTEL_SERVICE_NAME win', () => {
    expect(resourceAttributesFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=db%20platform,bad', OTEL_SERVICE_NAME: 'parity-eu' }))
      .toEqual({ 'deployment.environment': 'prod', team: 'db platform', 'service.name': 'parity-eu' });
  });

  it('reads headers, timeouts, temporality and the export interval', () => {
    expect(otlpOptions({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=a',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-tenant=b',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      OTEL_METRIC_EXPORT_TIMEOUT: '20000',
    })).toEqual({
      url: 'http://c:4318/v1/metrics',
      headers: { authorization: 'Bearer abc', 'x-tenant': 'b' },
      timeoutMillis: 5000,
      temporalityPreference: AggregationTemporalityPreference.DELTA,
      exportIntervalMillis: 10_000,
      exportTimeoutMillis: 10_000,
    });
  });
});

describe('OTLP/HTTP push', () => {
  const received: { url: string; headers: IncomingHttpHeaders; body: any }[] = [];
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => { text += String(chunk); });
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('pushes parity metrics with service.name=parity, the configured headers and resource attributes', async () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otlp-secret-4f1e9a',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
      OTEL_METRIC_EXPORT_INTERVAL: '3600000',
    };
    const telemetry = createTelemetry({ env });
    try {
      expect(telemetry.otlpUrl).toBe(`${endpoint}/v1/metrics`);
      telemetry.metrics.recordGateDecision({ migration: 'users-split-name', phase: 'backfill', allowed: false });
      await telemetry.flush();
    } finally {
      await telemetry.shutdown();
    }
    const push = received.find((r) => JSON.stringify(r.body).includes('parity_gate_decisions'));
    expect(push?.url).toBe('/v1/metrics');
    expect(push?.headers['x-api-key']).toBe('otlp-secret-4f1e9a');
    const resource = push!.body.resourceMetrics[0].resource.attributes as { key: string; value: { stringValue?: string } }[];
    const attribute = (key: string) => resource.find((a) => a.key === key)?.value.stringValue;
    expect(attribute('service.name')).toBe('parity');
    expect(attribute('deployment.environment')).toBe('test');
    const metric = push!.body.resourceMetrics[0].scopeMetrics.flatMap((s: any) => s.metrics).find((m: any) => m.name === 'parity_gate_decisions');
    expect(metric.sum.isMonotonic).toBe(true);
    const point = metric.sum.dataPoints[0];
    expect(Number(point.asInt ?? point.asDouble)).toBe(1);
    expect(Object.fromEntries(point.attributes.map((a: any) => [a.key, a.value.stringValue])))
      .toEqual({ migration: 'users-split-name', phase: 'backfill', decision: 'denied' });
    // The header value is an API key: it must never reach a log line.
    expect(redact('sent x-api-key=otlp-secret-4f1e9a')).not.toContain('otlp-secret-4f1e9a');
  });

  it('pushes and serves a gauge\'s series only as its latest collection observed them', async () => {
    const series = createObservedSeries();
    const setup = createMeterSetup({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '3600000' }, (m) => series.exportable(m));
    const meter = setup.provider.getMeter('t');
    const gauge = meter.createObservableGauge('parity_probe_status');
    let checks = ['kept', 'removed'];
    meter.addBatchObservableCallback(series.track((result) => {
      for (const id of checks) result.observe(gauge, 1, { check_id: id });
    }, new Map([[gauge, 'parity_probe_status']])), [gauge]);
    const pushed = () => {
      const last = received.filter((r) => JSON.stringify(r.body).includes('parity_probe_status')).at(-1);
      const metric = last?.body.resourceMetrics[0].scopeMetrics.flatMap((s: any) => s.metrics).find((m: any) => m.name === 'parity_probe_status');
      return (metric?.gauge.dataPoints ?? []).map((p: any) => p.attributes[0].value.stringValue).sort();
    };
    try {
      await setup.flush();
      expect(pushed()).toEqual(['kept', 'removed']);
      expect(await setup.scrape()).toMatch(/check_id="removed"/);
      checks = ['kept'];
      await setup.flush();
      expect(pushed()).toEqual(['kept']);
      const text = await setup.scrape();
      expect(text).toMatch(/parity_probe_status\{check_id="kept"\} 1/);
      expect(text).not.toMatch(/check_id="removed"/);
    } finally {
      await setup.shutdown();
    }
  });

  it('does not push when no endpoint is configured, but still serves Prometheus text', async () => {
    const before = received.length;
    const setup = createMeterSetup({});
    try {
      setup.provider.getMeter('t').createCounter('parity_probe').add(2);
      await setup.flush();
      expect(setup.otlpUrl).toBeUndefined();
      expect(await setup.scrape()).toMatch(/^parity_probe_total 2$/m);
    } finally {
      await setup.shutdown();
    }
    expect(received.length).toBe(before);
  });
});
