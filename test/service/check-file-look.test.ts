/**
 * A look at the check files trusts stat data only when it has settled (git's racy-clean rule): every
 * way a file or a listing can change must still change the fingerprint at the very next look, with
 * real files on a real filesystem. `counts()` shows when stat data was trusted, so each case starts
 * from a look that reused what it knew.
 */
import { link, mkdir, mkdtemp, rename, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheckFileLook, type CheckFileLookOptions } from '../../src/service/check-file-look.js';

const MARGIN_MS = 40;
const settle = () => new Promise((resolve) => setTimeout(resolve, MARGIN_MS * 3));

describe('looking at the check files', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'parity-look-'));
    dir = path.join(root, 'checks');
    await mkdir(dir);
    await writeFile(path.join(dir, 'a.yaml'), 'checks: [] # version 1\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** A look whose last answer came from stat data alone (nothing read), over settled files. */
  const trustingLook = async (options: Partial<CheckFileLookOptions> = {}) => {
    await settle();
    const look = createCheckFileLook({ dir, marginMs: MARGIN_MS, ...options });
    const first = await look.fingerprint();
    const counts = look.counts();
    expect(await look.fingerprint()).toBe(first);
    expect(look.counts()).toEqual(counts);
    return { look, first };
  };

  it('gives the fingerprint a fresh look gives, without reading settled files again', async () => {
    const { look, first } = await trustingLook();
    expect(await createCheckFileLook({ dir }).fingerprint()).toBe(first);
    expect(look.counts()).toEqual({ reads: 1, walks: 1 });
  });

  it('sees a same-size rewrite made right after a look, within the same timestamp granule', async () => {
    // A 1 s granule, as on filesystems that keep seconds: both writes carry the same stamps.
    const look = createCheckFileLook({ dir, marginMs: 1_000, timestampGranuleMs: 1_000 });
    const file = path.join(dir, 'a.yaml');
    for (let round = 0; round < 5; round++) {
      await writeFile(file, `checks: [] # version ${round}\n`);
      const before = await look.fingerprint();
      const stampBefore = await stat(file, { bigint: true });
      await writeFile(file, `checks: [] # version ${round + 5}\n`);
      const stampAfter = await stat(file, { bigint: true });
      expect(stampAfter.size).toBe(stampBefore.size);
      expect(await look.fingerprint()).not.toBe(before);
    }
  });

  it('sees a file added right after a look, within the same timestamp granule of the directory', async () => {
    const look = createCheckFileLook({ dir, marginMs: 1_000, timestampGranuleMs: 1_000 });
    for (let round = 0; round < 5; round++) {
      await writeFile(path.join(dir, `b${round}.yaml`), 'checks: []\n');
      const before = await look.fingerprint();
      await writeFile(path.join(dir, `c${round}.yaml`), 'checks: []\n');
      expect(await look.fingerprint()).not.toBe(before);
    }
  });

  it('sees a same-size rewrite of a settled file', async () => {
    const { look, first } = await trustingLook();
    await writeFile(path.join(dir, 'a.yaml'), 'checks: [] # version 2\n');
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('sees a rewrite whose mtime was put back (cp -p, touch -d): ctime still moves', async () => {
    const file = path.join(dir, 'a.yaml');
    const old = new Date('2024-01-01T00:00:00Z');
    await utimes(file, old, old);
    const { look, first } = await trustingLook();
    await writeFile(file, 'checks: [] # version 2\n');
    await utimes(file, old, old);
    expect((await stat(file)).mtime.getTime()).toBe(old.getTime());
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('sees an editor that writes a new file and renames it over the old one', async () => {
    const { look, first } = await trustingLook();
    await writeFile(path.join(dir, '.a.yaml.swp'), 'checks: [] # version 2\n');
    await rename(path.join(dir, '.a.yaml.swp'), path.join(dir, 'a.yaml'));
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('sees a file deleted and another created under the same name and size (even on the same inode)', async () => {
    const file = path.join(dir, 'a.yaml');
    const { look, first } = await trustingLook();
    await unlink(file);
    // Whether the inode comes back is the filesystem's choice; the answer may not depend on it.
    await writeFile(file, 'checks: [] # version 2\n');
    expect((await stat(file)).size).toBe('checks: [] # version 1\n'.length);
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('sees a file added, removed, or added in a subdirectory', async () => {
    const { look, first } = await trustingLook();
    await writeFile(path.join(dir, 'b.yaml'), 'checks: []\n');
    const added = await look.fingerprint();
    expect(added).not.toBe(first);
    await settle();
    await look.fingerprint();
    await unlink(path.join(dir, 'b.yaml'));
    expect(await look.fingerprint()).toBe(first);
    await mkdir(path.join(dir, 'sub'));
    await settle();
    await look.fingerprint();
    const counts = look.counts();
    expect(await look.fingerprint()).toBe(first);
    expect(look.counts()).toEqual(counts);
    await writeFile(path.join(dir, 'sub', 'c.yaml'), 'checks: []\n');
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('sees a link retargeted to a file of the same size, in the tree or through a link outside it', async () => {
    const outside = path.join(root, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'v1.yaml'), 'checks: [] # version 1\n');
    await writeFile(path.join(outside, 'v2.yaml'), 'checks: [] # version 2\n');
    await symlink('v1.yaml', path.join(outside, 'current.yaml'));
    await symlink(path.join(outside, 'current.yaml'), path.join(dir, 'b.yaml'));
    const { look, first } = await trustingLook();
    // Retargeted outside the checks directory: nothing in it changes.
    await symlink('v2.yaml', path.join(outside, 'next.yaml'));
    await rename(path.join(outside, 'next.yaml'), path.join(outside, 'current.yaml'));
    const second = await look.fingerprint();
    expect(second).not.toBe(first);
    await settle();
    await look.fingerprint();
    // Retargeted in the tree (ln -sfn): back to version 1.
    await symlink(path.join(outside, 'v1.yaml'), path.join(dir, 'b.next'));
    await rename(path.join(dir, 'b.next'), path.join(dir, 'b.yaml'));
    expect(await look.fingerprint()).toBe(first);
  });

  it('sees a link retargeted to another name of the same inode (a hard link): the file is then listed twice', async () => {
    const outside = path.join(root, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'x.yaml'), 'checks: [] # version 1\n');
    await link(path.join(outside, 'x.yaml'), path.join(outside, 'x-again.yaml'));
    await symlink('x.yaml', path.join(outside, 'current.yaml'));
    await symlink(path.join(outside, 'current.yaml'), path.join(dir, 'b.yaml'));
    await symlink(path.join(outside, 'x.yaml'), path.join(dir, 'c.yaml'));
    const { look, first } = await trustingLook();
    await symlink('x-again.yaml', path.join(outside, 'next.yaml'));
    await rename(path.join(outside, 'next.yaml'), path.join(outside, 'current.yaml'));
    // Same inode, same bytes; but b.yaml no longer resolves to c.yaml's path, so both are listed.
    expect(await look.fingerprint()).not.toBe(first);
    expect(await look.fingerprint()).toBe(await createCheckFileLook({ dir }).fingerprint());
  });

  it('sees a linked directory retargeted, and a Kubernetes ConfigMap update', async () => {
    for (const name of ['gen1', 'gen2']) {
      await mkdir(path.join(root, name));
      await writeFile(path.join(root, name, 'c.yaml'), `checks: [] # ${name}\n`);
    }
    await symlink('..gen', path.join(dir, '..data'));
    await symlink(path.join(root, 'gen1'), path.join(dir, '..gen'));
    await symlink('..data/c.yaml', path.join(dir, 'c.yaml'));
    await symlink(path.join(root, 'gen1'), path.join(dir, 'linked'));
    const { look, first } = await trustingLook();
    // The atomic writer swaps `..data` (here through `..gen`) with a rename; the file links stay.
    await symlink(path.join(root, 'gen2'), path.join(dir, '..gen_tmp'));
    await rename(path.join(dir, '..gen_tmp'), path.join(dir, '..gen'));
    const swapped = await look.fingerprint();
    expect(swapped).not.toBe(first);
    await settle();
    await look.fingerprint();
    await symlink(path.join(root, 'gen2'), path.join(dir, 'linked_tmp'));
    await rename(path.join(dir, 'linked_tmp'), path.join(dir, 'linked'));
    expect(await look.fingerprint()).not.toBe(swapped);
  });

  it('keeps trusting a dangling link the walk skips, and sees it come to point at check files', async () => {
    await symlink(path.join(root, 'later'), path.join(dir, 'later'));
    const { look, first } = await trustingLook();
    await mkdir(path.join(root, 'later'));
    await writeFile(path.join(root, 'later', 'd.yaml'), 'checks: []\n');
    expect(await look.fingerprint()).not.toBe(first);
  });

  it('reports what cannot be read instead of reusing what it knew', async () => {
    const { look, first } = await trustingLook();
    await symlink(path.join(root, 'missing.yaml'), path.join(dir, 'broken.yaml'));
    const broken = await look.fingerprint();
    expect(broken).toMatch(/^unreadable:/);
    await unlink(path.join(dir, 'broken.yaml'));
    expect(await look.fingerprint()).toBe(first);
    await rm(dir, { recursive: true });
    expect(await look.fingerprint()).toMatch(/^unreadable:/);
  });
});
