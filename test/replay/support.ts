/**
 * Helpers for the replay tests: replaying a repository scenario on a real database (PGlite always,
 * Postgres with TEST_DATABASE_URL) and printing its report — the mutation-score table, and on
 * failure the seed, path and shrunk counterexample with the command that reproduces it — plus
 * scenario copies with deliberate edits.
 */
import { randomInt } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplayDatabase } from '../../src/replay/database.js';
import { replayScenario } from '../../src/replay/replay-scenario.js';
import { formatReport } from '../../src/replay/report.js';
import { loadScenario, type Scenario } from '../../src/replay/scenario/load.js';
import type { ReplayReport } from '../../src/replay/tally.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCENARIOS_DIR = path.join(REPO_ROOT, 'scenarios');

/** Cases per scenario in `npm test`; REPLAY_RUNS raises it for a longer hunt. */
export const RUNS = Number(process.env.REPLAY_RUNS ?? 100);

/**
 * Share of those cases that also replay a mutation. Below 1 only to fit the suite's time budget
 * on a 2-core machine; `parity replay` mutates every case. REPLAY_MUTATION_RATE=1 for a full hunt.
 */
export const MUTATION_RATE = Number(process.env.REPLAY_MUTATION_RATE ?? 0.5);

/** A fresh seed per run (printed), or REPLAY_SEED to repeat one. */
export function replaySeed(): number {
  return process.env.REPLAY_SEED ? Number(process.env.REPLAY_SEED) : randomInt(2 ** 31 - 1);
}

export interface ScenarioReplay {
  scenario: Scenario;
  report: ReplayReport;
  /** The printed report, used as the assertion message. */
  text: string;
}

/** Replays scenarios/<name> on the database with strict key naming, and prints the report. */
export async function replayRepositoryScenario(name: string, db: ReplayDatabase, runs = RUNS): Promise<ScenarioReplay> {
  const scenario = await loadScenario(path.join(SCENARIOS_DIR, name));
  const report = await replayScenario(scenario, db, { runs, seed: replaySeed(), requireNamedKeys: true, mutationRate: MUTATION_RATE });
  const reproduce = `parity replay scenarios/${name} --require-keys${db.engine === 'postgres' ? ' --database "$TEST_DATABASE_URL"' : ''}`;
  const text = formatReport(report, scenario.spec, reproduce, true);
  console.log(text);
  return { scenario, report, text };
}

/** Copies scenarios/<name> to a fresh temporary folder, applying text edits per file. */
export async function scenarioVariant(name: string, edits: Record<string, (text: string) => string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `parity-replay-${name}-`));
  await cp(path.join(SCENARIOS_DIR, name), dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const target = path.join(dir, file);
    const before = await readFile(target, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`edit of ${file} changed nothing`);
    await writeFile(target, after);
  }
  return dir;
}
