/**
 * Gate answers go out `Cache-Control: no-store`, but a cache between `parity gate --server` and
 * the server that ignores it (a CDN rule keyed on the path, a corporate proxy) serves an allow it
 * stored minutes ago, after the gate closed, and the CI step exited 0. RFC 9111 makes every cache
 * say so: a response served from storage carries `Age`. An answer with an `Age` above zero is
 * now "could not evaluate" (exit 2): it is not the server's answer to this question now.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';

async function fakeServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const pass = { id: 'users-name-parity', status: 'pass', result_id: 'r1', finished_at: new Date().toISOString(), age_s: 1, max_age_s: 3600, required_by: ['switch-reads'], reason: null, denial: null };
const allowed = {
  migration: 'users-split-name', phase: 'switch-reads', allowed: true, evaluated_at: new Date().toISOString(), checks: [pass], reasons: [],
  id: 'd1', requested_by: null, refreshed: false, run_id: null, evaluated: true,
};

describe('parity gate --server refuses an answer a cache served', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'parity-gate-cached-')); });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const gate = () => (server: string) => runMain(['gate', 'users-split-name', 'switch-reads', '--server', server], { cwd: dir, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent' } });

  for (const [what, age, code] of [['fresh (no Age)', undefined, 0], ['Age: 0', '0', 0], ['Age: 600', '600', 2], ['Age: 1', '1', 2], ['Age that is not a number', 'soon', 2]] as const) {
    it(`${what}: exit ${code}`, async () => {
      const server = await fakeServer((_, response) => {
        response.writeHead(200, { 'content-type': 'application/json', ...(age === undefined ? {} : { age }) });
        response.end(JSON.stringify(allowed));
      });
      try {
        const asked = await gate()(server.url);
        expect(asked.code, asked.stderr).toBe(code);
        if (code === 2) expect(asked.stderr).toMatch(/cache/);
      } finally {
        await server.close();
      }
    });
  }
});
