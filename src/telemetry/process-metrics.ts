/**
 * Node process and runtime gauges (CPU, memory, heap, event-loop delay, start time), declared in
 * instruments.ts like every other metric. A small set read at export time, instead of a host-metrics
 * dependency: these are the numbers the runbooks ask for (is the replica starved, leaking, blocked?).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';
import { instruments, type InstrumentSpec } from './instruments.js';

const options = (spec: InstrumentSpec) => ({ description: spec.description, unit: spec.unit });

/** Starts observing the process on the meter; the returned function stops the event-loop monitor. */
export function observeProcessMetrics(meter: Meter): () => void {
  const i = instruments;
  const cpu = meter.createObservableCounter(i.processCpu.name, options(i.processCpu));
  const rss = meter.createObservableGauge(i.processMemory.name, options(i.processMemory));
  const heap = meter.createObservableGauge(i.processHeap.name, options(i.processHeap));
  const delay = meter.createObservableGauge(i.eventLoopDelay.name, options(i.eventLoopDelay));
  const start = meter.createObservableGauge(i.processStart.name, options(i.processStart));
  const startedAt = (Date.now() - process.uptime() * 1000) / 1000;
  // Resolution 20 ms: finer costs timer wake-ups on an idle replica for detail nobody alerts on.
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const observe = (result: import('@opentelemetry/api').BatchObservableResult) => {
    const usage = process.cpuUsage();
    const memory = process.memoryUsage();
    result.observe(cpu, (usage.user + usage.system) / 1e6);
    result.observe(rss, memory.rss);
    result.observe(heap, memory.heapUsed);
    // Nanoseconds; NaN before the first sample.
    const p99 = loop.percentile(99);
    if (Number.isFinite(p99) && p99 > 0) result.observe(delay, p99 / 1e9);
    loop.reset();
    result.observe(start, startedAt);
  };
  meter.addBatchObservableCallback(observe, [cpu, rss, heap, delay, start]);
  return () => {
    meter.removeBatchObservableCallback(observe, [cpu, rss, heap, delay, start]);
    loop.disable();
  };
}
