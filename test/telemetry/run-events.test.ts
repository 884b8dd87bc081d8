import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParityApp } from '../../src/http/server.js';
import { engines } from '../support/databases.js';
import { createWorld, holdWorldDatabase, startParity, type Parity, type World } from './support.js';

const READ_TOKEN = 'sse-read-token-5e1d0c7a93';
const RUN_TOKEN = 'sse-run-token-b2c4f8e6a1';

interface SseEvent { event: string; id: string | undefined; data: any }

/** Reads an SSE response; `until` lets a test act in the middle of the stream. */
function readEvents(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  let waiters: (() => void)[] = [];
  const done = (async () => {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields.data !== undefined) events.push({ event: fields.event ?? 'message', id: fields.id, data: JSON.parse(fields.data) });
      }
      for (const wake of waiters) wake();
      waiters = [];
    }
    return events;
  })();
  return {
    events,
    done,
    cancel: () => reader.cancel(),
    async until(predicate: (e: SseEvent[]) => boolean, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`stream did not reach the expected state; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
      }
    },
  };
}

describe.each(engines)('GET /v1/runs/:id/events on %s', (engine) => {
  let world: World;
  let parity: Parity;
  beforeAll(async () => {
    // A long lock_timeout so held tables make checks wait instead of failing.
    world = await createWorld(engine, { appOptions: 'lock_timeout: 60s' });
    parity = await startParity(world, { tokens: `grafana:${READ_TOKEN}:read,ci:${RUN_TOKEN}:run` });
  });
  afterAll(async () => {
    await parity?.stop();
    await world?.close();
  });

  const startRun = async (app = parity.app) => {
    const response = await app.request('/v1/runs', {
      method: 'POST', headers: { authorization: `Bearer ${RUN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['users-row-count', 'users-name-parity'] }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as any).run.id as string;
  };
  const events = (id: string, app = parity.app) => app.request(`/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });

  it('streams a running run live — started, progress, finished checks — and ends with run_finished', async () => {
    const release = await holdWorldDatabase(world.db);
    let id: string;
    try {
      id = await startRun();
      const response = await events(id);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const stream = readEvents(response);
      await stream.until((e) => e.filter((x) => x.event === 'check_started').length === 2);
      expect(stream.events.some((e) => e.event === 'run_finished')).toBe(false);
      await release();
      const all = await stream.done;
      const finished = all.filter((e) => e.event === 'check_finished').map((e) => e.data);
      expect(finished.map((d) => [d.check_id, d.status, d.mismatches]).sort()).toEqual([
        ['users-name-parity', 'fail', 4], ['users-row-count', 'pass', 0],
      ]);
      const progress = all.filter((e) => e.event === 'progress').map((e) => e.data);
      expect(progress.some((p) => p.check_id === 'users-row-count' && p.rows_scanned > 0)).toBe(true);
      expect(all.at(-1)).toMatchObject({ event: 'run_finished', data: { run_id: id, status: 'finished', summary: { pass: 1, fail: 1, error: 0, total: 2 } } });
      expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i + 1));
      expect(JSON.stringify(all)).not.toMatch(/select|"sql"|samples/i);
    } finally {
      await release();
    }
    expect(parity.runEvents.listenerCount()).toBe(0);
  });

  it('replays a finished run at once and closes', async () => {
    const id = await startRun();
    await parity.service.runner.drain();
    const all = await readEvents(await events(id)).done;
    expect(all.map((e) => e.event)).toEqual(['check_finished', 'check_finished', 'run_finished']);
  });

  it('follows a run through the store when this process does not execute it (another replica)', async () => {
    const elsewhere = createParityApp({ service: parity.service });
    const release = await holdWorldDatabase(world.db);
    try {
      const id = await startRun();
      const stream = readEvents(await events(id, elsewhere));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.events).toEqual([]);
      await release();
      const all = await stream.done;
      expect(all.filter((e) => e.event === 'check_finished')).toHaveLength(2);
      expect(all.at(-1)?.event).toBe('run_finished');
    } finally {
      await release();
    }
  });

  it('stops listening when the client goes away', async () => {
    const release = await holdWorldDatabase(world.db);
    try {
      const id = await startRun();
      const stream = readEvents(await events(id));
      await stream.until((e) => e.some((x) => x.event === 'check_started'));
      expect(parity.runEvents.listenerCount()).toBe(1);
      await stream.cancel();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(parity.runEvents.listenerCount()).toBe(0);
    } finally {
      await release();
      await parity.service.runner.drain();
    }
  });

  it('answers 404 for an unknown run and 401 without a token', async () => {
    const missing = await events('no-such-run');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('run_not_found');
    expect(parity.runEvents.listenerCount()).toBe(0);
    expect((await parity.app.request('/v1/runs/x/events')).status).toBe(401);
  });
});
