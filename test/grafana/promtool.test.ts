import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, findPromtool } from './promtool.js';

const run = promisify(execFile);
const ALERTS = path.join(REPO_ROOT, 'grafana', 'alerts');
const promtool = findPromtool();

describe('Prometheus alert rules under promtool', () => {
  it('are valid rules and pass their unit tests (parity-rules.test.yml)', async () => {
    if (!promtool) {
      // .ci/run always installs it (scripts/install-promtool.sh); a developer box may not have it.
      console.warn('promtool not found on PATH or in .tools/bin; run scripts/install-promtool.sh. The alert rule unit tests did NOT run.');
      return;
    }
    const check = await run(promtool, ['check', 'rules', 'parity-rules.yml'], { cwd: ALERTS });
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    const tests = await run(promtool, ['test', 'rules', 'parity-rules.test.yml'], { cwd: ALERTS });
    expect(tests.stdout).toMatch(/SUCCESS/);
  });
});
