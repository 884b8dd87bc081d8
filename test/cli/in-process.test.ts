/**
 * The CLI suites run commands through main() in-process (test/support/run-main.ts). That is only
 * as good as its agreement with the real binary: the same exit code, stdout and stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/run-main.js';
import { runParity, tempDir, removeTempDirs, SPAWN_TIMEOUT_MS } from '../support/spawn-parity.js';

// Commands that answer before opening any database, so the comparison costs one start-up each:
// check-file problems, a selection error, and commander's usage errors on both streams.
const COMMANDS: string[][] = [
  ['validate', '--json'],
  ['run', 'no-such-check'],
  ['gate', 'only-a-migration'],
  ['serve', '--port', 'eighty'],
];

describe('main() in-process', { timeout: SPAWN_TIMEOUT_MS + 10_000 }, () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await tempDir('parity-in-process-');
    await mkdir(path.join(cwd, 'checks'));
    await writeFile(path.join(cwd, 'checks', 'app.yaml'), 'sources:\n  app: { url: "embedded:app" }\nchecks:\n  - id: ok\n    kind: sql_assert\n    source: app\n    query: select 1 from pg_namespace where nspname = \'parity_never\'\n  - id: Bad Id\n    kind: row_cuont\n');
  });
  afterAll(removeTempDirs);

  it('answers exactly as the spawned binary does: exit code, stdout and stderr', async () => {
    const spawned = await Promise.all(COMMANDS.map((args) => runParity(args, { cwd })));
    for (const [i, args] of COMMANDS.entries()) {
      const inProcess = await runMain(args, { cwd });
      const label = args.join(' ');
      expect(spawned[i]!.signal, label).toBeNull();
      expect({ code: inProcess.code, stdout: inProcess.stdout, stderr: inProcess.stderr }, label)
        .toEqual({ code: spawned[i]!.code, stdout: spawned[i]!.stdout, stderr: spawned[i]!.stderr });
    }
    // The comparison is not vacuous: usage errors, check-file problems and unknown ids all say something.
    expect(spawned.map((r) => r.code)).toEqual([64, 64, 64, 64]);
    expect(spawned.every((r) => r.stdout.length + r.stderr.length > 0)).toBe(true);
  });

  it('restores the working directory, recovers from a directory that does not exist, and runs overlapping calls in turn', async () => {
    const before = process.cwd();
    await runMain(['validate'], { cwd });
    expect(process.cwd()).toBe(before);
    await expect(runMain(['validate'], { cwd: path.join(cwd, 'missing') })).rejects.toThrow(/ENOENT/);
    expect(process.cwd()).toBe(before);
    // Each overlapping call reads its own ./checks: the valid project passes, the broken one does not.
    const valid = await tempDir('parity-in-process-valid-');
    await mkdir(path.join(valid, 'checks'));
    await writeFile(path.join(valid, 'checks', 'app.yaml'), 'sources:\n  app: { url: "embedded:app" }\nchecks: []\n');
    const answers = await Promise.all([runMain(['validate'], { cwd: valid }), runMain(['validate'], { cwd }), runMain(['validate'], { cwd: valid })]);
    expect(answers.map((a) => a.code)).toEqual([0, 64, 0]);
    expect(answers[0]!.stdout).toMatch(/^ok: 1 source, 0 checks/);
    expect(process.cwd()).toBe(before);
  });
});
