/**
 * integrations/github-action/action.yml run the way the GitHub runner runs a composite step: the
 * step's `env` with `${{ inputs.* }}` filled in (defaults from action.yml), its `run` script under
 * `bash --noprofile --norc -eo pipefail`, and the files and variables the runner provides
 * (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_ACTION_PATH, …) — against a real parity server, and
 * with a real embedded state store for `run`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { engines } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { REPO_ROOT } from '../support/spawn-parity.js';
import { binDir, READ_TOKEN, RUN_TOKEN, startGateServer, type GateServer } from './support.js';

const ACTION_DIR = path.join(REPO_ROOT, 'integrations/github-action');

interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: { id: string; shell: string; env: Record<string, string>; run: string }[] };
}

interface StepResult { code: number; stdout: string; stderr: string; summary: string; outputs: Record<string, string> }

/** Runs the action's steps as the runner would, with these inputs; resolves when the first step fails or all end. */
async function runAction(inputs: Record<string, string>, options: { workspace: string; path: string }): Promise<StepResult> {
  const action = parse(await readFile(path.join(ACTION_DIR, 'action.yml'), 'utf8')) as Action;
  expect(action.runs.using).toBe('composite');
  const unknown = Object.keys(inputs).filter((name) => !(name in action.inputs));
  expect(unknown, 'inputs the action does not declare').toEqual([]);
  const values = { ...Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, spec.default ?? ''])), ...inputs };
  const runnerTemp = await mkdtemp(path.join(tmpdir(), 'parity-runner-'));
  const summary = path.join(runnerTemp, 'step_summary');
  const output = path.join(runnerTemp, 'output');
  await writeFile(summary, '');
  await writeFile(output, '');
  const fill = (text: string) => text.replace(/\$\{\{\s*inputs\.([a-z0-9-]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`action.yml uses undeclared input ${name}`);
    return values[name]!;
  });
  try {
    let result: Omit<StepResult, 'summary' | 'outputs'> = { code: 0, stdout: '', stderr: '' };
    for (const step of action.runs.steps) {
      expect(step.shell).toBe('bash');
      expect(step.run, 'inputs must reach the script through env, never spliced into it').not.toMatch(/\$\{\{/);
      const script = path.join(runnerTemp, `${step.id}.sh`);
      await writeFile(script, step.run);
      const env = {
        PATH: options.path, HOME: process.env.HOME!, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: options.workspace,
        GITHUB_ACTION_PATH: ACTION_DIR, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, RUNNER_TEMP: runnerTemp, PARITY_LOG_LEVEL: 'silent',
        ...Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, fill(v)])),
      };
      result = await new Promise((resolve, reject) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => { stdout += d; });
        child.stderr.on('data', (d) => { stderr += d; });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
      if (result.code !== 0) break;
    }
    const outputs = Object.fromEntries((await readFile(output, 'utf8')).split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    return { ...result, summary: await readFile(summary, 'utf8'), outputs };
  } finally {
    await rm(runnerTemp, { recursive: true, force: true });
  }
}

