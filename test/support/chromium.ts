/** Headless Chromium (Debian's `chromium`) for page tests: the DOM after rendering, and screenshots. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--force-device-scale-factor=1',
];

async function withProfile<T>(work: (profile: string) => Promise<T>): Promise<T> {
  const profile = await mkdtemp(path.join(tmpdir(), 'parity-chromium-'));
  try {
    return await work(profile);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The serialised DOM of the page once Chromium has loaded it. */
export function dumpDom(url: string): Promise<string> {
  return withProfile(async (profile) => {
    const { stdout } = await run(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', url], { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  });
}

/** A PNG screenshot of the page at the given window size. */
export function screenshot(url: string, size = { width: 1280, height: 1600 }): Promise<Buffer> {
  return withProfile(async (profile) => {
    const file = path.join(profile, 'page.png');
    await run(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${size.width},${size.height}`, `--screenshot=${file}`, url], { timeout: 90_000 });
    return readFile(file);
  });
}
