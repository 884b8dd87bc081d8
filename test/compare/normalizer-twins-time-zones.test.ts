/**
 * The twins' property (normalizer-twins.test.ts) run again in child vitest processes whose process
 * time zone is UTC and Europe/Berlin: the same data must normalise the same under either. Before,
 * zone-less timestamps were read in the process zone, so one check failed under TZ=UTC and passed
 * under TZ=Europe/Berlin.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT } from '../support/spawn-parity.js';

/** Runs the property file in a fresh vitest with the given TZ; resolves to its exit code and output. */
function runUnder(tz: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env = cleanEnv({ TZ: tz, PARITY_EXPECT_TZ: tz, ...(process.env.TEST_DATABASE_URL ? { TEST_DATABASE_URL: process.env.TEST_DATABASE_URL } : {}) });
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/compare/normalizer-twins.test.ts', '--maxWorkers=1'], { cwd: REPO_ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the normaliser twins agree whatever the process time zone', () => {
  it.each(['UTC', 'Europe/Berlin'])('under TZ=%s', async (tz) => {
    const { code, output } = await runUnder(tz);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+.*\d+ passed/);
  }, 300_000);
});
