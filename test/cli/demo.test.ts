/**
 * `parity demo` as a user meets it: seed once (100k rows), see the checks fail on the planted keys
 * from the CLI and through the served API, repair, see them pass. The served demo is a real
 * process (it stops on SIGINT); the one-shot commands call main() in-process.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFECTS } from '../../src/demo/defects.js';
import { HIDDEN_READERS } from '../../src/demo/hidden-readers.js';
import { REPO_CHECKS, startParity, tempDir, type Started, SPAWN_TIMEOUT_MS, removeTempDirs } from '../support/spawn-parity.js';
import { runMain } from '../support/run-main.js';

interface JsonRun { results: { check_id: string; status: string; samples: { key: Record<string, string>; detail?: Record<string, string>; old?: unknown; new?: unknown }[] }[] }

const idsReportedBy = (checkId: string) => DEFECTS.filter((d) => d.reportedBy.includes(checkId)).map((d) => String(d.id)).sort();

describe('parity demo', { timeout: SPAWN_TIMEOUT_MS + 10_000 }, () => {
  let cwd: string;
  let server: Started | undefined;
  beforeAll(async () => {
    // A project laid out like a fresh clone: ./checks holding the demo files, no configuration.
    cwd = await tempDir('parity-demo-');
    await mkdir(path.join(cwd, 'checks'));
    for (const file of ['demo-sources.yaml', 'demo-users.yaml']) await copyFile(path.join(REPO_CHECKS, file), path.join(cwd, 'checks', file));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    await removeTempDirs();
  });

  it('--no-serve seeds the embedded demo and lists the planted defects', async () => {
    const result = await runMain(['demo', '--no-serve'], { cwd });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Seeded embedded:demo under \.parity: 100,000 users in /m);
    for (const d of DEFECTS) expect(result.stdout).toMatch(new RegExp(`id\\s+${d.id}\\s+${d.kind}`));
    for (const r of HIDDEN_READERS) expect(result.stdout).toContain(`${r.object}`);
  });

  it('then `parity run --json` exits 1 and names exactly the defect keys', async () => {
    const result = await runMain(['run', '--json'], { cwd });
    expect(result.code).toBe(1);
    const run = JSON.parse(result.stdout) as JsonRun;
    const keysOf = (checkId: string) => run.results.find((r) => r.check_id === checkId)!.samples.map((s) => s.key.id ?? s.detail?.id).sort();
    for (const checkId of ['users-no-orphans', 'users-name-backfilled', 'users-name-parity', 'users-name-matches-legacy']) {
      expect(keysOf(checkId), checkId).toEqual(idsReportedBy(checkId));
    }
    expect(run.results.find((r) => r.check_id === 'users-row-count')!.status).toBe('fail');
  });

  it('serves the demo with its URLs and curl line; that curl shows the failing checks and their keys', async () => {
    server = startParity(['demo', '--port', '0'], { cwd });
    const [, url] = await server.waitFor(/parity demo is serving at (http:\/\/127\.0\.0\.1:\d+)/);
    await server.waitFor(/Ctrl-C stops the server/);
    expect(server.stdout()).toContain(`curl -X POST '${url}/v1/runs?wait=true' -H 'content-type: application/json' -d '{"all":true}'`);
    expect(server.stdout()).toContain(`${url}/openapi.json`);

    const response = await fetch(`${url}/v1/runs?wait=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(response.status).toBe(200);
    const { run } = await response.json() as { run: JsonRun };
    expect(run.results.filter((r) => r.status === 'fail').map((r) => r.check_id).sort()).toEqual(
      ['users-name-backfilled', 'users-name-matches-legacy', 'users-name-parity', 'users-no-orphans', 'users-old-shape-unused', 'users-row-count'],
    );
    const parity = run.results.find((r) => r.check_id === 'users-name-parity')!;
    expect(parity.samples).toContainEqual(expect.objectContaining({ key: { id: '1001' }, old: 'Lucía de la Cruz', new: 'Lucía de' }));

    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(0);
  });

  it('--repair fixes the defects in the existing seed (from anywhere, with the bundled checks), and run exits 0', async () => {
    const elsewhere = await tempDir('parity-demo-elsewhere-');
    const repaired = await runMain(['demo', '--no-serve', '--repair', '--data-dir', path.join(cwd, '.parity')], { cwd: elsewhere });
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('is already seeded');
    expect(repaired.stdout).toContain(`Repaired the ${DEFECTS.length} planted defects`);
    expect(repaired.stdout).toContain(`Check files: ${REPO_CHECKS}`);

    const result = await runMain(['run'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/7 checks: 7 passed, 0 failed, 0 could not be verified/);
  });
});
