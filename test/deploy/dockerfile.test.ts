/**
 * deploy/Dockerfile cannot be built here (no container runtime). What keeps it honest: its RUN
 * steps, ENTRYPOINT, CMD, ENV and HEALTHCHECK are what test/package/installed-package.test.ts runs
 * (through test/support/dockerfile.ts), and a step that test does not run fails here first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerRecipe, outsideContainer } from '../support/dockerfile.js';
import { REPO_ROOT } from '../support/spawn-parity.js';

const recipe = dockerRecipe();

describe('deploy/Dockerfile', () => {
  it('builds in one stage and runs in another, as an unprivileged user', () => {
    expect(recipe.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(recipe.stages.every((s) => /^node:20[\w.-]*$/.test(s.from))).toBe(true);
    // The runtime stage receives only the packed tarball from the build stage.
    const copies = recipe.stages[1]!.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(['--from=build /pkg/ /pkg/']);
    expect(recipe.user).toBe('node');
  });

  it('takes check files from /checks and health from /readyz', () => {
    expect(recipe.env.PARITY_CHECKS_DIR).toBe('/checks');
    expect(recipe.volumes).toEqual(['/checks']);
    expect(recipe.healthcheck).toContain("/readyz'");
    expect(recipe.healthcheck).toContain('process.env.PARITY_PORT');
    expect(recipe.cmd).toEqual(['serve']);
  });

  it('every RUN step is one the package test runs, or image housekeeping', () => {
    const steps = outsideContainer(recipe, { pkg: '/tmp/p', app: '/tmp/a' });
    expect(steps.pack).toBe('npm pack --pack-destination /tmp/p');
    expect(steps.install).toMatch(/^npm install --omit=dev .*\/tmp\/p\/pg-parity-\*\.tgz$/);
    expect(steps.bin).toBe('/tmp/a/node_modules/.bin/parity');
    expect(steps.housekeeping).toEqual(['rm -rf /pkg /root/.npm', 'mkdir -p /var/lib/parity /checks', 'chown node:node /var/lib/parity']);
    // The build stage's dependency install is the one CI runs in every checkout the tests run in.
    expect(readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toContain(`${steps.dependencies}\n`);
  });

  it('the tarball name it installs is this package\'s', () => {
    const { name } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string };
    expect(outsideContainer(recipe, { pkg: '/p', app: '/a' }).install).toContain(`/p/${name}-*.tgz`);
  });

  it('refuses a Dockerfile with a step the package test would not run', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8').replace('USER node', 'RUN npm install -g something\nUSER node');
    expect(() => outsideContainer(dockerRecipe(text), { pkg: '/p', app: '/a' })).toThrow(/npm install -g something/);
  });
});
