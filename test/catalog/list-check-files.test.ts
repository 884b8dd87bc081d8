import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listCheckFiles } from '../../src/catalog/list-check-files.js';
import { loadCatalog } from '../../src/catalog/load.js';
import { CheckFileError } from '../../src/checkfile/problems.js';

const REPO_CHECKS = path.resolve(import.meta.dirname, '../../checks');
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function temp(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-checkfiles-'));
  dirs.push(dir);
  return dir;
}

/** The layout Kubernetes' atomic writer gives a mounted ConfigMap, with the demo's check files. */
async function configMapMount(): Promise<string> {
  const mount = await temp();
  const generation = path.join(mount, '..2026_12_05_01_00_00.000000001');
  await mkdir(generation);
  for (const name of ['demo-sources.yaml', 'demo-users.yaml']) await copyFile(path.join(REPO_CHECKS, name), path.join(generation, name));
  await symlink('..2026_12_05_01_00_00.000000001', path.join(mount, '..data'));
  await symlink('..data/demo-sources.yaml', path.join(mount, 'demo-sources.yaml'));
  await symlink('..data/demo-users.yaml', path.join(mount, 'demo-users.yaml'));
  return mount;
}

describe('finding check files', () => {
  it('reads a Kubernetes ConfigMap mount through its links, each file once, under its own name', async () => {
    const mount = await configMapMount();
    expect(await listCheckFiles(mount)).toEqual([path.join(mount, 'demo-sources.yaml'), path.join(mount, 'demo-users.yaml')]);
    const catalog = await loadCatalog(mount, {});
    expect([...catalog.checks.keys()].sort()).toContain('users-name-parity');
    expect(catalog.checks.get('users-name-parity')!.at.file).toBe(path.relative(process.cwd(), path.join(mount, 'demo-users.yaml')));
  });

  it('follows a link to a file or a folder elsewhere', async () => {
    const elsewhere = await temp();
    await writeFile(path.join(elsewhere, 'a.yaml'), 'checks: []\n');
    await mkdir(path.join(elsewhere, 'team'));
    await writeFile(path.join(elsewhere, 'team', 'b.yml'), 'checks: []\n');
    const dir = await temp();
    await symlink(path.join(elsewhere, 'a.yaml'), path.join(dir, 'linked.yaml'));
    await symlink(path.join(elsewhere, 'team'), path.join(dir, 'team'));
    expect(await listCheckFiles(dir)).toEqual([path.join(dir, 'linked.yaml'), path.join(dir, 'team', 'b.yml')]);
  });

  it('walks a link loop once and lists a file reached by two links once', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'a.yaml'), 'checks: []\n');
    await symlink('.', path.join(dir, 'again'));
    await mkdir(path.join(dir, 'sub'));
    await symlink('..', path.join(dir, 'sub', 'up'));
    await symlink('../a.yaml', path.join(dir, 'sub', 'same.yaml'));
    expect(await listCheckFiles(dir)).toEqual([path.join(dir, 'a.yaml')]);
  });

  it('reports a broken link named like a check file instead of loading without it', async () => {
    const dir = await temp();
    await writeFile(path.join(dir, 'a.yaml'), 'checks: []\n');
    await symlink('missing.yaml', path.join(dir, 'b.yaml'));
    await symlink('missing.txt', path.join(dir, 'notes.txt'));
    const error = await listCheckFiles(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFileError);
    expect((error as CheckFileError).problems).toEqual([expect.objectContaining({ file: path.join(dir, 'b.yaml'), message: 'cannot read check file (broken symbolic link): ENOENT' })]);
  });

  it('still reports an unreadable checks directory', async () => {
    const error = await listCheckFiles(path.join(tmpdir(), 'parity-no-such-dir')).catch((e: unknown) => e);
    expect((error as CheckFileError).problems[0]!.message).toBe('cannot read checks directory: ENOENT');
  });
});
