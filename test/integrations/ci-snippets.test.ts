/**
 * integrations/ci/*.sh — `parity gate … && <migration tool>` for Flyway, Liquibase and pgroll — run
 * by sh against a real parity server, with stand-ins for the tools that record being called: the
 * contract step runs only when the gate allows, and the snippet's exit code is parity's otherwise
 * (1 denied, 2 could not evaluate), so the CI job stops.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { REPO_ROOT } from '../support/spawn-parity.js';
import { binDir, RUN_TOKEN, startGateServer, type GateServer } from './support.js';

const SNIPPETS = [
  { file: 'flyway.sh', tool: 'flyway', calledWith: '-target=42 migrate' },
  { file: 'liquibase.sh', tool: 'liquibase', calledWith: 'update --label-filter=contract' },
  { file: 'pgroll.sh', tool: 'pgroll', calledWith: 'complete' },
];

describe.each(engines)('CI snippets gating migration tools (state store on %s)', { timeout: 180_000 }, (engine) => {
  let world: GateServer;
  let bin: Awaited<ReturnType<typeof binDir>>;
  let calls: string;
  beforeAll(async () => {
    world = await startGateServer(engine);
    calls = path.join(await mkdtemp(path.join(tmpdir(), 'parity-calls-')), 'calls.log');
    const standIn = (tool: string) => `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n`;
    bin = await binDir(Object.fromEntries(SNIPPETS.map((s) => [s.tool, standIn(s.tool)])));
  });
  afterAll(async () => {
    await world?.close();
    await bin?.remove();
    await rm(path.dirname(calls), { recursive: true, force: true });
  });

  const run = (file: string, server = world.url, env: Record<string, string> = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('sh', [path.join(REPO_ROOT, 'integrations/ci', file)], {
      env: {
        PATH: `${bin.dir}:${process.env.PATH}`, HOME: process.env.HOME!, PARITY_URL: server, PARITY_TOKEN: RUN_TOKEN,
        MIGRATION: 'users-split-name', FLYWAY_CONTRACT_TARGET: '42', PARITY_LOG_LEVEL: 'silent', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  const called = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('does not run the tool when the gate denies (exit 1)', async () => {
    for (const s of SNIPPETS) {
      const result = await run(s.file);
      expect(result.code, s.file).toBe(1);
      expect(result.stdout, s.file).toMatch(/^users-split-name → contract: DENIED \(checks re-run\)/);
    }
    expect(await called()).toEqual([]);
  });

  it('does not run the tool when the gate cannot be evaluated or parity cannot be reached (exit 2)', async () => {
    const restore = await world.breakCheckFiles();
    try {
      for (const s of SNIPPETS) expect((await run(s.file)).code, s.file).toBe(2);
    } finally {
      await restore();
    }
    for (const s of SNIPPETS) {
      const result = await run(s.file, 'http://127.0.0.1:1');
      expect(result.code, s.file).toBe(2);
      expect(result.stderr, s.file).toContain('could not reach http://127.0.0.1:1');
    }
    expect(await called()).toEqual([]);
  });

  it('runs the tool, exactly once per snippet, when the gate allows (exit 0)', async () => {
    await world.repairData();
    for (const s of SNIPPETS) {
      const result = await run(s.file);
      expect(result.code, `${s.file}: ${result.stderr}`).toBe(0);
      expect(result.stdout, s.file).toMatch(/^users-split-name → contract: ALLOWED \(checks re-run\)/);
    }
    expect(await called()).toEqual(SNIPPETS.map((s) => `${s.tool} ${s.calledWith}`));
  });

  it('does not run the tool when the migration is not an id but an option (--help, --version print text, not an answer)', async () => {
    const before = (await called()).length;
    for (const migration of ['--help', '-h', '--version', '-V']) {
      const result = await run('pgroll.sh', world.url, { MIGRATION: migration });
      expect(result.code, migration).toBe(64);
    }
    // An empty PARITY_URL (an unset CI variable) asks nothing, not the runner's state store.
    expect((await run('pgroll.sh', '')).code).toBe(64);
    expect((await called()).length).toBe(before);
  });
});
