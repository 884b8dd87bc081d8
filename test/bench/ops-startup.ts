/**
 * Issue 15's start-up entry: `parity --version` from the installed package (npm pack, then
 * npm install --omit=dev into a temporary folder, as deploy/Dockerfile does), against `node -e 0`
 * on the same machine, the two timed alternately so a busy neighbour slows both alike. Target:
 * parity ≤ 300 ms wall time; the ratio says how much of it is parity rather than Node itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, type OperationResult } from './harness.js';
import { median } from './psql.js';
import { dockerRecipe, outsideContainer } from '../support/dockerfile.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TARGET_MS = 300;

function wallMs(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: 'ignore' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return ms;
}

/** Packs and installs parity, then times `parity --version` and `node -e 0` alternately. */
export async function startupOperations(ctx: { runs: number; log(line: string): void }): Promise<OperationResult[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'parity-bench-startup-'));
  try {
    const pkg = path.join(work, 'pkg');
    const app = path.join(work, 'app');
    mkdirSync(pkg);
    mkdirSync(app);
    const steps = outsideContainer(dockerRecipe(), { pkg, app });
    ctx.log('packing and installing parity (npm pack, npm install --omit=dev)…');
    execFileSync('sh', ['-c', steps.pack], { cwd: REPO_ROOT, stdio: 'ignore' });
    execFileSync('sh', ['-c', steps.install], { cwd: app, stdio: 'ignore', env: { ...process.env, npm_config_prefer_offline: 'true' } });
    // Warm the file cache for both, then alternate.
    wallMs(steps.bin, ['--version'], app);
    wallMs(process.execPath, ['-e', '0'], app);
    const rounds = Math.max(ctx.runs, 10);
    const parity: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < rounds; i++) {
      parity.push(wallMs(steps.bin, ['--version'], app));
      node.push(wallMs(process.execPath, ['-e', '0'], app));
    }
    const parityMs = median(parity);
    const nodeMs = median(node);
    ctx.log(`parity --version ${round(parityMs)} ms, node -e 0 ${round(nodeMs)} ms (medians of ${rounds})`);
    return [{
      operation: 'parity --version start-up, installed package (baseline: node -e 0)',
      target: `≤ ${TARGET_MS} ms`,
      parity_ms: round(parityMs),
      baseline_ms: round(nodeMs),
      ratio: round(parityMs / nodeMs, 3),
      limit: TARGET_MS,
      met: parityMs <= TARGET_MS,
      note: 'the limit is milliseconds of wall time, not a ratio',
      extra: { rounds, parity_ms_all: parity.map((v) => round(v)), node_ms_all: node.map((v) => round(v)) },
    }];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
