/**
 * Reads deploy/Dockerfile into stages and instructions, so tests can run its commands outside a
 * container (this machine has no container runtime) and notice when the file and the tests drift.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DOCKERFILE = fileURLToPath(new URL('../../deploy/Dockerfile', import.meta.url));

export interface Instruction {
  keyword: string;
  /** The arguments as written (continuations joined with a space). */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages; comments and blank lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1).trimEnd();
      let next = lines[++i]!.trim();
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i]!.trim(); // comments inside a continuation
      line = `${line} ${next}`;
    }
    const match = /^(\w+)\s+(.*)$/s.exec(line);
    if (!match) throw new Error(`Dockerfile line ${startLine}: cannot parse "${line}"`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${startLine}: cannot parse FROM "${args}"`);
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${startLine}: ${keyword} before FROM`);
    stages.at(-1)!.instructions.push({ keyword, args, line: startLine });
  }
  return stages;
}

/** `KEY=value KEY2=value2` (the ENV form deploy/Dockerfile uses) as a record. */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`ENV "${args}": use the KEY=value form`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** What the image does, in the terms the package test runs it. */
export interface DockerRecipe {
  stages: Stage[];
  /** RUN commands of the build stage, in order. */
  buildRuns: string[];
  /** RUN commands of the final stage, in order. */
  runtimeRuns: string[];
  /** Final stage's WORKDIR, where the package is installed. */
  workdir: string;
  user: string | undefined;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  /** The HEALTHCHECK's shell command (after CMD). */
  healthcheck: string;
  volumes: string[];
}

function only(stage: Stage, keyword: string): Instruction | undefined {
  const found = stage.instructions.filter((i) => i.keyword === keyword);
  if (found.length > 1) throw new Error(`stage ${stage.name ?? stage.from} has ${found.length} ${keyword} instructions; expected one`);
  return found[0];
}

/** Reads deploy/Dockerfile into a recipe. */
export function dockerRecipe(text = readFileSync(DOCKERFILE, 'utf8')): DockerRecipe {
  const stages = parseDockerfile(text);
  const build = stages[0]!;
  const runtime = stages.at(-1)!;
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const env: Record<string, string> = {};
  for (const i of runtime.instructions.filter((x) => x.keyword === 'ENV')) Object.assign(env, parseEnv(i.args));
  const json = (i: Instruction | undefined) => (i ? (JSON.parse(i.args) as string[]) : []);
  const health = only(runtime, 'HEALTHCHECK')?.args ?? '';
  const healthCmd = /(?:^|\s)CMD\s+(.*)$/s.exec(health);
  return {
    stages,
    buildRuns: runs(build),
    runtimeRuns: runs(runtime),
    workdir: only(runtime, 'WORKDIR')?.args ?? '/',
    user: only(runtime, 'USER')?.args,
    env,
    entrypoint: json(only(runtime, 'ENTRYPOINT')),
    cmd: json(only(runtime, 'CMD')),
    healthcheck: healthCmd?.[1] ?? '',
    volumes: runtime.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => JSON.parse(i.args) as string[]),
  };
}

/** RUN steps that only shape the image (clean-up, directories, ownership) and have no meaning outside it. */
const IMAGE_HOUSEKEEPING = [/^rm -rf \S+( \S+)*$/, /^mkdir -p [\w/ -]+$/, /^chown [\w:]+ [\w/ -]+$/];

/** The Dockerfile's steps, rewritten to run in temporary folders instead of an image. */
export interface OutsideContainer {
  /** The build stage's dependency install; a checkout where tests run has done exactly this. */
  dependencies: string;
  /** The build stage's `npm pack`, writing into `dirs.pkg`; runs in the checkout. */
  pack: string;
  /** The runtime stage's `npm install … tarball`, reading from `dirs.pkg`; runs in `dirs.app`. */
  install: string;
  /** The ENTRYPOINT, under `dirs.app` instead of WORKDIR. */
  bin: string;
  cmd: string[];
  env: Record<string, string>;
  healthcheck: string;
  /** Steps not run outside a container, each matched by IMAGE_HOUSEKEEPING. */
  housekeeping: string[];
}

/**
 * Maps every RUN step of the Dockerfile to what the package test runs; throws naming any step it
 * cannot place, so a new step in the Dockerfile fails the tests until they run it too.
 */
export function outsideContainer(recipe: DockerRecipe, dirs: { pkg: string; app: string }): OutsideContainer {
  const steps = (runs: string[]) => runs.flatMap((run) => run.split(' && ').map((s) => s.trim()));
  const build = steps(recipe.buildRuns);
  const runtime = steps(recipe.runtimeRuns);
  const housekeeping = [...build, ...runtime].filter((s) => IMAGE_HOUSEKEEPING.some((re) => re.test(s)));
  const dependencies = build.filter((s) => /^npm ci\b/.test(s));
  const pack = build.filter((s) => /^npm pack --pack-destination \/pkg$/.test(s));
  const install = runtime.filter((s) => /^npm install --omit=dev\b.* \/pkg\/[\w.*-]+\.tgz$/.test(s));
  const placed = new Set([...housekeeping, ...dependencies, ...pack, ...install]);
  const unplaced = [...build, ...runtime].filter((s) => !placed.has(s));
  if (unplaced.length > 0 || dependencies.length !== 1 || pack.length !== 1 || install.length !== 1) {
    throw new Error(`deploy/Dockerfile has RUN steps the package test does not run: ${JSON.stringify(unplaced)} (expected one npm ci, one npm pack --pack-destination /pkg, one npm install --omit=dev /pkg/….tgz)`);
  }
  const workdir = recipe.workdir.replace(/\/$/, '');
  const [entry] = recipe.entrypoint;
  if (!entry?.startsWith(`${workdir}/`)) throw new Error(`ENTRYPOINT ${JSON.stringify(recipe.entrypoint)} is not under WORKDIR ${workdir}`);
  return {
    dependencies: dependencies[0]!,
    pack: pack[0]!.replace('/pkg', dirs.pkg),
    install: install[0]!.replace(' /pkg/', ` ${dirs.pkg}/`),
    bin: dirs.app + entry.slice(workdir.length),
    cmd: recipe.cmd,
    env: recipe.env,
    healthcheck: recipe.healthcheck,
    housekeeping,
  };
}
