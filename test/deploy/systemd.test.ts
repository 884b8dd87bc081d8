/**
 * deploy/systemd/parity.service through `systemd-analyze verify`, which parses every directive and
 * checks that ExecStart exists; pointed at this checkout's bin/parity.js, since /opt/parity is not
 * installed here. systemd-analyze exits 0 even when it ignores a directive, so its warnings count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toolAvailable } from '../support/tools.js';
import { BIN, REPO_ROOT } from '../support/spawn-parity.js';

const UNIT = path.join(REPO_ROOT, 'deploy/systemd/parity.service');
const INSTALLED_BIN = '/opt/parity/node_modules/.bin/parity';
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function verify(text: string): Promise<{ status: number | null; stderr: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-systemd-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'parity.service'), text);
  const result = spawnSync('systemd-analyze', ['verify', path.join(dir, 'parity.service')], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr };
}

const found = spawnSync('systemd-analyze', ['--version']).status === 0;
if (toolAvailable('systemd-analyze', found, 'apt-get install systemd')) {
  describe('deploy/systemd/parity.service', () => {
    it('runs the installed package\'s bin and passes systemd-analyze verify without a warning', async () => {
      const unit = await readFile(UNIT, 'utf8');
      expect(unit).toContain(`ExecStart=${INSTALLED_BIN} serve\n`);
      expect(await verify(unit.replace(INSTALLED_BIN, BIN))).toEqual({ status: 0, stderr: '' });
    });

    it('the verification notices a misspelt directive (it is not a no-op)', async () => {
      const unit = (await readFile(UNIT, 'utf8')).replace(INSTALLED_BIN, BIN).replace('Restart=on-failure', 'Restartt=on-failure');
      expect((await verify(unit)).stderr).toContain("Unknown key 'Restartt'");
    });
  });
}
