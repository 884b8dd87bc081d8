import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';
import { REPO_ROOT } from '../support/spawn-parity.js';

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('parity --version and the command list', () => {
  it('prints the package version and exits 0 (long and short form)', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await runMain([flag], { cwd: REPO_ROOT })).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('help still lists every command though commands load lazily', async () => {
    const result = await runMain(['--help'], { cwd: REPO_ROOT });
    expect(result.code).toBe(0);
    for (const command of ['serve', 'run', 'gate', 'validate', 'demo', 'replay']) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('an unknown command is a usage error (exit 64) that names it', async () => {
    const result = await runMain(['valdiate'], { cwd: REPO_ROOT });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("unknown command 'valdiate'");
    expect(result.stderr).toContain('validate'); // commander's suggestion needs every command registered
  });
});
