/**
 * `parity gate … --server "$PARITY_SERVER"` with the variable unset passes `--server ""`. The
 * command must not then quietly ask the local state store instead: that is another store's answer
 * (a workstation's, a staging one's) to a question meant for the named server.
 */
import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';

describe('parity gate --server with an empty or malformed URL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-gate-server-flag-'));
    // A local catalog and store that could answer the same gate: they must not be asked.
    await writeFile(path.join(dir, 'checks.yaml'), `
sources:
  app: { url: "postgres://nobody@127.0.0.1:1/nowhere" }
checks:
  - { id: users-have-name, kind: sql_assert, source: app, query: "select id from users where first_name is null" }
migrations:
  - id: users-split-name
    phases:
      - { name: switch-reads, requires: [users-have-name] }
`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const gate = (args: string[]) => runMain(['gate', 'users-split-name', 'switch-reads', ...args], {
    cwd: dir, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent', PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data') },
  });

  it('exits 64 and asks nothing for an empty --server, in every format', async () => {
    for (const args of [['--server', ''], ['--server='], ['--server', '   '], ['--server', '', '--format', 'json']]) {
      const asked = await gate(args);
      expect(asked.code, args.join(' ')).toBe(64);
      expect(asked.stderr, args.join(' ')).toMatch(/--server/);
      expect(asked.stdout, args.join(' ')).not.toMatch(/decision .* recorded/);
    }
  });

  it('exits 64 for a --server that is not an http(s) URL', async () => {
    for (const server of ['not a url', 'ftp://127.0.0.1:1/', 'file:///etc/passwd']) {
      const asked = await gate(['--server', server, '--format', 'json']);
      expect(asked.code, server).toBe(64);
      expect(JSON.parse(asked.stdout), server).toMatchObject({ allowed: false, evaluated: false, error: { code: 'bad_configuration' } });
    }
  });

  it('exits 2 when the server accepts and never answers, or never finishes the answer', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((request, response) => {
      held.push(response);
      // Headers and half an "allowed" body, then silence: a stalled proxy.
      if (request.url?.includes('switch-reads')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"migration":"users-split-name","phase":"switch-reads","allowed":true,');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const started = Date.now();
      const stalled = await gate(['--server', url, '--timeout', '0.5', '--format', 'json']);
      expect(stalled.code).toBe(2);
      expect(stalled.stderr).toMatch(/no full answer within 0.5 s/);
      expect(JSON.parse(stalled.stdout)).toMatchObject({ allowed: false, evaluated: false, error: { code: 'gate_unavailable' } });
      const silent = await runMain(['gate', 'users-split-name', 'contract', '--server', url, '--timeout', '0.5'], {
        cwd: dir, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent' },
      });
      expect(silent.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const response of held) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
