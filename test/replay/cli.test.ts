/**
 * `parity replay` as a user runs it, on a scenario folder outside the repository: once as the real
 * binary (the smoke test), otherwise through main() in-process.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';
import { runParity } from '../support/spawn-parity.js';
import { scenarioVariant } from './support.js';

// A failing replay (exit 1, seed, path, counterexample) runs in-process in engine.test.ts, which
// shares its PGlite: each spawned replay pays several seconds of WebAssembly start-up.

describe('parity replay', () => {
  it('replays a scenario copied outside the repository and prints the mutation-score table (exit 0)', async () => {
    const dir = await scenarioVariant('03-local-time-to-timestamptz');
    const { code, stdout, stderr } = await runParity(['replay', dir, '--runs', '20'], { cwd: tmpdir() });
    expect(code, stderr + stdout).toBe(0);
    expect(stdout).toMatch(/✓ correct migration: 20 cases passed every check/);
    expect(stdout).toMatch(/^mutation\s+verdict\s+cases\s+effective\s+caught\s+keys named\s+missed\s+caught by$/m);
    for (const id of ['row_dropped', 'timezone_applied_twice', 'zone_ignored', 'dual_write_bypassed', 'stale_writer', 'backfill_interrupted']) {
      expect(stdout).toMatch(new RegExp(`^${id}\\s+(caught|untested)\\s`, 'm'));
    }
    expect(stdout).toMatch(/mutation score: /);
    expect(stdout).toMatch(/result: every effective mutation was caught/);
  });

  it('exits 64 naming file, line and column when the scenario is malformed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parity-replay-bad-'));
    await writeFile(path.join(dir, 'scenario.yaml'), 'tables:\n  users:\n    columns:\n      name: { type: fullname }\nsteps: {}\n');
    const { code, stdout, stderr } = await runMain(['replay', dir], { cwd: tmpdir() });
    expect(code, stderr).toBe(64);
    expect(stdout).toMatch(/scenario\.yaml:4:\d+: tables\.users\.columns\.name\.type: .*'person_name' \| 'text' \| 'email'/);
    expect(stdout).toMatch(/scenario\.yaml:\d+:\d+: steps\.old_schema: is required/);
    expect(stderr).toMatch(/problems? in scenario/);
  });

  it('exits 64 on usage mistakes before opening any database', async () => {
    const dir = await scenarioVariant('01-split-full-name');
    const run = async (...args: string[]) => {
      const { code, stderr } = await runMain(['replay', ...args], { cwd: tmpdir(), env: {} });
      return { code, printed: stderr };
    };
    expect(await run(dir, '--runs', '0')).toMatchObject({ code: 64, printed: expect.stringMatching(/--runs must be an integer ≥ 1/) });
    expect(await run(dir, '--path', '3:1')).toMatchObject({ code: 64, printed: expect.stringMatching(/needs the --seed/) });
    expect(await run(dir, '--seed', '1', '--path', '3', '--mutation', 'no_such')).toMatchObject({ code: 64, printed: expect.stringMatching(/no such mutation; it has row_dropped, split_at_last_space/) });
    expect(await run(path.join(dir, 'missing'))).toMatchObject({ code: 64, printed: expect.stringMatching(/problem in scenario/) });
  });
});
