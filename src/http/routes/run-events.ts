/**
 * GET /v1/runs/:id/events: a run's progress as Server-Sent Events — `progress`, `check_started`,
 * `check_finished`, then one `run_finished`, after which the stream ends. Events of runs executing
 * in this process arrive live from the RunEventHub; the store is polled as well, so a run owned by
 * another replica (or one that finished before the client connected) still streams and still ends.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { ApiError } from '../errors.js';
import { RunIdParamSchema, errorResponses } from '../schemas.js';
import type { Service } from '../../service/service.js';
import { progressRunEvent, scanEventFields, type RunEvent } from '../../events/run-event-hub.js';
import { TERMINAL_RUN_STATUSES } from '../../store/runs.js';


/** How often the store is consulted for results written by other replicas. */
export const RUN_EVENTS_POLL_MS = 1_000;
/** Idle streams get a comment this often so proxies do not cut them. */
const KEEP_ALIVE_MS = 15_000;

const runEventsRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{id}/events',
  operationId: 'streamRunEvents',
  tags: ['runs'],
  summary: 'Stream a run\'s progress (Server-Sent Events) until it finishes',
  description: 'Events: progress {check_id, rows_scanned, rows_estimated, rows_per_second, eta_seconds, started_at}, check_started, check_finished {status, mismatches, resumed_from_run, counts_are_lower_bounds}, '
    + 'run_finished {status, summary}. The stream closes after run_finished; a finished run yields its results and run_finished at once.',
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  request: { params: RunIdParamSchema },
  responses: {
    200: { description: 'an event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses(401, 403, 404),
  },
});

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Events the store can tell: finished results and, once the run ended, run_finished. */
async function storeEvents(service: Service, runId: string): Promise<RunEvent[]> {
  const run = await service.store.getRun(runId);
  if (!run) return [];
  const events: RunEvent[] = run.results.filter((r) => r.finishedAt !== null && r.status !== 'running').map((r) => ({
    type: 'check_finished', run_id: runId, check_id: r.checkId, result_id: r.id, status: r.status,
    duration_ms: r.durationMs, mismatches: numberOrNull(r.observations.mismatches), ...scanEventFields(r.observations),
  }));
  if (TERMINAL_RUN_STATUSES.has(run.status)) events.push({ type: 'run_finished', run_id: runId, status: run.status, summary: run.summary ?? null });
  return events;
}

async function streamRun(stream: SSEStreamingApi, service: Service, runId: string, live: RunEvent[], wait: (ms: number) => Promise<void>) {
  const announced = new Set<string>();
  let sequence = 0;
  let lastWrite = Date.now();
  const send = async (event: RunEvent): Promise<boolean> => {
    if (event.type === 'check_finished') {
      if (announced.has(event.result_id)) return false;
      announced.add(event.result_id);
    }
    await stream.writeSSE({ event: event.type, id: String(++sequence), data: JSON.stringify(event) });
    lastWrite = Date.now();
    return event.type === 'run_finished';
  };
  // Where the run stands now: live progress of this process, then what the store has recorded.
  for (const p of service.runner.progressOf(runId) ?? []) {
    await send(progressRunEvent(p));
  }
  let pending = await storeEvents(service, runId);
  const isNew = (e: RunEvent) => e.type !== 'check_finished' || !announced.has(e.result_id);
  const gone = () => stream.aborted || stream.closed;
  for (;;) {
    for (const event of [...live.splice(0), ...pending]) {
      if (await send(event)) return;
    }
    // Checked right before waiting (no await in between), so a disconnect is never slept through.
    if (gone()) return;
    if (live.length === 0) await wait(RUN_EVENTS_POLL_MS);
    if (gone()) return;
    // Live events mean this process runs it and the hub will say when it ends; otherwise ask the store.
    pending = live.length === 0 ? await storeEvents(service, runId) : [];
    if (!pending.some(isNew) && Date.now() - lastWrite >= KEEP_ALIVE_MS) {
      await stream.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
  }
}

/** GET /v1/runs/:id/events. */
export const registerRunEventRoutes: RouteRegistrar = (app, { service, runEvents }) => {
  app.openapi(runEventsRoute, async (c) => {
    const { id } = c.req.valid('param');
    // Subscribe before reading the store, so nothing that happens in between is missed.
    const live: RunEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = runEvents?.subscribe(id, (event) => {
      live.push(event);
      wake?.();
    }) ?? (() => {});
    try {
      if (!(await service.store.getRun(id))) throw new ApiError(404, 'run_not_found', `no run "${id}"`);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    // Waits on the service's clock (tests can drive it); a new event or a closed stream wakes it early.
    const wait = async (ms: number) => {
      const early = new AbortController();
      wake = () => early.abort();
      await service.clock.sleep(ms, { signal: early.signal }).catch(() => {});
      wake = undefined;
    };
    return streamSSE(c, async (stream) => {
      stream.onAbort(() => wake?.());
      try {
        await streamRun(stream, service, id, live, wait);
      } catch (error) {
        // Headers are gone: say so in-band with a stable code; the details (maybe SQL) go to the redacting log.
        service.logger?.warn({ err: error, run_id: id }, 'run event stream failed');
        await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: 'stream_failed', message: 'the run could not be followed; see the server log' }) });
      } finally {
        unsubscribe();
      }
    });
  });
};
