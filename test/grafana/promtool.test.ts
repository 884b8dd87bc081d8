import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toolAvailable } from '../support/tools.js';
import { REPO_ROOT, findPromtool } from './promtool.js';
import { alertRules } from '../../grafana/src/alert-rules.js';

const run = promisify(execFile);
const ALERTS = path.join(REPO_ROOT, 'grafana', 'alerts');
const promtool = findPromtool();
const hasPromtool = toolAvailable('promtool', promtool !== undefined, 'run scripts/install-promtool.sh (.ci/run always does)');

describe('Prometheus alert rules', () => {
  it('ship the drift alert in the Prometheus rule file', async () => {
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(path.join(ALERTS, 'parity-rules.yml'), 'utf8')).toContain('ParityDriftDetected');
  });

  it('have a promtool unit test each', async () => {
    const { readFile } = await import('node:fs/promises');
    const tests = await readFile(path.join(ALERTS, 'parity-rules.test.yml'), 'utf8');
    for (const rule of alertRules) expect(tests, rule.name).toContain(`alertname: ${rule.name}`);
  });

  if (hasPromtool) it('are valid rules and pass their unit tests under promtool (parity-rules.test.yml)', async () => {
    const check = await run(promtool!, ['check', 'rules', 'parity-rules.yml'], { cwd: ALERTS });
    expect(check.stdout).toContain(`SUCCESS: ${alertRules.length} rules found`);
    const tests = await run(promtool!, ['test', 'rules', 'parity-rules.test.yml'], { cwd: ALERTS });
    expect(tests.stdout).toMatch(/SUCCESS/);
  });
});