describe.each(engines)('the GitHub Action asking a server (state store on %s)', { timeout: 120_000 }, (engine) => {
  let world: GateServer;
  let bin: Awaited<ReturnType<typeof binDir>>;
  let workspace: string;
  beforeAll(async () => {
    world = await startGateServer(engine);
    bin = await binDir();
    workspace = await mkdtemp(path.join(tmpdir(), 'parity-workspace-'));
  });
  afterAll(async () => {
    await world?.close();
    await bin?.remove();
    await rm(workspace, { recursive: true, force: true });
  });
  const ask = (inputs: Record<string, string>) => runAction({ migration: 'users-split-name', phase: 'switch-reads', server: world.url, ...inputs }, { workspace, path: `${bin.dir}:${process.env.PATH}` });

  it('fails the step on a denial, with the Markdown report in the job summary and the outputs set', async () => {
    const step = await ask({ token: RUN_TOKEN, refresh: 'true' });
    expect(step.code).toBe(1);
    expect(step.outputs).toEqual({ 'exit-code': '1', verdict: 'denied' });
    expect(step.summary).toMatch(/^### ❌ Gate `users-split-name` → `switch-reads`: \*\*DENIED\*\* \(checks re-run\)\n/);
    expect(step.summary).toMatch(/^\| ❌ \| `users-name-parity` \| \*\*fail\*\* \|/m);
    expect(step.stdout).toContain('::error title=parity gate::denied (exit 1); see the job summary');
  });

  it('passes the step once the gate allows', async () => {
    await world.repairData();
    await world.runChecks();
    const step = await ask({ token: READ_TOKEN });
    expect(step.code).toBe(0);
    expect(step.outputs).toEqual({ 'exit-code': '0', verdict: 'allowed' });
    expect(step.summary).toMatch(/^### ✅ Gate `users-split-name` → `switch-reads`: \*\*ALLOWED\*\*\n/);
  });

  it('fails the step when the gate cannot be evaluated, or the server cannot be reached', async () => {
    const restore = await world.breakCheckFiles();
    try {
      const step = await ask({ token: READ_TOKEN });
      expect(step.code).toBe(2);
      expect(step.outputs).toEqual({ 'exit-code': '2', verdict: 'could-not-verify' });
      expect(step.summary).toMatch(/^### ⚠️ Gate .*\*\*COULD NOT EVALUATE\*\* \(not allowed\)/);
    } finally {
      await restore();
    }
    const unreachable = await ask({ token: READ_TOKEN, server: 'http://127.0.0.1:1' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.summary).toMatch(/could not reach http:\/\/127\.0\.0\.1:1/);
  });

  it('fails with 64 on a wrong token or a missing input, and still says so in the summary', async () => {
    const wrong = await ask({ token: 'wrong-token-0123456789' });
    expect(wrong.code).toBe(64);
    // parity's own report of the refusal (never an empty summary, never a pass).
    expect(wrong.summary).toMatch(/^### ⚠️ Gate `users-split-name` → `switch-reads`: \*\*BAD CONFIGURATION\*\* \(not asked; not allowed\)\n[\s\S]*answered 401: unauthorized/);
    const missing = await runAction({ phase: 'switch-reads' }, { workspace, path: `${bin.dir}:${process.env.PATH}` });
    expect(missing.code).toBe(64);
  });
});

describe('the GitHub Action running checks (embedded state)', { timeout: 120_000 }, () => {
  let bin: Awaited<ReturnType<typeof binDir>>;
  let workspace: string;
  beforeAll(async () => {
    bin = await binDir();
    workspace = await mkdtemp(path.join(tmpdir(), 'parity-workspace-'));
    await mkdir(path.join(workspace, 'db-checks'));
    await writeFile(path.join(workspace, 'db-checks', 'app.yaml'), `sources:
  app: { url: "embedded:verified" }
checks:
  - id: users-names
    kind: column_parity
    tags: [names]
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
`);
    const { db, release } = await openEmbedded(path.join(workspace, '.parity'), 'verified');
    await db.exec(`
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users select g, 'Name' || g || ' Surname', 'Name' || g, case when g = 7 then 'Surnam' else 'Surname' end from generate_series(1, 50) g;
    `);
    await release();
  });
  afterAll(async () => {
    await bin?.remove();
    await rm(workspace, { recursive: true, force: true });
  });

  it('fails the step when a check fails and puts the offending key in the summary', async () => {
    const step = await runAction({ command: 'run', tags: 'names', checks: 'db-checks' }, { workspace, path: `${bin.dir}:${process.env.PATH}` });
    expect(step.code).toBe(1);
    expect(step.outputs).toEqual({ 'exit-code': '1', verdict: 'failed' });
    expect(step.summary).toMatch(/^### ❌ parity run: a check failed \(0 passed, 1 failed, 0 could not be verified\)\n/);
    expect(step.summary).toContain('id=7  old: "Name7 Surname"  new: "Name7 Surnam"');
  });
});

/**
 * The runner's own state store is not the server the workflow meant to ask. Here it holds a pass
 * (the runner's workspace checked its own embedded copy), so a step that fell back to it on an
 * empty `server` — an unset secret or variable — said "allowed" for a question nobody asked it.
 */
describe('the GitHub Action asks only where it was told to (embedded state that would allow)', { timeout: 120_000 }, () => {
  let bin: Awaited<ReturnType<typeof binDir>>;
  let workspace: string;
  beforeAll(async () => {
    bin = await binDir();
    workspace = await mkdtemp(path.join(tmpdir(), 'parity-workspace-'));
    await mkdir(path.join(workspace, 'checks'));
    await writeFile(path.join(workspace, 'checks', 'app.yaml'), `sources:
  app: { url: "embedded:verified" }
checks:
  - id: users-names
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
migrations:
  - id: users-split-name
    phases:
      - name: switch-reads
        requires: [users-names]
`);
    const { db, release } = await openEmbedded(path.join(workspace, '.parity'), 'verified');
    await db.exec(`
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users select g, 'Name' || g || ' Surname', 'Name' || g, 'Surname' from generate_series(1, 50) g;
    `);
    await release();
    // A pass recorded in the workspace's own data directory (a one-shot `parity run` keeps none).
    const run = await runMain(['run', '--data-dir', '.parity'], { cwd: workspace, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent' } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });
  afterAll(async () => {
    await bin?.remove();
    await rm(workspace, { recursive: true, force: true });
  });
  const ask = (inputs: Record<string, string>) => runAction({ migration: 'users-split-name', phase: 'switch-reads', ...inputs }, { workspace, path: `${bin.dir}:${process.env.PATH}` });

  it('fails with 64 on an empty or blank server, never asking the local state store', async () => {
    for (const inputs of [{}, { server: '' }, { server: '   ' }, { server: '\t' }, { local: 'false' }, { server: '', refresh: 'true' }] as Record<string, string>[]) {
      const step = await ask(inputs);
      expect(step.code, JSON.stringify(inputs)).toBe(64);
      expect(step.outputs, JSON.stringify(inputs)).toEqual({ 'exit-code': '64', verdict: 'bad-configuration' });
      expect(step.summary, JSON.stringify(inputs)).toMatch(/bad-configuration.*server input is empty/);
      expect(step.stdout + step.summary, JSON.stringify(inputs)).not.toMatch(/ALLOWED/);
    }
  });

  it('fails with 64 on a server that is not an http(s) URL (parity asks nothing)', async () => {
    for (const server of ['parity.internal', 'file:///tmp/x', 'ftp://parity', '${{ secrets.PARITY_URL }}']) {
      const step = await ask({ server });
      expect(step.code, server).toBe(64);
      expect(step.outputs.verdict, server).toBe('bad-configuration');
    }
  });

  it('evaluates against the state store only when local is "true", and refuses local with a server or an unclear value', async () => {
    const local = await ask({ local: 'true' });
    expect(local.code, local.stdout + local.stderr).toBe(0);
    expect(local.outputs).toEqual({ 'exit-code': '0', verdict: 'allowed' });
    for (const inputs of [{ local: 'true', server: 'http://127.0.0.1:1' }, { local: 'yes' }, { local: 'True' }, { local: '' }, { local: 'true', refresh: 'yes' }] as Record<string, string>[]) {
      const step = await ask(inputs);
      expect(step.code, JSON.stringify(inputs)).toBe(64);
      expect(step.outputs.verdict, JSON.stringify(inputs)).toBe('bad-configuration');
    }
  });

  it('takes a migration or phase that looks like an option as an id, never as help, version or a server', async () => {
    for (const inputs of [{ migration: '--help' }, { phase: '-V' }, { migration: '--server=http://127.0.0.1:1' }] as Record<string, string>[]) {
      const step = await ask({ local: 'true', ...inputs });
      expect(step.code, JSON.stringify(inputs)).toBe(64);
      expect(step.outputs.verdict, JSON.stringify(inputs)).toBe('bad-configuration');
    }
  });
});
